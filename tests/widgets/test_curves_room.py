"""The curves get real room: at 1280 x 720 each plot is 85 pixels tall or more under a compact
readout whose numbers are whole; a 1920 x 1080 window gives larger plots and larger numbers.
The loss axis follows the one rule of playground.curve_scale."""
import numpy as np
import pytest

from playground.curve_scale import loss_range

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def trained(qtbot, w, steps=300):
    w.session.step(steps)
    qtbot.waitUntil(lambda: w.session.latest is not None and w.session.latest.step >= steps
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.wait(50)
    w.curves_panel.refresh()
    return w.curves_panel


def assert_whole(widget, text):
    """``text`` fits the widget in its font: neither cut at the side nor at the bottom."""
    metrics = widget.fontMetrics()
    room = widget.contentsRect()
    assert metrics.horizontalAdvance(text) <= room.width(), (text, room)
    assert metrics.height() <= room.height(), (text, room)


def plot_heights(panel):
    return panel.loss_plot.vb.height(), panel.accuracy_plot.vb.height()


@pytest.mark.parametrize("dataset", ["spiral", "circle"])
def test_at_1280x720_each_plot_has_85_pixels_and_the_numbers_are_whole(qtbot, make_window,
                                                                        dataset):
    w = make_window(size=(1280, 720), dataset=dataset)
    panel = trained(qtbot, w)
    loss, accuracy = plot_heights(panel)
    assert loss >= 85 and accuracy >= 85, (loss, accuracy)
    for key, label in panel.readout.items():
        assert label.isVisible()
        # the usual numbers at full size (a longer one, 2.06e+176, is drawn smaller)
        for text in (label.text(), "100.0%", "0.0000", "12.3456"):
            assert_whole(label, text)
    for label in (*panel.row_titles.values(), panel.legend):
        assert label.isVisible()
        assert_whole(label, label.text() if label is not panel.legend else "Train  Test")
    # nothing in the readout overlaps anything else, and it all lies inside the panel
    widgets = [*panel.readout.values(), *panel.row_titles.values(), panel.legend,
               panel.log_scale]
    rects = [wd.geometry() for wd in widgets]
    for i, a in enumerate(rects):
        assert panel.rect().contains(a), a
        for b in rects[i + 1:]:
            assert not a.intersects(b), (a, b)
    assert panel.graphics.geometry().top() >= max(r.bottom() for r in rects)


def test_a_larger_window_gives_larger_plots_and_larger_numbers(qtbot, make_window):
    small = trained(qtbot, make_window(size=(1280, 720)))
    large = trained(qtbot, make_window(size=(1920, 1080)))
    for a, b in zip(plot_heights(small), plot_heights(large)):
        assert b > a
    for key in small.readout:
        assert large.readout[key].font().pointSizeF() > small.readout[key].font().pointSizeF()
        assert_whole(large.readout[key], "100.0%")
    # the step axis is titled where there is room for it
    assert large.accuracy_plot.getAxis("bottom").label.isVisible()
    assert not small.accuracy_plot.getAxis("bottom").label.isVisible()


def test_without_accuracy_the_loss_plot_takes_the_room(qtbot, make_window):
    w = make_window(size=(1280, 720), dataset="reg_plane", output_activation="linear",
                    loss="mse")
    panel = trained(qtbot, w)
    assert panel.accuracy_plot.scene() is None
    assert panel.loss_plot.vb.height() >= 150
    assert not panel.readout["train_accuracy"].isVisible()
    assert panel.legend.isVisible()                  # which colour is which split


@pytest.mark.parametrize("log", [False, True])
def test_the_loss_axis_shows_the_range_of_the_shared_rule(qtbot, make_window, log):
    w = make_window(size=(1280, 720), log_loss=log)
    panel = trained(qtbot, w)
    h = w.session.history
    lo, hi = loss_range(h.column("step"), h.column("train_loss"), h.column("test_loss"),
                        w.session.diverged_at, log)
    shown_lo, shown_hi = panel.loss_plot.vb.viewRange()[1]
    pad = (shown_hi - shown_lo) - (hi - lo)
    assert 0 <= pad < 0.3 * (hi - lo)                # the rule's range and room for labels
    assert np.isclose(shown_lo + shown_hi, lo + hi)   # centred on it
