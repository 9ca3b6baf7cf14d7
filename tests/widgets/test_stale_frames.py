"""Views never draw a frame of an earlier network over a new one, and typed weights must be
finite numbers."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

LEFT = Qt.MouseButton.LeftButton
TIMEOUT = 15_000


def click_box(qtbot, box):
    qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))


def shown_frame(qtbot, w, generation=None):
    qtbot.waitUntil(lambda: w.session.latest is not None and (
        generation is None or w.session.latest.generation == generation), timeout=TIMEOUT)
    return w.boundary_view.image.image.copy()


@pytest.mark.parametrize("first, second", [("spiral_k", "circle"), ("circle", "spiral_k"),
                                           ("spiral_k", "reg_plane")])
def test_toggling_discretize_before_the_new_networks_first_frame(qtbot, make_window, first,
                                                                   second):
    """Another task's data set, then Discretize before the new network's first frame came:
    the old frame (other shape: (R, R, K) probabilities against (R, R) values) is not redrawn
    against the new data, and the new frame shows once it arrives."""
    w = make_window(dataset=first, n_points=100)
    shown_frame(qtbot, w)
    w.data_panel.dataset_buttons[second].click()     # rebuilds; no frame of it yet
    assert w.session.latest is None
    click_box(qtbot, w.boundary_view.discretize)     # redraws what it has: nothing stale
    click_box(qtbot, w.boundary_view.discretize)
    new = shown_frame(qtbot, w, w.session.generation)
    assert new.shape == (256, 256)
    click_box(qtbot, w.boundary_view.discretize)
    assert w.experiment.discretize
    assert w.boundary_view.image.image.shape == (256, 256)


def test_a_late_frame_of_the_old_network_is_not_drawn(qtbot, make_window):
    """A snapshot of an earlier generation handed to the view is ignored."""
    w = make_window(dataset="spiral_k", n_points=100)
    shown_frame(qtbot, w)
    old = w.session.latest
    with qtbot.waitSignal(w.session.network_rebuilt, timeout=TIMEOUT):
        w.experiment.set("dataset", "circle")
    now = shown_frame(qtbot, w, w.session.generation)
    w.boundary_view.set_snapshot(old)             # (R, R, K) of a multi-class network
    np.testing.assert_array_equal(w.boundary_view.image.image, now)
    click_box(qtbot, w.boundary_view.discretize)
    assert w.boundary_view.image.image.shape == (256, 256)


# ---- typed weights ------------------------------------------------------------------------------
def test_session_refuses_weights_that_are_not_finite_numbers(qtbot, make_session):
    _, session = make_session(n_points=100)
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    for value in ("inf", "Infinity", "-inf", "nan", float("nan"), float("inf"), "x", None):
        with pytest.raises(ValueError, match="must be a"):
            session.set_param(0, 0, 0, value)
    with pytest.raises(ValueError, match="A bias must be a finite number"):
        session.set_param(0, None, 0, "nan")
    with pytest.raises(ValueError, match="between -1e\\+06 and 1e\\+06"):
        session.set_param(0, 0, 0, 2e6)
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: session.layer_params(s.params)[0][0][0, 0]
                          == 0.75):
        session.set_param(0, 0, 0, "0.75")


def ready_canvas(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    return w.network_view.canvas


@pytest.mark.parametrize("text, why", [("inf", "finite number"), ("Infinity", "finite number"),
                                       ("nan", "finite number"), ("-inf", "finite number"),
                                       ("1e7", "between"), ("abc", "must be a number")])
def test_typing_a_weight_that_is_not_finite_is_refused_with_a_message(qtbot, make_window,
                                                                      text, why):
    w = make_window(n_points=100)
    canvas = ready_canvas(qtbot, w)
    bx, by, bw, bh = canvas.geometry_().bias_rect(1, 2)
    pos = QPoint(int(bx + bw / 2), int(by + bh / 2))
    before = w.session.layer_params(w.session.latest.params)[0][1][2]
    qtbot.mouseClick(canvas, LEFT, pos=pos)
    assert canvas.editor.isVisible()
    canvas.editor.selectAll()
    qtbot.keyClicks(canvas.editor, text)
    qtbot.keyClick(canvas.editor, Qt.Key.Key_Return)
    assert canvas.editor.isVisible()                          # kept, to type again
    assert why in canvas.editor.toolTip()
    w.session.step(1)                                         # a frame after the refusal
    qtbot.waitUntil(lambda: w.session.latest.step == 1, timeout=TIMEOUT)
    assert np.isfinite(w.session.latest.params).all()
    canvas.editor.selectAll()
    qtbot.keyClicks(canvas.editor, "0.5")
    edited = lambda s: w.session.layer_params(s.params)[0][1][2] == 0.5
    with qtbot.waitSignal(w.session.snapshot_ready, timeout=TIMEOUT, check_params_cb=edited):
        qtbot.keyClick(canvas.editor, Qt.Key.Key_Return)
    assert not canvas.editor.isVisible() and before != 0.5


def test_points_of_one_colour_share_one_pen_and_brush(qtbot, make_window):
    """pyqtgraph renders a marker per pen/brush object: equal colours must be one object, or
    5,000 points take seconds of the GUI thread to place."""
    w = make_window(dataset="spiral_k", n_points=3000, n_classes=3)
    assert len(w.boundary_view.train_points.data) >= 1000
    assert len({id(p) for p in w.boundary_view.test_points.data["pen"]}) == 3
    assert len({id(b) for b in w.boundary_view.train_points.data["brush"]}) == 3
    w.experiment.set("dataset", "reg_gauss")               # shades of one colour bar
    assert len({id(b) for b in w.boundary_view.train_points.data["brush"]}) <= 256
