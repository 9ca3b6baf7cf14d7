"""The optimizer menu shows the recommended learning rate of the chosen optimizer; the loss
menu names each loss once."""
from PySide6.QtCore import Qt

from engine.optimizers import OPTIMIZERS


def choose_by_keys(qtbot, combo, key: str) -> None:
    """Pick the item whose data is ``key`` with the arrow keys, as a user at the keyboard."""
    combo.setFocus()
    target = combo.findData(key)
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up)


def test_choosing_adadelta_in_the_menu_shows_its_rate(qtbot, make_window):
    w = make_window()
    w.training_dock.raise_()
    panel = w.optimizer_panel
    choose_by_keys(qtbot, panel.optimizer, "adadelta")
    assert w.experiment.optimizer == "adadelta"
    assert w.experiment.learning_rate == OPTIMIZERS["adadelta"].recommended_lr == 1.0
    assert panel.learning_rate.value() == 1.0 and panel.learning_rate.text() == "1"
    choose_by_keys(qtbot, panel.optimizer, "adam")
    assert w.experiment.learning_rate == 0.01 and panel.learning_rate.text() == "0.01"


def test_a_typed_rate_stays_until_another_optimizer_is_chosen(qtbot, make_window):
    w = make_window()
    w.training_dock.raise_()
    panel = w.optimizer_panel
    w.experiment.set("learning_rate", 0.003)
    choose_by_keys(qtbot, panel.optimizer, "adam")         # the same one: nothing changes
    assert w.experiment.learning_rate == 0.003
    assert panel.learning_rate.text() == "0.003"


def test_an_opened_example_keeps_its_own_rate(qtbot, make_window):
    from playground import presets
    doc = presets.load("circle")        # SGD at 0.1, not SGD's 0.03
    w = make_window()
    w.experiment.update(doc.values)
    assert w.experiment.learning_rate == doc.values["learning_rate"]
    assert w.optimizer_panel.learning_rate.value() == doc.values["learning_rate"]


def test_the_loss_menu_names_each_loss_once(qtbot, make_window):
    w = make_window()
    loss = w.network_view.output_header.loss
    names = [loss.itemText(i) for i in range(loss.count())]
    assert len(set(names)) == len(names) == 3
    assert "Binary cross-entropy" in names and "Softmax cross-entropy" in names
