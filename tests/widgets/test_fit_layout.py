"""Every example fits a 1280 x 720 window with every label whole; large layers never wrap into
crossing links; a larger window gives its room to the boundary and the curves."""
import numpy as np
import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QAbstractSpinBox, QComboBox, QLabel, QStyle,
                               QStyleOptionComboBox)

from playground import presets
from widgets import network_geometry as geo
from widgets import theme

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target
EXAMPLES = [p.name for p in presets.PRESETS]


def ready(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.wait(50)


def combo_room(box: QComboBox) -> int:
    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    return box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                      QStyle.SubControl.SC_ComboBoxEditField, box).width()


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_fits_1280x720_with_every_label_whole(qtbot, make_window, name):
    w = make_window(size=(1280, 720))
    assert w.file_actions.open_preset(name)
    ready(qtbot, w)
    view = w.network_view
    canvas, viewport = view.canvas, view.scroll.viewport()
    qtbot.waitUntil(lambda: canvas.width() >= viewport.width(), timeout=TIMEOUT)
    assert canvas.minimumWidth() <= viewport.width()
    assert view.scroll.horizontalScrollBar().maximum() == 0
    for col in canvas.geometry_().columns:                 # every column inside the view
        assert 0 <= col.x and col.x + col.width <= viewport.width()
        assert (col.tiles[:, 0] >= col.x - 1e-6).all()
        assert (col.tiles[:, 0] + col.tile <= col.x + col.width + 1e-6).all()
    headers = [view.input_header, *view.layer_headers, view.output_header]
    for header, col in zip(headers, canvas.geometry_().columns):
        assert header.width() <= col.width + 1
        for box in header.findChildren(QComboBox):
            if box.isVisible():
                assert box.fontMetrics().horizontalAdvance(box.currentText()) <= \
                    combo_room(box), (name, box.currentText())
        for label in header.findChildren(QLabel):
            if label.isVisible() and label.text():
                assert label.fontMetrics().horizontalAdvance(label.text()) <= \
                    label.width(), (name, label.text())
        for box in header.findChildren(QAbstractSpinBox):
            if box.isVisible():
                assert box.fontMetrics().horizontalAdvance(box.text()) <= \
                    box.lineEdit().width(), (name, box.text())
    labels = canvas.label_rects()
    assert len(labels) == len(w.session.data.features)       # every input is labelled
    metrics = QFontMetrics(theme.font(0))                   # the font the labels are drawn in
    for text, rect in labels:
        assert rect.left() >= 0 and metrics.horizontalAdvance(text) <= rect.width(), text


def test_a_layer_too_tall_for_its_tiles_shrinks_them_in_one_column():
    tile, per_column, gap = geo.fit(16, 300)
    assert per_column == 16 and geo.MIN_TILE <= tile and 16 * tile + 15 * gap <= 300
    tile, per_column, gap = geo.fit(8, 372)
    assert per_column == 8 and tile >= 36 and gap == geo.TILE_GAP
    tile, per_column, gap = geo.fit(64, 300)               # too many even for MIN_TILE
    assert per_column < 64 and tile == geo.MIN_TILE


def _crossings(g: geo.Geometry, l: int) -> int:
    """Sample points of layer l's links that lie inside a tile of either column they join."""
    left, right = g.columns[l], g.columns[l + 1]
    pairs = np.array([(i, j) for i in range(len(left.tiles)) for j in range(len(right.tiles))])
    points = geo.link_curves(left, right, pairs, samples=40)[:, 1:-1].reshape(-1, 2)
    inside = 0
    for col in (left, right):
        for x, y in col.tiles:
            inside += int(((points[:, 0] > x + 0.5) & (points[:, 0] < x + col.tile - 0.5) &
                           (points[:, 1] > y + 0.5) & (points[:, 1] < y + col.tile - 0.5)).sum())
    return inside


@pytest.mark.parametrize("units", [[2, 16, 1], [2, 80, 3], [4, 200, 12, 1]])
def test_no_link_crosses_a_tile_even_in_compact_form(units):
    g = geo.layout(units, 480, width=900)
    assert any(len(set(c.tiles[:, 0])) > 1 for c in g.columns) == (max(units) > 30)
    for l in range(len(units) - 1):
        assert _crossings(g, l) == 0


