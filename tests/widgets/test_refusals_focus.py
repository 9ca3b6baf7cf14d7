"""Refused values are explained next to the control that was used, and keyboard focus comes back
to the window so Space plays and pauses whenever no text is being typed."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

LEFT = Qt.MouseButton.LeftButton
TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def click_box(qtbot, box):
    """Click a check box on its indicator (its centre may lie past the end of its label)."""
    qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))


def type_into(qtbot, box, text: str, key=Qt.Key.Key_Return) -> None:
    """Click a number box, replace its text by typing ``text``, then press ``key``."""
    qtbot.mouseClick(box, LEFT, pos=QPoint(box.width() // 3, box.height() // 2))
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, key)


def shown_note(control):
    note = getattr(control, "refusal_note", None)
    return note if note is not None and note.isVisible() else None


def below(note, control) -> bool:
    """The note's top edge is just under the control (within two text lines), and the two
    overlap horizontally."""
    top = note.mapToGlobal(QPoint(0, 0))
    bottom_left = control.mapToGlobal(QPoint(0, control.height()))
    return (0 <= top.y() - bottom_left.y() <= 2 * control.height()
            and top.x() < bottom_left.x() + control.width()
            and bottom_left.x() < top.x() + note.width())


@pytest.fixture
def window(make_window):
    w = make_window()
    w.activateWindow()
    return w


# ---- 13: refusals stay by the control ----------------------------------------------------------
def test_a_typed_learning_rate_out_of_range_is_explained_under_the_box(qtbot, window):
    w = window
    w.training_dock.raise_()
    box = w.optimizer_panel.learning_rate
    before = w.experiment.learning_rate
    type_into(qtbot, box, "50")
    assert w.experiment.learning_rate == before
    assert box.value() == before                      # the box shows the model's value again
    note = shown_note(box)
    assert note is not None and "50" in note.text() and "between" in note.text()
    assert below(note, box)
    qtbot.wait(50)
    assert note.isVisible()                           # it stays: no timeout
    type_into(qtbot, box, "0.5")
    assert w.experiment.learning_rate == 0.5
    assert shown_note(box) is None


def test_a_typed_rate_below_the_range_is_refused_too_and_arrows_stay_inside(qtbot, window):
    w = window
    w.training_dock.raise_()
    box = w.optimizer_panel.learning_rate
    type_into(qtbot, box, "-1")
    assert w.experiment.learning_rate == 0.01 and shown_note(box) is not None
    w.experiment.set("learning_rate", 10.0)
    box.stepBy(3)                                     # already at the top of the range
    assert w.experiment.learning_rate == 10.0 and box.value() == 10.0


def test_a_refused_stop_epoch_is_explained_beside_the_stop_controls(qtbot, window):
    w = window
    bar = w.toolbar
    height = bar.height()
    type_into(qtbot, bar.stop_epoch, "20000000")
    assert w.experiment.stop_at_epoch == 0 and bar.stop_epoch.text() == "never"
    note = shown_note(bar.stop_epoch)
    assert note is not None and "Stop at epoch" in note.text() and "20000000" in \
        note.text().replace("2e+07", "20000000")
    note_x = note.mapToGlobal(QPoint(0, 0)).x()
    assert note_x > bar.stop_loss.mapToGlobal(QPoint(bar.stop_loss.width(), 0)).x()
    qtbot.wait(20)
    assert bar.height() == height                     # the window does not jump
    type_into(qtbot, bar.stop_epoch, "40")
    assert w.experiment.stop_at_epoch == 40 and shown_note(bar.stop_epoch) is None


def test_the_last_feature_cannot_be_unticked_and_the_note_says_why(qtbot, window):
    w = window
    panel = w.data_panel
    click_box(qtbot, panel.feature_boxes["x1"])
    click_box(qtbot, panel.feature_boxes["x2"])          # the last one: refused
    assert w.experiment.features == ("x2",) and panel.feature_boxes["x2"].isChecked()
    note = shown_note(panel.feature_boxes["x2"])
    assert note is not None and "at least one" in note.text()
    assert note.mapToGlobal(QPoint(0, 0)).y() > \
        panel.feature_boxes["sin x2"].mapToGlobal(QPoint(0, 0)).y()   # under the whole grid
    click_box(qtbot, panel.feature_boxes["x1*x2"])       # an accepted edit of the group
    assert w.experiment.features == ("x2", "x1*x2") and not note.isVisible()


def test_an_incompatible_output_is_explained_by_its_menu_not_only_in_the_status_bar(
        qtbot, window):
    w = window
    header = w.network_view.output_header
    combo = header.output
    combo.setCurrentIndex(combo.findData("softmax"))
    combo.activated.emit(combo.currentIndex())
    assert w.experiment.output_activation == "sigmoid"
    assert combo.currentData() == "sigmoid"
    note = shown_note(combo)
    assert note is not None and "Softmax" in note.text()
    assert below(note, combo)
    combo.setCurrentIndex(combo.findData("tanh"))
    combo.activated.emit(combo.currentIndex())          # refused too: squared error first
    loss = header.loss
    loss.setCurrentIndex(loss.findData("mse"))
    loss.activated.emit(loss.currentIndex())
    combo.setCurrentIndex(combo.findData("tanh"))
    combo.activated.emit(combo.currentIndex())
    assert w.experiment.output_activation == "tanh" and shown_note(combo) is None


def test_removing_the_only_neuron_is_explained_under_the_layer(qtbot, make_window):
    from playground.fields import Layer
    w = make_window(layers=(Layer(1, "tanh"),))
    header = w.network_view.layer_headers[0]
    qtbot.mouseClick(header.remove_neuron, LEFT)
    assert w.experiment.layers[0].units == 1
    note = shown_note(header)
    assert note is not None and "1 to" in note.text() and below(note, header)
    qtbot.mouseClick(header.add_neuron, LEFT)
    assert w.experiment.layers[0].units == 2 and not note.isVisible()


# ---- 14: focus and Space ------------------------------------------------------------------------
def test_enter_in_a_number_box_gives_focus_back_and_space_plays(qtbot, window):
    w = window
    box = w.toolbar.stop_loss
    type_into(qtbot, box, "0.05")
    assert w.experiment.stop_at_test_loss == 0.05
    qtbot.waitUntil(lambda: not box.hasFocus(), timeout=TIMEOUT)
    target = QApplication.focusWidget() or w
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert w.session.running
    qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Space)
    assert not w.session.running


def test_escape_in_a_number_box_drops_what_was_typed(qtbot, window):
    w = window
    w.training_dock.raise_()
    box = w.optimizer_panel.learning_rate
    type_into(qtbot, box, "0.7", key=Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.hasFocus(), timeout=TIMEOUT)
    assert w.experiment.learning_rate == 0.01 and box.value() == 0.01


def test_space_plays_from_a_clicked_number_box_until_something_is_typed(qtbot, window):
    w = window
    box = w.toolbar.stop_epoch
    qtbot.mouseClick(box, LEFT, pos=QPoint(box.width() // 3, box.height() // 2))
    assert box.hasFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)              # nothing typed yet
    assert w.session.running
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert not w.session.running
    w.experiment.set("stop_at_epoch", 30)              # the model writes into the box
    qtbot.keyClick(box, Qt.Key.Key_Space)              # still nothing typed
    assert w.session.running
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert not w.session.running
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "12")
    qtbot.keyClick(box, Qt.Key.Key_Space)              # typing: the box keeps the key
    assert not w.session.running and box.lineEdit().text() == "12"


def test_space_types_in_a_text_field(qtbot, window):
    from PySide6.QtWidgets import QLineEdit
    w = window
    field = QLineEdit(w.network_view)
    field.show()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=TIMEOUT)
    qtbot.keyClicks(field, "a b")
    assert field.text() == "a b" and not w.session.running


def test_check_boxes_combo_boxes_and_sliders_do_not_swallow_space(qtbot, window):
    w = window
    panel = w.data_panel
    box = panel.feature_boxes["x1*x2"]
    click_box(qtbot, box)
    features = w.experiment.features
    for widget in (box, w.optimizer_panel.optimizer, panel.noise.slider):
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus, timeout=TIMEOUT)
        qtbot.keyClick(widget, Qt.Key.Key_Space)
        assert w.session.running, type(widget).__name__
        qtbot.keyClick(widget, Qt.Key.Key_Space)
        assert not w.session.running
    assert w.experiment.features == features           # the check box did not toggle


# ---- 15: notes in the information style ---------------------------------------------------------
def ink(label) -> np.ndarray:
    """The mean colour (r, g, b) of a label's text pixels, rendered as the user sees them."""
    image = label.grab().toImage()
    rgb = np.array([[image.pixelColor(x, y).getRgb()[:3] for x in range(image.width())]
                    for y in range(0, image.height(), 2)], dtype=float).reshape(-1, 3)
    background = np.median(rgb, axis=0)
    far = np.abs(rgb - background).sum(axis=1)
    return rgb[far > 0.5 * far.max()].mean(axis=0)


