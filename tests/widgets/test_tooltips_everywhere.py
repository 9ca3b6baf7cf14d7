"""Every control of the window has a tooltip (its own, or that of the widget it is part of, which
Qt shows for it), whatever the optimizer, schedule and data set; field controls say their
field's doc, the one place the help text lives."""
import pytest
from PySide6.QtWidgets import (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QCheckBox,
                               QComboBox, QDockWidget, QLineEdit, QMainWindow, QScrollBar,
                               QTabBar, QToolBar, QWidget)

from playground import catalog, tips
from playground.fields import FIELDS, FIELDS_BY_NAME

CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QAbstractSlider, QLineEdit)


def shown_in(window, widget) -> bool:
    """Not hidden by the program (a dock behind another tab counts as shown: one click away)."""
    while widget is not None and widget is not window:
        if widget.isHidden() and not isinstance(widget, QDockWidget):
            return False
        widget = widget.parentWidget()
    return True


def tooltip_of(widget) -> str:
    """The tooltip Qt shows over ``widget``: its own, else the nearest enclosing widget's
    within its panel (a ToolTip event a widget does not answer goes to its parent)."""
    while widget is not None and not isinstance(widget, (QDockWidget, QToolBar, QMainWindow)):
        if widget.toolTip():
            return widget.toolTip()
        widget = widget.parentWidget()
    return ""


def controls_without_tooltip(window) -> list[str]:
    missing = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or isinstance(widget, QScrollBar):
            continue
        if isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue                           # the line edit inside a box is the box
        if shown_in(window, widget) and not tooltip_of(widget).strip():
            text = widget.text() if callable(getattr(widget, "text", None)) else ""
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} {text!r} in "
                           f"{type(widget.parentWidget()).__name__}")
    for bar in window.findChildren(QTabBar):
        if shown_in(window, bar):
            missing += [f"tab {bar.tabText(i)!r}" for i in range(bar.count())
                        if not bar.tabToolTip(i)]
    return missing


def test_every_control_has_a_tooltip(qtbot, make_window):
    w = make_window()
    qtbot.waitUntil(lambda: w.session.latest is not None, timeout=30_000)
    assert w.findChildren(QTabBar), "the Data and Training docks share a tab bar"
    assert controls_without_tooltip(w) == []


@pytest.mark.parametrize("setting, choices", [
    ("optimizer", catalog.optimizer_names()),
    ("schedule", catalog.schedule_names()),
    ("dataset", catalog.dataset_names()),
])
def test_every_control_has_a_tooltip_in_every_configuration(qtbot, make_window, setting,
                                                            choices):
    w = make_window()
    for choice in choices:
        w.experiment.set(setting, choice)
        qtbot.wait(1)                           # let deferred rebuilds of the panels run
        assert controls_without_tooltip(w) == [], f"{setting} = {choice}"


def test_field_controls_show_their_fields_doc(make_window):
    w = make_window()
    shown = {tooltip_of(c) for c in w.findChildren(QWidget) if isinstance(c, CONTROLS)}
    # a few controls of each panel, each saying its field's own words
    for name in ("learning_rate", "l1", "l2", "clip_norm", "noise", "batch_size", "normalize",
                 "show_test", "discretize", "log_loss", "stop_at_epoch"):
        doc = FIELDS_BY_NAME[name].doc
        assert any(doc in text for text in shown), name


def test_the_log_scale_box_explains_itself(make_window):
    w = make_window()
    box = next(b for b in w.curves_panel.findChildren(QCheckBox) if b.text() == "Log scale")
    assert box.toolTip() == tips.field_tip("log_loss")
    assert "decades" in box.toolTip()


def test_field_docs_give_the_formula_where_there_is_one():
    # the concept and the formula, as the course writes them
    formulas = {"learning_rate": "\u2202L/\u2202w", "l1": "\u03a3|w|", "l2": "\u03a3w\u00b2",
                "clip_norm": "c / \u2016g\u2016", "normalize": "(x - \u03bc) / \u03c3",
                "batch_size": "(1/|B|)", "weight_decay": "w \u2190",
                "max_norm": "c / \u2016w\u2016"}
    for name, formula in formulas.items():
        assert formula in FIELDS_BY_NAME[name].doc, name
    assert all(f.doc and tips.field_tip(f.name).startswith(f.title) for f in FIELDS)


def test_controls_that_set_no_field_read_the_one_table(make_window):
    w = make_window()
    t = tips.CONTROL_TIPS
    assert w.toolbar.step_button.toolTip() == t["step"]
    assert w.toolbar.play_button.toolTip() == t["play"]
    assert w.network_view.add_layer.toolTip() == t["add_layer"]
    header = w.network_view.layer_headers[0]
    assert header.dropout.toolTip() == t["dropout"] and "1/(1 - p)" in t["dropout"]
    assert tips.ACTIVATION_FORMULAS[w.experiment.layers[0].activation] in \
        header.activation.toolTip()
    assert w.data_panel.regenerate.toolTip() == t["regenerate"]
    assert all(tips.FEATURE_TIPS[name] in box.toolTip()
               for name, box in w.data_panel.feature_boxes.items())


def test_optimizer_and_schedule_menus_give_each_update_rule(make_window):
    from PySide6.QtCore import Qt
    w = make_window()
    panel = w.optimizer_panel
    assert set(tips.OPTIMIZER_TIPS) == set(catalog.optimizer_names())
    assert set(tips.SCHEDULE_TIPS) == set(catalog.schedule_names())
    for combo, table in ((panel.optimizer, tips.OPTIMIZER_TIPS),
                         (panel.schedule, tips.SCHEDULE_TIPS)):
        for i in range(combo.count()):
            assert table[combo.itemData(i)] in combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
    for name in ("sgd", "adam"):
        w.experiment.set("optimizer", name)
        assert tips.OPTIMIZER_TIPS[name] in panel.optimizer.toolTip()
    w.experiment.set("schedule", "inverse_time")
    assert "/ (1 + k t)" in panel.schedule.toolTip()
