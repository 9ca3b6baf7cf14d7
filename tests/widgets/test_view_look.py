"""How the views look: the boundary fills a square over the data, one colour per class in every
view, neuron maps scaled so their structure shows, readable names, links redrawn only when they
look different, and numbers that never widen their panel."""
import dataclasses

import numpy as np
import pytest

from playground.fields import Layer
from playground.presets import PRESETS

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target
SPIRAL_K = next(p.changes for p in PRESETS if p.name == "spiral_k")


def ready(qtbot, w, step=0):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation
                    and w.session.latest.step >= step, timeout=TIMEOUT)
    qtbot.wait(50)


# ---- the large view ---------------------------------------------------------------------------
@pytest.mark.parametrize("values", [{}, SPIRAL_K], ids=["two classes", "three classes"])
def test_boundary_is_a_square_over_exactly_the_data_extent(qtbot, make_window, values):
    w = make_window(**values)
    ready(qtbot, w)
    view = w.boundary_view
    qtbot.waitUntil(lambda: abs(view.plot.vb.width() - view.plot.vb.height()) <= 2,
                    timeout=TIMEOUT)
    x0, x1, y0, y1 = w.session.data.extent
    (vx0, vx1), (vy0, vy1) = view.plot.vb.viewRange()
    span = x1 - x0
    assert np.allclose([vx0, vx1, vy0, vy1], [x0, x1, y0, y1], atol=1e-6 * span)
    assert abs(x1 - x0 - (y1 - y0)) < 1e-9 * span              # the data extent is square
    # it fills its panel: the square is as large as the room left by the axes allows
    assert min(view.host.width(), view.host.height()) - view.plot.vb.width() < 140
    assert view.plot.getAxis("bottom").labelText == "X\u2081"
    assert view.plot.getAxis("left").labelText == "X\u2082"
    label = view.colorbar.axis.labelText
    assert label == ("probability of blue" if not values else "class")


def test_hovered_neuron_gets_its_own_colour_bar(qtbot, make_window):
    w = make_window(n_points=100)
    ready(qtbot, w)
    w.boundary_view.set_focus((0, 2))
    w.session.focus_neuron((0, 2))
    qtbot.waitUntil(lambda: w.session.latest.focus is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "activation" in w.boundary_view.colorbar.axis.labelText,
                    timeout=TIMEOUT)
    assert tuple(w.boundary_view.colorbar.values) == (-1.0, 1.0)       # tanh: fixed scale
    w.boundary_view.set_focus(None)
    assert w.boundary_view.colorbar.axis.labelText == "probability of blue"


# ---- one colour per class ---------------------------------------------------------------------
def test_each_class_has_its_own_colour_in_every_view(qtbot, make_window):
    from widgets import theme
    from widgets.boundary_view import class_lut32, class_pixels
    w = make_window(size=(1280, 720), **SPIRAL_K)
    ready(qtbot, w)
    # the network's output column: one ramp per class, from white to the class colour; a
    # frame where every class is certain draws each output tile in its class's full colour
    canvas = w.network_view.canvas
    assert w.network_view.column_colours()[-1].mode == "classes"
    latest = w.session.latest
    w.session.snapshot_ready.emit(dataclasses.replace(
        latest, output_map=np.ones_like(latest.output_map)))
    qtbot.wait(50)
    drawn = canvas.grab().toImage()
    column = canvas.geometry_().columns[-1]
    for k in range(3):
        x, y = column.tiles[k] + column.tile / 2
        pixel = drawn.pixel(int(x), int(y)) & 0xFFFFFF
        assert pixel == int(theme.class_ramp_lut32(k)[255]) & 0xFFFFFF
        assert pixel == int(theme.CLASS_COLORS[k][1:], 16)
    # the boundary: the likeliest class's colour
    probabilities = np.eye(3, dtype=np.float32)[None, :, :].repeat(2, axis=0)
    pixels = class_pixels(probabilities, class_lut32(3, discretize=False))
    strongest = class_lut32(3, discretize=False)[:, -1]
    assert list(pixels[0]) == list(strongest)
    # the points, and the class colour bar (one step per class)
    data = w.session.data
    brush = w.boundary_view.train_points.data["brush"][0].color()
    assert brush == theme.class_color(int(data.labels_train[0]))
    bar = theme.class_steps(3)
    for k in range(3):
        assert bar.map((k + 0.5) / 3, mode="qcolor") == theme.class_color(k)