def test_a_note_after_an_error_is_drawn_in_the_information_colour(qtbot, window):
    w = window
    w.show_message("A file could not be read.", error=True)
    red = ink(w.banner.text)
    assert red[0] > red[2]
    w.show_message("Two moons: interleaved half circles.", note=True)
    blue = ink(w.banner.text)
    assert blue[2] > blue[0] + 40


def test_a_first_note_is_drawn_in_the_information_colour(qtbot, window):
    window.show_message("Circle: a ring around a disc.", note=True)
    colour = ink(window.banner.text)
    assert colour[2] > colour[0] + 40


# ---- 20: tooltips and the speed colour ----------------------------------------------------------
def test_data_sliders_and_feature_boxes_explain_themselves(qtbot, window):
    panel = window.data_panel
    for name, words in (("Noise", "noise"), ("Points", "points"), ("Training", "test"),
                        ("Batch size", "gradient")):
        control = {"Noise": panel.noise, "Points": panel.points, "Training": panel.train_ratio,
                   "Batch size": panel.batch}[name]
        for widget in (control.slider, panel.row_labels[name]):
            tip = widget.toolTip()
            assert words in tip.lower() and "\n" not in tip
    tips = [box.toolTip() for box in panel.feature_boxes.values()]
    assert all(tips) and len(set(tips)) == len(tips)
    assert panel.feature_boxes["x1*x2"].toolTip().startswith("X\u2081X\u2082")


