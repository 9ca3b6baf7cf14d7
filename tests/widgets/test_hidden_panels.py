"""The panels a teacher hides from the class (the experiment's ``hidden_panels``): setting the
field hides them, the file keeps them hidden, View > Show to the class and a dock's close button
change the field."""
from PySide6.QtCore import Qt

from playground.fields import PANELS

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def panel_widgets(w):
    return {"network": w.centralWidget(), "data": w.data_dock, "training": w.training_dock,
            "output": w.output_dock, "curves": w.curves_dock, "toolbar": w.toolbar,
            "status": w.statusBar()}


def shown(w):
    return {name for name, widget in panel_widgets(w).items() if not widget.isHidden()}


def test_setting_the_field_hides_and_shows_each_panel(qtbot, make_window):
    w = make_window()
    assert shown(w) == set(PANELS)
    w.experiment.set("hidden_panels", ("data", "curves", "toolbar", "status"))
    assert shown(w) == {"network", "training", "output"}
    menu = {a.text(): a for a in w.panel_visibility.menu.actions()}
    assert not menu["Curves"].isChecked() and menu["Output (boundary or image views)"].isChecked()
    w.experiment.set("hidden_panels", ())
    assert shown(w) == set(PANELS)


def test_hidden_panels_stay_hidden_after_save_and_open(qtbot, make_window, tmp_path):
    path = tmp_path / "class.nnp"
    first = make_window()
    first.experiment.set("hidden_panels", ("training", "status"))
    assert first.file_actions.save_to(path)
    second = make_window()
    assert shown(second) == set(PANELS)
    assert second.file_actions.open_path(path, ask=False)
    qtbot.waitUntil(lambda: second.experiment.hidden_panels == ("training", "status"),
                    timeout=TIMEOUT)
    assert shown(second) == set(PANELS) - {"training", "status"}


def test_the_menu_changes_the_field(qtbot, make_window):
    w = make_window()
    menu = {a.text(): a for a in w.panel_visibility.menu.actions()}
    menu["Network"].trigger()                     # untick: hide the network from the class
    assert w.experiment.hidden_panels == ("network",)
    assert w.centralWidget().isHidden()
    menu["Toolbar"].trigger()
    assert w.experiment.hidden_panels == ("network", "toolbar")
    assert w.isWindowModified()                   # part of the experiment: save it
    menu["Show every panel"].trigger()
    assert w.experiment.hidden_panels == () and shown(w) == set(PANELS)


def test_closing_a_dock_with_its_button_hides_it_in_the_field(qtbot, make_window):
    w = make_window()
    w.output_dock.close()                         # what its X does
    assert w.experiment.hidden_panels == ("output",)
    w.output_dock.toggleViewAction().trigger()    # View > Output brings it back
    assert w.experiment.hidden_panels == ()
    assert not w.output_dock.isHidden()


def test_the_field_wins_over_the_remembered_layout(qtbot, make_window, settings):
    w = make_window()
    w.save_layout()                               # every dock shown, remembered
    from playground.experiment import Experiment
    w2 = make_window(Experiment({"hidden_panels": ("data", "training")}))
    assert shown(w2) == set(PANELS) - {"data", "training"}
    assert Qt.DockWidgetArea.LeftDockWidgetArea == w2.dockWidgetArea(w2.data_dock)
