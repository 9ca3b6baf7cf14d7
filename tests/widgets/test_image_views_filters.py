"""The filter grid: known filters come out as the right colours in the right tiles (zero white,
positive blue, negative orange, each filter on its own scale), labelled; the channel chooser of a
deeper layer; updates at frame rate recolour in place without rebuilding widgets."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from playground import palette
from widgets.filter_grid import FilterGridView


def rgb(c: QColor) -> np.ndarray:
    return np.array(c.getRgb()[:3], dtype=float)


def near(c: QColor, hex_: str, tol: float = 12) -> bool:
    return float(np.abs(rgb(c) - rgb(QColor(hex_))).max()) <= tol


def cell_colour(view, image, tile: int, row: int, col: int, k: int) -> QColor:
    """The colour at the centre of weight (row, col) of tile ``tile`` of a k x k filter."""
    rect = view.mosaic.tile_rect(tile)
    x = rect.left() + (col + 0.5) * rect.width() / k
    y = rect.top() + (row + 0.5) * rect.height() / k
    return image.pixelColor(int(x), int(y))


@pytest.fixture
def view(qtbot):
    v = FilterGridView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    qtbot.waitExposed(v)
    return v


def known_filters() -> np.ndarray:
    w = np.zeros((2, 1, 3, 3))
    w[0, 0, 1, 1] = 0.2           # filter 1: a positive centre, its own peak
    w[1, 0, 0, 0] = -5.0          # filter 2: a strong negative corner
    w[1, 0, 2, 2] = 2.5           # and half as strong a positive one
    return w


def test_known_filters_show_zero_white_positive_blue_negative_orange(view, qtbot):
    view.set_filters(known_filters(), "conv 1")
    qtbot.wait(10)
    image = view.mosaic.grab().toImage()
    assert near(cell_colour(view, image, 0, 1, 1, 3), palette.POSITIVE)   # 0.2 is its peak
    assert near(cell_colour(view, image, 0, 0, 0, 3), palette.STRONG[1])  # zero: the middle
    assert near(cell_colour(view, image, 1, 0, 0, 3), palette.NEGATIVE)
    half = cell_colour(view, image, 1, 2, 2, 3)            # +2.5 of 5: half way to blue
    mid, blue = rgb(QColor(palette.STRONG[1])), rgb(QColor(palette.POSITIVE))
    assert np.abs(rgb(half) - (mid + blue) / 2).max() <= 3
    assert view.title.text() == "conv 1"
    assert view.mosaic.shown_labels() == ["1  \u00b10.2", "2  \u00b15"]
    assert "largest of all 5" in view.legend.text()
    assert view.bar.ends() == ("\u2212 largest |w|", "0", "+ largest |w|")
    assert not view.channel.isVisible()                    # one input channel: no chooser


def test_many_small_filters_keep_readable_labels(view, qtbot):
    view.resize(400, 300)
    view.set_filters(np.random.default_rng(0).normal(size=(32, 1, 3, 3)))
    qtbot.wait(10)
    assert view.mosaic.shown_labels() == [str(i + 1) for i in range(32)]
    rects = [view.mosaic.tile_rect(i) for i in range(32)]
    assert all(r.width() >= 20 for r in rects)
    assert all(view.mosaic.rect().contains(r) for r in rects)
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_deeper_layer_shows_the_chosen_input_channel(view, qtbot):
    w = np.zeros((4, 3, 3, 3))
    w[:, 0, 0, 0] = 1.0           # channel 1: top left positive
    w[:, 2, 2, 2] = -1.0          # channel 3: bottom right negative
    view.set_filters(w, "conv 2")
    qtbot.wait(10)
    assert view.channel.isVisible() and view.channel.maximum() == 3
    image = view.mosaic.grab().toImage()
    assert near(cell_colour(view, image, 3, 0, 0, 3), palette.POSITIVE)
    got = []
    view.channel_changed.connect(got.append)
    view.channel.setFocus()
    qtbot.keyClick(view.channel, Qt.Key.Key_Up)
    qtbot.keyClick(view.channel, Qt.Key.Key_Up)
    assert got == [1, 2] and view.current_channel() == 2
    image = view.mosaic.grab().toImage()
    assert near(cell_colour(view, image, 3, 2, 2, 3), palette.NEGATIVE)
    assert near(cell_colour(view, image, 3, 0, 0, 3), palette.STRONG[1])
    assert "input channel 3" in view.legend.text()


def test_frames_of_the_same_shape_update_in_place(view, qtbot):
    rng = np.random.default_rng(1)
    view.set_filters(rng.normal(size=(8, 1, 5, 5)))
    qtbot.wait(10)
    widgets = view.findChildren(QWidget)
    rects = [view.mosaic.tile_rect(i) for i in range(8)]
    w = np.zeros((8, 1, 5, 5))
    w[:, 0, 2, 2] = -1.0
    view.set_filters(w)
    qtbot.wait(10)
    assert view.findChildren(QWidget) == widgets
    assert [view.mosaic.tile_rect(i) for i in range(8)] == rects
    image = view.mosaic.grab().toImage()
    assert near(cell_colour(view, image, 7, 2, 2, 5), palette.NEGATIVE)
    assert near(cell_colour(view, image, 7, 0, 0, 5), palette.STRONG[1])
    view.set_filters(rng.normal(size=(4, 1, 5, 5)))     # another shape: a new layout
    assert view.mosaic.count() == 4


def test_bad_filters_are_refused_and_the_shown_ones_kept(view):
    view.set_filters(known_filters())
    with pytest.raises(ValueError, match=r"\(O, C, k, k\)"):
        view.set_filters(np.zeros((3, 3)))
    assert view.mosaic.count() == 2