def test_the_old_wrapping_would_cross_tiles():
    """The check can fail: links drawn to each tile of a two-sub-column block cross tiles."""
    g = geo.layout([2, 80, 3], 480, width=900)
    col = g.columns[1]
    wrapped = geo.Column(col.x, col.width, col.tile, col.tiles)
    fake = geo.Geometry((g.columns[0], wrapped, g.columns[2]), g.width, g.height)
    left, right = fake.columns[0], fake.columns[1]
    pairs = np.array([(0, j) for j in range(len(right.tiles))])
    start = left.tiles[pairs[:, 0]] + np.array([left.tile, left.tile / 2])
    end = right.tiles[pairs[:, 1]] + np.array([0.0, right.tile / 2])   # to each tile's edge
    t = np.linspace(0, 1, 40)[None, 1:-1, None]
    points = (start[:, None] * (1 - t) + end[:, None] * t).reshape(-1, 2)
    x, y = right.tiles[0]
    hits = ((points[:, 0] > x + 0.5) & (points[:, 0] < x + right.tile - 0.5)).sum()
    assert hits > 0


def test_narrow_widths_shrink_columns_and_gaps_to_their_least():
    g = geo.layout([4, 12, 12, 8, 1], 480, width=300, labels=[50, 0, 0, 0, 0])
    wide = geo.layout([4, 12, 12, 8, 1], 480, width=2000, labels=[50, 0, 0, 0, 0])
    assert g.width == wide.width < sum(c.width for c in wide.columns)
    assert all(c.width >= geo.MIN_COLUMN_WIDTH for c in g.columns[1:])
    fitted = geo.layout([4, 12, 12, 8, 1], 480, width=g.width, labels=[50, 0, 0, 0, 0])
    last = fitted.columns[-1]
    assert last.x + last.width <= g.width + 1e-6
    first = fitted.columns[0]
    assert first.tiles[0, 0] - first.x >= 50 + geo.LABEL_GAP     # the label's room is kept


# ---- the window's space -----------------------------------------------------------------------
def _sizes(qtbot, make_window, size):
    w = make_window(size=size)
    ready(qtbot, w)
    view = w.boundary_view
    qtbot.waitUntil(lambda: abs(view.plot.vb.width() - view.plot.vb.height()) <= 2,
                    timeout=TIMEOUT)
    qtbot.wait(100)
    curves = w.curves_panel
    return (view.plot.vb.width(), curves.loss_plot.vb.height(),
            curves.accuracy_plot.vb.height(), w)


def test_a_larger_window_gives_the_boundary_and_curves_the_room(qtbot, make_window):
    small, loss_small, accuracy_small, _ = _sizes(qtbot, make_window, (1280, 720))
    large, loss_large, accuracy_large, w = _sizes(qtbot, make_window, (1920, 1080))
    assert small >= 150
    assert large >= 2.5 * small                       # the square grows with the window
    # at 1280 x 720 the loss and accuracy plots have 85 pixels each (the readout above them
    # is compact there); a larger window gives both more, the loss plot most
    assert loss_small >= 85 and accuracy_small >= 85
    assert loss_large >= 1.25 * loss_small and accuracy_large > accuracy_small
    # the network keeps what it needs; the side docks take what the centre can spare
    canvas = w.network_view.canvas
    assert canvas.minimumWidth() <= w.network_view.scroll.viewport().width()
    assert w.output_dock.width() > 1.5 * 392


@pytest.mark.parametrize("name", ["spiral", "default"])
def test_the_training_panel_names_every_setting_whole(qtbot, make_window, name):
    w = make_window(size=(1280, 720))
    assert w.file_actions.open_preset(name)
    w.training_dock.raise_()
    ready(qtbot, w)
    labels = [label for label in w.optimizer_panel.findChildren(QLabel)
              if label.isVisible() and label.text() and not label.wordWrap()]
    assert any(label.text() == "Decay steps" for label in labels) == (name == "spiral")
    for label in labels:
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width(), \
            label.text()
