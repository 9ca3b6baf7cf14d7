"""The Training panel's Precision menu: float64 / float32, both ways, and off for the
second-order methods (which always run in float64)."""
from tests.widgets.test_optimizer_choice import choose_by_keys


def test_choosing_float32_sets_the_experiment_and_back(qtbot, make_window):
    w = make_window()
    w.training_dock.raise_()
    combo = w.optimizer_panel.precision
    assert [combo.itemData(i) for i in range(combo.count())] == ["float64", "float32"]
    assert combo.currentData() == "float64" == w.experiment.precision
    choose_by_keys(qtbot, combo, "float32")
    assert w.experiment.precision == "float32"
    w.experiment.set("precision", "float64")          # model -> menu
    assert combo.currentData() == "float64"


def test_the_menu_is_off_for_second_order_methods(qtbot, make_window):
    w = make_window()
    combo = w.optimizer_panel.precision
    w.experiment.set("optimizer", "lbfgs")
    assert not combo.isEnabled()
    w.experiment.set("optimizer", "adam")
    assert combo.isEnabled()
