"""The run keys S, E, R and N act only when the focused widget would not use the letter: a combo
box jumps to the item that starts with it, a number box or text field types it."""
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

LEFT = Qt.MouseButton.LeftButton
TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def wait_step(qtbot, window, step):
    qtbot.waitUntil(lambda: window.session.latest is not None
                    and window.session.latest.generation == window.session.generation
                    and window.session.latest.step >= step, timeout=TIMEOUT)
    return window.session.latest


def click_canvas(qtbot, w):
    """Click an empty corner of the network canvas: the focus leaves the panels."""
    canvas = w.network_view.canvas
    qtbot.mouseClick(canvas, LEFT, pos=QPoint(canvas.width() - 3, canvas.height() - 3))
    w.activateWindow()


def focus(qtbot, widget):
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=TIMEOUT)


def test_e_in_the_schedule_combo_chooses_exponential_and_runs_no_epoch(qtbot, make_window):
    w = make_window()
    w.activateWindow()
    wait_step(qtbot, w, 0)
    w.training_dock.raise_()
    combo = w.optimizer_panel.schedule
    focus(qtbot, combo)
    qtbot.keyClick(combo, Qt.Key.Key_E)
    assert combo.currentText() == "Exponential"
    assert w.experiment.schedule == combo.currentData()
    # The worker takes commands in order: had E run an epoch, the step below would come after
    # it, and the counter would pass 1.
    click_canvas(qtbot, w)
    assert not combo.hasFocus()
    qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_S)
    assert wait_step(qtbot, w, 1).step == 1
    qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_E)       # focus cleared
    qtbot.waitUntil(lambda: w.session.latest.epoch == 1, timeout=TIMEOUT)
    assert w.session.latest.step > 1


def test_s_r_and_n_in_a_combo_neither_step_nor_reset_nor_reseed(qtbot, make_window):
    w = make_window()
    w.activateWindow()
    wait_step(qtbot, w, 0)
    click_canvas(qtbot, w)
    qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_S)
    params = wait_step(qtbot, w, 1).params.copy()
    w.training_dock.raise_()
    combo = w.optimizer_panel.schedule
    focus(qtbot, combo)
    for key in (Qt.Key.Key_S, Qt.Key.Key_R, Qt.Key.Key_N):    # one search: "s", "sr", "srn"
        qtbot.keyClick(combo, key)
    assert combo.currentText() == "Step"                 # S jumped to the "Step" schedule
    # Reset or a new seed would start the counter again (one step below would show 1), a
    # step would add one (3).
    click_canvas(qtbot, w)
    qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_S)
    latest = wait_step(qtbot, w, 2)
    assert latest.step == 2 and latest.generation == w.session.generation
    assert (latest.params != params).any()               # it trained on from there


def test_letters_typed_in_the_classes_box_stay_in_it(qtbot, make_window):
    w = make_window(dataset="spiral_k")
    w.activateWindow()
    wait_step(qtbot, w, 0)
    box = w.data_panel.classes
    qtbot.mouseClick(box, LEFT, pos=QPoint(box.width() // 3, box.height() // 2))
    assert box.hasFocus()
    for key in (Qt.Key.Key_E, Qt.Key.Key_S, Qt.Key.Key_R, Qt.Key.Key_N):
        qtbot.keyClick(box, key)
    click_canvas(qtbot, w)
    qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_S)
    assert wait_step(qtbot, w, 1).step == 1