def test_the_default_speed_is_not_orange_with_the_measured_figure(qtbot, window):
    from dataclasses import replace
    w = window
    bar = w.toolbar
    w.session.step(300)
    qtbot.waitUntil(lambda: w.session.latest is not None and w.session.latest.step >= 300,
                    timeout=TIMEOUT)
    w.session.step(300)                               # the first snapshot is not timed
    qtbot.waitUntil(lambda: w.session.latest.step >= 600, timeout=TIMEOUT)
    measured = w.session.latest
    assert measured.steps_per_frame_at_60 > 0
    speed = w.experiment.steps_per_frame
    slower_than_a_frame = 1 < measured.steps_per_frame_at_60 < speed
    assert ("color" in bar.speed.label.styleSheet()) == slower_than_a_frame
    # The rule, with given figures: orange only when the speed itself costs the frames.
    for fit, orange in ((1, False), (speed - 10, True), (speed, False), (5000, False)):
        bar.set_snapshot(replace(measured, steps_per_frame_at_60=fit))
        assert ("color" in bar.speed.label.styleSheet()) == orange, fit


def test_a_typed_dropout_above_the_limit_is_explained_under_the_layer(qtbot, window):
    w = window
    header = w.network_view.layer_headers[0]
    type_into(qtbot, header.dropout, "0.95")
    assert w.experiment.layers[0].dropout == 0.0
    assert header.dropout.text() == "Dropout 0.00"
    note = shown_note(header)
    assert note is not None and "dropout" in note.text().lower() and "0.95" in note.text()
    type_into(qtbot, header.dropout, "0.2")
    assert w.experiment.layers[0].dropout == 0.2 and not note.isVisible()


def test_a_typed_optimizer_setting_out_of_range_is_explained_under_it(qtbot, window):
    w = window
    w.training_dock.raise_()
    box = w.optimizer_panel.hyper_boxes["beta1"]
    type_into(qtbot, box, "1.5")
    assert "beta1" not in w.experiment.optimizer_params and box.value() == 0.9
    note = shown_note(box)
    assert note is not None and "beta1" in note.text() and "1.5" in note.text()
    assert below(note, box)
    type_into(qtbot, box, "0.8")
    assert w.experiment.optimizer_params["beta1"] == 0.8 and not note.isVisible()
