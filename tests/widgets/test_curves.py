"""The curves panel: log scale on the loss axis only (also after save and open), readable tick
labels, a diverged run drawn at the scale it had before the blow-up with its divergence step
marked, numbers that agree with the status bar, and the hover readout."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPainter

from playground import files
from playground.fields import Layer
from widgets import theme

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target
DIVERGING = dict(dataset="reg_plane", optimizer="sgd", learning_rate=10.0, n_points=100,
                 layers=(Layer(8, "relu"), Layer(8, "relu")))


def trained(qtbot, w, steps):
    """Train ``steps`` steps (paused) and wait until the curves show them."""
    w.session.step(steps)
    qtbot.waitUntil(lambda: w.session.latest is not None and w.session.latest.step >= steps
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    w.curves_panel.refresh()
    return w.curves_panel


def tick_labels(axis) -> list:
    """[(text, QRectF)] of the labels the axis draws now (pyqtgraph's draw specs)."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(text, rect) for rect, _, text in specs[2]] if specs else []


def assert_readable(axis):
    labels = tick_labels(axis)
    assert len(labels) >= 2, labels
    for i, (a, ra) in enumerate(labels):
        for b, rb in labels[i + 1:]:
            assert not ra.intersects(rb), (a, b)
    return [text for text, _ in labels]


def x_range(panel):
    return panel.loss_plot.vb.viewRange()[0]


def y_range(panel):
    return panel.loss_plot.vb.viewRange()[1]


def test_log_scale_changes_the_loss_axis_only_and_stays_put(qtbot, make_window):
    w = make_window(n_points=200)
    panel = trained(qtbot, w, 600)
    steps = w.session.history.column("step")
    linear_x = x_range(panel)
    linear_labels = assert_readable(panel.loss_plot.getAxis("left"))
    assert linear_x[0] < 0 < steps[-1] < linear_x[1] < 2 * steps[-1]
    qtbot.mouseClick(panel.log_scale, Qt.MouseButton.LeftButton)
    assert w.experiment.log_loss
    for _ in range(5):                    # refreshes while paused move nothing
        panel.refresh()
        qtbot.wait(20)
    assert x_range(panel) == linear_x
    losses = np.concatenate([w.session.history.column("train_loss"),
                             w.session.history.column("test_loss")])
    lo, hi = y_range(panel)
    assert lo <= np.log10(losses.min()) and np.log10(losses.max()) <= hi
    assert hi - lo < 6                     # decades around the losses, not 1e135
    texts = assert_readable(panel.loss_plot.getAxis("left"))
    assert all(float(t) > 0 for t in texts)            # losses, not their logarithms
    qtbot.mouseClick(panel.log_scale, Qt.MouseButton.LeftButton)
    assert x_range(panel) == linear_x
    assert assert_readable(panel.loss_plot.getAxis("left")) == linear_labels


def test_log_scale_and_ranges_survive_save_and_open(qtbot, make_window, tmp_path):
    w = make_window(n_points=200, log_loss=True)
    panel = trained(qtbot, w, 600)
    ranges = x_range(panel), y_range(panel)
    path = tmp_path / "log.nnp"
    files.save(path, w.file_actions.document())
    reopened = make_window()
    qtbot.waitUntil(lambda: reopened.session.latest is not None, timeout=TIMEOUT)
    assert reopened.file_actions.open_path(path)
    qtbot.waitUntil(lambda: len(reopened.session.history) == len(w.session.history),
                    timeout=TIMEOUT)
    again = reopened.curves_panel
    again.refresh()
    assert reopened.experiment.log_loss and again.log_scale.isChecked()
    assert x_range(again) == ranges[0]
    # the same decades (the room past them for their labels is in pixels)
    assert y_range(again) == pytest.approx(ranges[1], abs=0.1)
    assert assert_readable(again.loss_plot.getAxis("left")) == \
        assert_readable(panel.loss_plot.getAxis("left"))


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_loss_tick_labels_never_overlap(qtbot, make_window, size):
    w = make_window(size=size, n_points=200)
    panel = trained(qtbot, w, 300)
    for log in (False, True, False):
        w.experiment.set("log_loss", log)
        assert_readable(panel.loss_plot.getAxis("left"))


def play_until_diverged(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(w.session.paused, timeout=TIMEOUT):
        w.session.play()
    assert w.session.diverged_at == w.session.latest.step
    return w.curves_panel


@pytest.mark.parametrize("log", [False, True])
def test_a_diverged_run_keeps_its_scale_and_marks_the_step(qtbot, make_window, log):
    w = make_window(size=(1920, 1080), log_loss=log, **DIVERGING)
    panel = play_until_diverged(qtbot, w)
    h = w.session.history
    loss = h.column("train_loss")
    finite = loss[np.isfinite(loss)]
    lo, hi = y_range(panel)
    top = 10 ** hi if log else hi
    assert np.isfinite(top) and top <= 1.1 * finite.max()       # within the finite history
    assert top >= finite[0]                                     # the run before it shows
    assert top < 1e6                                            # not 5e296
    diverged_at = w.session.latest.step
    assert panel.divergence_line.isVisible()
    assert panel.divergence_line.value() == diverged_at
    assert f"step {diverged_at:,}" in w.banner.text.text()
    x0, x1 = x_range(panel)
    assert x0 < diverged_at < x1
    # the curve is still drawn: a path with finite points inside the view
    ys = panel.train_curve.yData
    inside = np.isfinite(ys) & (ys >= lo) & (ys <= hi)
    assert inside.any()
    axis = panel.loss_plot.getAxis("left")
    texts = assert_readable(axis)
    assert all(len(t) <= 6 for t in texts)
    assert axis.label.isVisible()           # tall enough for the "loss" title...
    title = axis.mapRectFromItem(axis.label, axis.label.boundingRect())
    assert not any(title.intersects(rect) for _, rect in tick_labels(axis))    # ...uncovered


def test_a_diverged_run_reads_the_same_in_the_panel_and_the_status_bar(qtbot, make_window):
    w = make_window(**DIVERGING)
    panel = play_until_diverged(qtbot, w)
    qtbot.waitUntil(lambda: w.status.fields["step"].text() ==
                    f"Step: {w.session.latest.step:,}", timeout=TIMEOUT)
    for key in ("train_loss", "test_loss"):
        shown = panel.readout[key].text()
        assert shown == theme.number(w.session.history.last(key))
        assert w.status.fields[key].text().endswith(f": {shown}")
    message = w.status.currentMessage()
    assert message and w.banner.text.text().startswith(message)
    assert w.status.fontMetrics().horizontalAdvance(message) <= w.status.message_width()
    assert "diverged at step" in message


def test_hover_readout_follows_the_pointer_and_goes_when_it_leaves(qtbot, make_window):
    w = make_window(n_points=200)
    panel = trained(qtbot, w, 300)
    view = panel.graphics
    vb_rect = panel.loss_plot.vb.sceneBoundingRect()
    inside = view.mapFromScene(vb_rect.center())
    qtbot.mouseMove(view.viewport(), inside)
    qtbot.waitUntil(lambda: panel.hover_readout() != "", timeout=TIMEOUT)
    assert panel.hover_readout().startswith("step ")
    qtbot.mouseMove(w.network_view, QPoint(20, 20))
    qtbot.waitUntil(lambda: panel.hover_readout() == "", timeout=TIMEOUT)
    assert not panel.cursor.isVisible()


def test_linear_tick_labels_have_the_decimals_of_their_spacing():
    from widgets.curve_items import NumberAxis
    axis = NumberAxis("left")
    assert axis.tickStrings([0.0, 0.025, 0.05], 1.0, 0.025) == ["0.000", "0.025", "0.050"]
    assert axis.tickStrings([0.0, 10.0, 20.0], 1.0, 10.0) == ["0", "10", "20"]
    assert axis.tickStrings([0.0, 2e4], 1.0, 1e4) == ["0", "2e4"]
