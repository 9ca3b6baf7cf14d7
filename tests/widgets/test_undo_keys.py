"""Undo and redo driven as a person would: a control changed, Ctrl+Z puts the experiment back
exactly, Ctrl+Shift+Z (or Ctrl+Y) does it again; a slider drag is one step; a typed weight is
undone in the network; opening a file starts a new history."""
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence, QMouseEvent
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QStyleOptionSlider, QUndoView

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier
TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def wait_snapshot(qtbot, window, check=lambda s: True):
    session = window.session
    qtbot.waitUntil(lambda: session.latest is not None
                    and session.latest.generation == session.generation
                    and check(session.latest), timeout=TIMEOUT)
    return session.latest


def key(qtbot, window, k, modifiers):
    """A key as typed into the window (shortcuts reach only the active window)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    qtbot.keyClick(QApplication.focusWidget() or window, k, modifiers)


def undo(qtbot, window):
    key(qtbot, window, Qt.Key.Key_Z, CTRL)


def redo(qtbot, window, k=Qt.Key.Key_Z):
    key(qtbot, window, k, CTRL_SHIFT if k == Qt.Key.Key_Z else CTRL)


def edit_menu(window) -> QMenu:
    return next(a.menu() for a in window.menuBar().actions()
                if a.menu() is not None and a.text().replace("&", "") == "Edit")


def test_the_edit_menu_has_undo_redo_and_the_history(make_window):
    w = make_window()
    texts = {a.text().replace("&", ""): a for a in edit_menu(w).actions()}
    assert {"Undo", "Redo"} <= set(texts)
    assert QKeySequence("Ctrl+Z") in texts["Undo"].shortcuts()
    assert {QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")} <= \
        set(texts["Redo"].shortcuts())
    assert not texts["Undo"].isEnabled() and not texts["Redo"].isEnabled()   # nothing yet
    history = next(a for t, a in texts.items() if t.startswith("Undo History"))
    history.trigger()
    assert w.findChild(QUndoView) is not None


def test_a_typed_learning_rate_is_undone_and_redone_with_the_keys(qtbot, make_window):
    w = make_window()
    wait_snapshot(qtbot, w)
    before = w.experiment.values()
    w.training_dock.raise_()
    box = w.optimizer_panel.learning_rate
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "0.3")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert w.experiment.learning_rate == 0.3
    qtbot.waitUntil(lambda: not box.hasFocus(), timeout=TIMEOUT)   # Enter gives keys back
    undo(qtbot, w)
    assert w.experiment.values() == before
    assert box.value() == before["learning_rate"]                 # the control follows
    redo(qtbot, w)
    assert w.experiment.learning_rate == 0.3
    undo(qtbot, w)
    redo(qtbot, w, Qt.Key.Key_Y)
    assert w.experiment.learning_rate == 0.3 and box.value() == 0.3


def test_adding_a_layer_with_the_button_is_undone_to_the_same_network(qtbot, make_window):
    w = make_window()
    first = wait_snapshot(qtbot, w).params.copy()
    before = w.experiment.values()
    qtbot.mouseClick(w.network_view.add_layer, LEFT)
    assert len(w.experiment.layers) == len(before["layers"]) + 1
    wait_snapshot(qtbot, w, lambda s: len(s.params) != len(first))
    undo(qtbot, w)
    assert w.experiment.values() == before
    # rebuilt from the same seed: the same initial weights as before the layer was added
    again = wait_snapshot(qtbot, w, lambda s: len(s.params) == len(first))
    assert (again.params == first).all()
    redo(qtbot, w)
    assert len(w.experiment.layers) == len(before["layers"]) + 1


def test_changing_the_optimizer_and_an_activation_undo_in_order(qtbot, make_window):
    w = make_window()
    before = w.experiment.values()
    w.training_dock.raise_()
    combo = w.optimizer_panel.optimizer
    choose(combo, "sgd")
    choose(w.network_view.layer_headers[0].activation, "relu")
    assert w.experiment.optimizer == "sgd" and w.experiment.layers[0].activation == "relu"
    undo(qtbot, w)
    assert w.experiment.layers[0].activation == before["layers"][0].activation
    assert w.experiment.optimizer == "sgd"
    undo(qtbot, w)
    assert w.experiment.values() == before


def choose(combo, key: str) -> None:
    """Pick an item as the popup list does: the index changes, then ``activated``."""
    index = combo.findData(key)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def handle_centre(slider) -> QPoint:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                         QStyle.SubControl.SC_SliderHandle, slider)
    return rect.center()


def mouse(widget, kind, pos: QPoint, buttons) -> None:
    """A mouse event with the buttons held (QTest's mouseMove carries none)."""
    button = LEFT if kind != QMouseEvent.Type.MouseMove else Qt.MouseButton.NoButton
    p = QPointF(pos)
    event = QMouseEvent(kind, p, widget.mapToGlobal(p), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_a_slider_drag_is_one_step(qtbot, make_window):
    w = make_window()
    before = w.experiment.values()
    w.data_dock.raise_()
    slider = w.data_panel.noise.slider
    qtbot.waitUntil(slider.isVisible, timeout=TIMEOUT)
    start = handle_centre(slider)
    mouse(slider, QMouseEvent.Type.MouseButtonPress, start, LEFT)
    assert slider.isSliderDown()
    third = slider.width() // 3                 # each drag goes a third of the way
    seen = set()
    for dx in range(2, third + 1, 2):
        mouse(slider, QMouseEvent.Type.MouseMove, start + QPoint(dx, 0), LEFT)
        seen.add(w.experiment.noise)
    mouse(slider, QMouseEvent.Type.MouseButtonRelease, start + QPoint(third, 0),
          Qt.MouseButton.NoButton)
    assert len(seen) > 3                      # the drag went through several values
    dragged = w.experiment.noise
    assert before["noise"] < dragged < 0.5
    undo(qtbot, w)
    assert w.experiment.values() == before    # one step back is the start of the drag
    redo(qtbot, w)
    assert w.experiment.noise == dragged
    # a second drag is a step of its own
    start = handle_centre(slider)
    mouse(slider, QMouseEvent.Type.MouseButtonPress, start, LEFT)
    for dx in range(2, third + 1, 2):
        mouse(slider, QMouseEvent.Type.MouseMove, start + QPoint(dx, 0), LEFT)
    mouse(slider, QMouseEvent.Type.MouseButtonRelease, start + QPoint(third, 0),
          Qt.MouseButton.NoButton)
    assert w.experiment.noise > dragged
    undo(qtbot, w)
    assert w.experiment.noise == dragged
    undo(qtbot, w)
    assert w.experiment.values() == before


def link_point(canvas) -> QPoint:
    """A pixel of the canvas over a link (what the canvas itself says is under it)."""
    for y in range(0, canvas.height(), 3):
        for x in range(0, canvas.width(), 3):
            hit = canvas.hit(x, y)
            if hit is not None and hit[0] == "link":
                return QPoint(x, y)
    raise AssertionError("no link on the canvas")


def test_a_typed_weight_is_undone_in_the_network(qtbot, make_window):
    w = make_window()
    first = wait_snapshot(qtbot, w).params.copy()
    canvas = w.network_view.canvas
    point = link_point(canvas)
    _, layer, i, j = canvas.hit(point.x(), point.y())
    index = w.session.param_index(layer, i, j)
    qtbot.mouseClick(canvas, LEFT, pos=point)
    assert canvas.editor.isVisible()
    canvas.editor.selectAll()
    qtbot.keyClicks(canvas.editor, "2.5")
    qtbot.keyClick(canvas.editor, Qt.Key.Key_Return)
    typed = wait_snapshot(qtbot, w, lambda s: s.params[index] == 2.5).params
    assert ((typed == first) | (typed == 2.5)).all()
    w.activateWindow()
    undo(qtbot, w)
    back = wait_snapshot(qtbot, w, lambda s: s.params[index] != 2.5).params
    assert (back == first).all()
    redo(qtbot, w)
    wait_snapshot(qtbot, w, lambda s: s.params[index] == 2.5)


def test_opening_an_example_starts_a_new_history(qtbot, make_window):
    w = make_window()
    w.experiment.set("l2", 0.01)
    undo_action = next(a for a in edit_menu(w).actions() if a.text().startswith("&Undo"))
    assert undo_action.isEnabled()
    assert w.file_actions.open_preset("xor")
    assert not undo_action.isEnabled()
    opened = w.experiment.values()
    undo(qtbot, w)
    assert w.experiment.values() == opened         # nothing to take back
    w.experiment.set("noise", 0.25)
    undo(qtbot, w)
    assert w.experiment.values() == opened


def test_ctrl_z_in_a_number_box_after_its_arrows_undoes_the_change(qtbot, make_window):
    w = make_window()
    before = w.experiment.values()
    w.training_dock.raise_()
    box = w.optimizer_panel.learning_rate
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=TIMEOUT)
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=TIMEOUT)
    qtbot.keyClick(box, Qt.Key.Key_Up)            # the arrow key steps 0.01 -> 0.02
    assert w.experiment.learning_rate == 0.02 and box.hasFocus()
    qtbot.keyClick(box, Qt.Key.Key_Z, CTRL)       # the box keeps the focus: still undone
    assert w.experiment.values() == before
    qtbot.keyClick(box, Qt.Key.Key_Z, CTRL_SHIFT)
    assert w.experiment.learning_rate == 0.02
    # while a number is being typed, Ctrl+Z belongs to the text
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "0.5")
    qtbot.keyClick(box, Qt.Key.Key_Z, CTRL)
    assert w.experiment.learning_rate == 0.02 and box.lineEdit().text() != "0.5"