def test_multiclass_network_fits_without_scrolling_at_1280x720(qtbot, make_window):
    w = make_window(size=(1280, 720), **SPIRAL_K)
    ready(qtbot, w)
    qtbot.wait(100)
    view = w.network_view
    assert view.canvas.minimumWidth() <= view.scroll.viewport().width()
    assert not view.scroll.horizontalScrollBar().isVisible()
    assert view.output_header.task.text() == "3 classes"
    metrics = view.output_header.task.fontMetrics()
    assert metrics.horizontalAdvance("3 classes") <= view.output_header.task.width()


# ---- neuron maps ------------------------------------------------------------------------------
def drawn_tiles(tiles, n: int, side: int) -> np.ndarray:
    """(n, side, side) RGB32 pixels of a tile column drawn one tile under the other."""
    from PySide6.QtGui import QImage, QPainter
    image = QImage(side, n * side, QImage.Format.Format_RGB32)
    image.fill(0)
    painter = QPainter(image)
    tiles.draw(painter, np.array([[0.0, u * side] for u in range(n)]))
    painter.end()
    rows = np.frombuffer(image.constBits(), np.uint32).reshape(n * side, -1)
    return rows[:, :side].reshape(n, side, side) & 0xFFFFFF


def test_unbounded_maps_are_each_scaled_to_their_own_size(qtbot):
    from widgets import theme
    from widgets.neuron_tiles import ColumnColours, TileColumn
    ramp = np.linspace(0.0, 1.0, 48, dtype=np.float32)[None, :].repeat(48, axis=0)
    maps = np.stack([0.1 * ramp, 50.0 * ramp, np.zeros_like(ramp)])     # small, large, dead
    tiles = TileColumn(ColumnColours("symmetric"))
    tiles.set_maps(maps, 48, 1.0)
    pixels = drawn_tiles(tiles, 3, 48)
    lut = theme.TILE_LUT32 & 0xFFFFFF
    assert pixels[0, 0, -1] == pixels[1, 0, -1] == lut[255]             # both reach full blue
    assert np.all(pixels[2] == lut[128])                                 # a dead unit: white
    assert "0.1" in tiles.describe_scale(0) and "50" in tiles.describe_scale(1)


def test_bounded_maps_share_one_fixed_scale(qtbot):
    from widgets import theme
    from widgets.neuron_tiles import ColumnColours, TileColumn
    maps = np.full((2, 48, 48), 0.1, dtype=np.float32)
    maps[1] = 1.0
    tiles = TileColumn(ColumnColours("fixed", -1.0, 1.0))
    tiles.set_maps(maps, 24, 1.0)
    pixels = drawn_tiles(tiles, 2, 24)
    lut = theme.TILE_LUT32 & 0xFFFFFF
    assert pixels[1, 0, 0] == lut[255]
    assert pixels[0, 0, 0] == lut[140]                       # 0.1 of the way, not full blue


def test_relu_layers_scale_per_map_and_tanh_layers_do_not(qtbot, make_window):
    w = make_window(layers=(Layer(16, "relu", "he_normal"), Layer(8, "tanh")), n_points=100)
    ready(qtbot, w)
    modes = [c.mode for c in w.network_view.column_colours()]
    assert modes == ["symmetric", "symmetric", "fixed", "fixed"]


# ---- names ------------------------------------------------------------------------------------
def test_layer_settings_are_written_out_with_their_formula(qtbot, make_window):
    w = make_window(n_points=100)
    ready(qtbot, w)
    header = w.network_view.layer_headers[0]
    assert header.init.currentText() == "Glorot uniform"
    assert "sqrt(6/(m+n))" in header.init.toolTip().replace(" ", "")
    assert "tanh(z)" in header.activation.toolTip()
    assert header.dropout.text().startswith("Dropout")
    for combo in (header.activation, header.init, w.network_view.output_header.loss):
        room = combo.width() - 20                           # less the drop-down arrow
        assert combo.fontMetrics().horizontalAdvance(combo.currentText()) <= room, \
            combo.currentText()
    index = header.init.findData("he_normal")
    assert "N(0, 2/m)" in header.init.itemData(index, 3)     # Qt.ToolTipRole
    assert "cross-entropy" in w.network_view.output_header.loss.toolTip().lower()


