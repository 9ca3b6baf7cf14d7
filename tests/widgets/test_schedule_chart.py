"""The Training panel's schedule: a schedule picked mid-run starts at the base rate, the rate in
use shows in the panel and the status bar, and the chart marks the current step, also after the
file is saved and opened again."""
import math

from PySide6.QtCore import Qt

from widgets.optimizer_panel import learning_rate_text

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target
SMALL = dict(n_points=100, optimizer="sgd", learning_rate=0.05, steps_per_frame=10)


def wait_step(qtbot, w, step):
    qtbot.waitUntil(lambda: w.session.latest is not None and w.session.latest.step >= step
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    return w.session.latest


def cosine(t, lr0, period=2500):
    return lr0 * (1 + math.cos(math.pi * min(t, period) / period)) / 2


def choose(qtbot, combo, key):
    """Pick ``key`` in a closed combo box with the arrow keys, as a user can."""
    combo.setFocus()
    target = combo.findData(key)
    arrow = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, arrow)


def assert_shows(w, step, start, rate):
    panel, chart = w.optimizer_panel, w.optimizer_panel.schedule_chart
    assert panel.rate_now.text() == learning_rate_text(rate)
    assert w.status.fields["learning_rate"].text() == f"LR: {learning_rate_text(rate)}"
    assert chart.marker.value() == step
    x0, x1 = chart.viewRange()[0]
    assert x0 == start <= step < x1
    xs, ys = chart.curve.getData()
    assert xs[0] == start and ys[0] == 0.05               # the schedule from its start


def test_a_schedule_picked_mid_run_shows_its_rate_and_the_step(qtbot, make_window, tmp_path):
    w = make_window(**SMALL)
    w.training_dock.raise_()
    panel = w.optimizer_panel
    wait_step(qtbot, w, 0)
    w.session.step(600)
    wait_step(qtbot, w, 600)
    choose(qtbot, panel.schedule, "cosine")
    assert w.experiment.schedule == "cosine"
    qtbot.waitUntil(lambda: w.session.latest.schedule_start[0] == 600, timeout=TIMEOUT)
    assert panel.learning_rate.value() == 0.05            # the base rate, as set
    assert_shows(w, 600, 600, 0.05)                        # not cosine's end, 0
    w.session.step(100)
    wait_step(qtbot, w, 700)
    qtbot.waitUntil(lambda: w.status.fields["step"].text() == "Step: 700", timeout=TIMEOUT)
    assert_shows(w, 700, 600, cosine(100, 0.05))

    path = tmp_path / "cosine.nnp"
    assert w.file_actions.save_to(path)
    reopened = make_window()
    reopened.training_dock.raise_()
    assert reopened.file_actions.open_path(path)
    qtbot.waitUntil(lambda: reopened.session.latest is not None
                    and reopened.session.latest.step == 700, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: reopened.optimizer_panel.schedule_chart.marker.value() == 700,
                    timeout=TIMEOUT)
    assert_shows(reopened, 700, 600, cosine(100, 0.05))
