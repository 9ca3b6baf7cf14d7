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