# ---- links ------------------------------------------------------------------------------------
def test_links_are_redrawn_only_when_they_look_different(qtbot):
    from PySide6.QtGui import QPainter, QPixmap

    from widgets import network_geometry as geo
    from widgets.network_links import LinkLayer
    g = geo.layout([2, 8, 1], 600, width=500)
    rng = np.random.default_rng(0)
    weights = [(rng.normal(size=(2, 8)), np.zeros(8)), (rng.normal(size=(8, 1)), np.zeros(1))]
    links = LinkLayer()
    links.set_weights(weights, g)
    assert links.dirty and len(links.links[0][0]) == 16
    pixmap = QPixmap(500, 600)
    painter = QPainter(pixmap)
    links.start(painter)
    while not links.proceed(0.0):                    # in slices, each at least 32 links
        pass
    painter.end()
    assert not links.dirty
    nudged = [(W + 1e-4, b) for W, b in weights]
    links.set_weights(nudged, g)
    assert not links.dirty                           # no link changes its width or colour
    links.set_weights([(-W, b) for W, b in weights], g)
    assert links.dirty


def test_link_curves_match_the_painted_cubic():
    from widgets import network_geometry as geo
    g = geo.layout([2, 3], 500, width=400)
    curves = geo.link_curves(g.columns[0], g.columns[1], np.array([[1, 2]]))
    left, right = g.columns
    start = left.tiles[1] + [left.tile, left.tile / 2]
    end = right.tiles[2] + [0, right.tile / 2]
    assert np.allclose(curves[0, 0], start) and np.allclose(curves[0, -1], end)
    assert np.allclose(curves[0, geo.LINK_SAMPLES // 2 - 1:geo.LINK_SAMPLES // 2 + 1].mean(0),
                       (start + end) / 2, atol=2.0)


# ---- frames -----------------------------------------------------------------------------------
def on_screen(widget):
    """What the window last showed where ``widget`` is (offscreen: its backing store), RGB32."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QImage
    top = widget.mapTo(widget.window(), QPoint(0, 0))
    shown = widget.screen().grabWindow(widget.window().winId(), top.x(), top.y(),
                                       widget.width(), widget.height())
    return shown.toImage().convertToFormat(QImage.Format.Format_RGB32)


def test_frames_show_what_a_full_repaint_draws(qtbot, make_window):
    """At each snapshot the network repaints only its tiles and bias squares (a hovered link
    included), and the curves only around their new points: what that leaves on screen is what
    painting the whole view afresh draws."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QToolTip
    w = make_window(size=(1280, 720))
    ready(qtbot, w)
    canvas, curves = w.network_view.canvas, w.curves_panel
    qtbot.waitUntil(lambda: bool(canvas.links.links), timeout=TIMEOUT)
    pairs, paths = canvas.links.links[1]
    x, y = paths[5][len(paths[5]) // 2]
    assert canvas.hit(x, y)[0] == "link"
    qtbot.mouseMove(canvas, QPoint(round(x), round(y)))
    assert QToolTip.text().startswith("Weight")     # the link is hovered
    partial = []
    line = curves.train_curve
    path_near = line._path_near
    line._path_near = lambda exposed, to_device: (
        partial.append(exposed != line.boundingRect()) or path_near(exposed, to_device))
    for n in (200, 5, 5, 5):               # then the step axis stays at 250: the curves grow
        target = w.session.latest.step + n
        w.session.step(n)
        ready(qtbot, w, target)
        curves.refresh()
        qtbot.wait(20)
    # the links' background redrawn (in slices, at most 20 times a second), then all painted
    qtbot.waitUntil(lambda: not canvas.links.dirty and not canvas.links.drawing,
                    timeout=TIMEOUT)
    qtbot.wait(50)
    assert any(partial)
    # New maps and biases, the same weights: the links stay as drawn, only the tiles and the
    # bias squares repaint.
    latest = w.session.latest
    params = latest.params.copy()
    for _, b in w.session.layer_params(params):
        b *= -0.5
    canvas.set_snapshot(dataclasses.replace(
        latest, params=params, neuron_maps=tuple(-m for m in latest.neuron_maps),
        output_map=-latest.output_map))
    qtbot.wait(50)
    assert not canvas.links.dirty
    for widget in (canvas, curves.graphics):
        full = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        assert on_screen(widget) == full, type(widget).__name__


# ---- layout -----------------------------------------------------------------------------------
def test_spare_width_spreads_the_columns_and_centres_the_network():
    from widgets import network_geometry as geo
    tight = geo.layout([2, 8, 8, 1], 600)
    wide = geo.layout([2, 8, 8, 1], 600, width=1400)
    assert wide.width == tight.width                       # the least width is unchanged
    gaps = [b.x - (a.x + a.width) for a, b in zip(wide.columns, wide.columns[1:])]
    assert all(geo.COLUMN_GAP < gap <= geo.MAX_COLUMN_GAP + 1e-9 for gap in gaps)
    left = wide.columns[0].x
    right = 1400 - (wide.columns[-1].x + wide.columns[-1].width)
    assert abs(left - right) < 1.0


# (How a tall layer shrinks, and wraps only in compact form: tests/widgets/test_fit_layout.py.)


# ---- numbers ----------------------------------------------------------------------------------
def test_value_labels_never_widen_their_panel(qtbot):
    from widgets.controls import ValueLabel
    label = ValueLabel("100.0%")
    qtbot.addWidget(label)
    label.show()
    size = label.size()
    label.setText("2.06e+176")
    label.repaint()
    assert label.size() == size and label.text() == "2.06e+176"


def test_curve_helpers():
    from playground.curve_scale import nice_ceil
    from widgets.curve_items import peak_decimate, short_number
    assert [nice_ceil(v) for v in (0.33, 1500, 2001, 7.0)] == [0.4, 1500, 2500, 8.0]
    assert short_number(2.06e176) == "2.06e176" and short_number(1500) == "1.5e3"
    x = np.arange(10_000.0)
    y = np.sin(x / 50)
    y[5_000] = 40.0                                           # a spike survives decimation
    xs, ys = peak_decimate(x, y, 500)
    assert len(xs) <= 520 and ys.max() == 40.0 and ys.min() == pytest.approx(-1, abs=1e-3)


def test_short_value_axes_space_their_labels():
    from widgets.curve_items import NumberAxis
    axis = NumberAxis("left")
    for size, span in ((70, 0.7), (70, 3.0), (140, 0.7), (400, 0.7), (60, 130.0)):
        major = axis.tickSpacing(0.0, span, size)[0][0]
        labelled = np.floor(span / major) + 1
        assert labelled <= max(3, size // NumberAxis.MIN_LABEL_PITCH + 1), (size, span, major)
        assert labelled >= 2                                  # still a scale to read
        mantissa = major / 10 ** np.floor(np.log10(major))
        assert round(mantissa, 6) in (1.0, 2.0, 5.0)          # round numbers only


@pytest.mark.parametrize("size, titles", [((1280, 720), False), ((1920, 1080), True)])
def test_curve_axis_titles_step_aside_only_when_they_would_overlap(qtbot, make_window, size,
                                                                   titles):
    w = make_window(size=size)
    ready(qtbot, w)
    panel = w.curves_panel
    qtbot.waitUntil(lambda: panel.loss_plot.getAxis("left").label.isVisible() == titles,
                    timeout=TIMEOUT)
    assert panel.accuracy_plot.getAxis("left").label.isVisible() == titles


def test_side_docks_grow_with_a_large_window(qtbot, make_window):
    small = make_window(size=(1280, 720))
    large = make_window(size=(1920, 1080))
    qtbot.waitUntil(lambda: large.output_dock.width() > 0 and small.output_dock.width() > 0,
                    timeout=TIMEOUT)
    qtbot.wait(50)
    assert large.output_dock.width() >= 1.3 * small.output_dock.width()
    assert large.output_dock.height() >= 1.3 * small.output_dock.height()
    # and the network keeps the middle: at least a third of the width at either size
    for w in (small, large):
        assert w.network_view.width() >= w.width() / 3
