"""The large output view: the decision boundary (or regression surface) over the data range,
training points filled and test points outlined, with a labelled colour bar (or, for several
classes, each class's colour); or, while a neuron is hovered in the network builder, that
neuron's map.

The data area is kept square and as large as the panel allows: the drawn region is the square
data extent, so the axes show exactly it, never a stretched or padded range.
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground import catalog, tips
from widgets import theme
from widgets.controls import send
from widgets.neuron_tiles import BOUNDED_ACTIVATIONS, DEAD_FRACTION, colour_indices

POINT_SIZE = 9


def marker_name(k: int) -> str:
    """Class k's marker name in words ("triangle down")."""
    return theme.CLASS_MARKERS[k % len(theme.CLASS_MARKERS)].replace("_", " ")
CONFIDENCE_STEPS = 64
LEFT_AXIS_WIDTH = 40
BAR_AXIS_WIDTH = 56


def class_lut32(k: int, discretize: bool) -> np.ndarray:
    """(k, CONFIDENCE_STEPS) RGB32 pixels: class colour, paler where the network is less sure
    (one strength when discretized)."""
    colors = theme.class_rgb()[np.arange(k) % len(theme.CLASS_COLORS)]
    if discretize:
        strength = np.full(CONFIDENCE_STEPS, 0.55)
    else:
        strength = 0.15 + 0.6 * np.linspace(0.0, 1.0, CONFIDENCE_STEPS)
    white = 250.0
    rgb = white + (colors[:, None, :] - white) * strength[None, :, None]
    return theme.lut32(np.round(rgb).reshape(-1, 3).astype(np.uint8)).reshape(k, -1)


def class_pixels(probabilities: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """(R, R) RGB32 picture of (R, R, K) class probabilities: each pixel is the likeliest
    class's colour, paler where the network is less sure."""
    k = probabilities.shape[-1]
    top = np.argmax(probabilities, axis=-1)
    conf = np.take_along_axis(probabilities, top[..., None], axis=-1)[..., 0]
    sure = np.clip((conf - 1.0 / k) * (k / (k - 1.0)), 0.0, 1.0)
    return lut[top, (sure * (CONFIDENCE_STEPS - 1) + 0.5).astype(np.intp)]


def value_pixels(values: np.ndarray, lo: float, hi: float, lut: np.ndarray) -> np.ndarray:
    """(R, R) RGB32 picture of values over [lo, hi] through a 256-entry RGB32 table."""
    hi = hi if hi > lo else lo + 1.0
    return lut.take(colour_indices(values[None], np.array([lo]), np.array([hi]))[0])


def one_per_colour(colors: list, make) -> list:
    """``make(colour)`` for each colour, the same object for equal colours: pyqtgraph renders a
    marker once per pen and brush *object*, so 5,000 points of three colours then cost three
    renders, not 5,000 (a second and more on the GUI thread while training)."""
    made: dict = {}
    out = []
    for c in colors:
        key = c.rgba()
        if key not in made:
            made[key] = make(c)
        out.append(made[key])
    return out


class PictureItem(pg.GraphicsObject):
    """An RGB32 picture stretched over a data rectangle (row 0 at the rectangle's lower y).

    A bare QImage blit: what pyqtgraph's ImageItem does with levels and lookup tables is done
    once, in numpy, by the caller. ``image`` is the last (R, R) uint32 pixel array.
    """

    def __init__(self):
        super().__init__()
        self.image: np.ndarray | None = None
        self._qimage: QImage | None = None
        self._rect = QRectF(0, 0, 1, 1)

    def set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(rect)
        self.update()

    def set_pixels(self, pixels: np.ndarray) -> None:
        self.image = np.ascontiguousarray(pixels, dtype=np.uint32)
        h, w = self.image.shape
        self._qimage = QImage(self.image.data, w, h, 4 * w, QImage.Format.Format_RGB32)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter, *args) -> None:
        if self._qimage is not None:
            painter.drawImage(self._rect, self._qimage)


class Points(pg.ScatterPlotItem):
    """Scatter points whose bounding rectangle is worked out once per data and view size, not
    at every frame of the picture beneath them (pyqtgraph recomputes it from the data)."""

    _bounds: QRectF | None = None

    def setData(self, *args, **kwargs) -> None:
        self._bounds = None
        super().setData(*args, **kwargs)

    def viewTransformChanged(self) -> None:
        self._bounds = None
        super().viewTransformChanged()

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            self._bounds = super().boundingRect()
        return QRectF(self._bounds)


class SquareHost(QWidget):
    """Holds the plot widget and sizes it so the plot's data area is square and as large as
    the host allows, centred (the axes and colour bar take their own room around it)."""

    def __init__(self, graphics: pg.GraphicsLayoutWidget, view: pg.ViewBox,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.graphics = graphics
        self.view = view
        graphics.setParent(self)
        self._extra = (90, 50)
        view.sigResized.connect(self._on_view_resized)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        extra_w, extra_h = self._extra
        side = max(40, min(self.width() - extra_w, self.height() - extra_h))
        w, h = side + extra_w, side + extra_h
        self.graphics.setGeometry((self.width() - w) // 2, max(0, (self.height() - h) // 2),
                                  w, h)

    def _on_view_resized(self, *_) -> None:
        """Measure what the axes and colour bar really take; refit when it changed."""
        rect = self.view.geometry()
        extra = (round(self.graphics.width() - rect.width()),
                 round(self.graphics.height() - rect.height()))
        if rect.width() > 1 and extra != self._extra:
            self._extra = extra
            # Not from inside the plot's own resize (it would be undone when that returns).
            QTimer.singleShot(0, self.fit)


class BoundaryView(QWidget):
    """Decision boundary with the data points; ``set_snapshot`` recolours it."""

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.session = session
        self.caption = QLabel("Decision boundary")
        self.caption.setProperty("role", "value")
        self.caption.setFont(theme.font(1, bold=True))
        self.show_test = QCheckBox("Test data")
        self.show_test.setToolTip(tips.field_tip("show_test"))
        self.discretize = QCheckBox("Discretize")
        self.discretize.setToolTip(tips.field_tip("discretize"))
        self.show_test.toggled.connect(lambda on: send(experiment, "show_test", on,
                                                       self.show_test))
        self.discretize.toggled.connect(lambda on: send(experiment, "discretize", on,
                                                        self.discretize))
        top = QHBoxLayout()              # the caption and the switches share a row: every
        top.setContentsMargins(10, 6, 6, 0)      # row less is a larger square
        top.setSpacing(8)
        top.addWidget(self.caption, 1)
        top.addWidget(self.show_test)
        top.addWidget(self.discretize)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.layout.setContentsMargins(0, 4, 4, 0)
        self.graphics.ci.layout.setHorizontalSpacing(6)
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.disableAutoRange()
        for name, text in (("bottom", catalog.feature_label("x1")),
                           ("left", catalog.feature_label("x2"))):
            axis = self.plot.getAxis(name)
            axis.setStyle(tickFont=theme.font(-1))
            axis.setLabel(text)
            axis.label.setFont(theme.font(0))
        self.plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        theme.cache_axes(self.plot)
        self.image = PictureItem()
        self.plot.addItem(self.image)
        self.train_points = Points(size=POINT_SIZE, pxMode=True)
        self.test_points = Points(size=POINT_SIZE, pxMode=True)
        for points in (self.train_points, self.test_points):
            # The points only move when the data changes: paint them from a cached pixmap.
            points.setCacheMode(points.CacheMode.DeviceCoordinateCache)
            self.plot.addItem(points)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=theme.DIVERGING,
                                        interactive=False, width=14)
        self.colorbar.axis.setWidth(BAR_AXIS_WIDTH)
        self.colorbar.axis.enableAutoSIPrefix(False)
        self.colorbar.axis.setStyle(tickFont=theme.font(-1))
        self.colorbar.axis.label.setFont(theme.font(-1))
        self.colorbar.setCacheMode(self.colorbar.CacheMode.DeviceCoordinateCache)
        # Beside the data area (the plot's own layout), as tall as it, not as the whole plot.
        self.plot.layout.addItem(self.colorbar, 2, 5)
        self.plot.layout.setColumnFixedWidth(4, 8)
        self.host = SquareHost(self.graphics, self.plot.vb)
        self.host.setMinimumSize(160, 120)

        self.legend = QLabel()
        self.legend.setProperty("role", "hint")
        self.legend.setWordWrap(True)
        legend_row = QHBoxLayout()
        legend_row.setContentsMargins(12, 0, 12, 0)
        legend_row.addWidget(self.legend, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.host, 1)
        layout.addLayout(legend_row)
        self._focus = None
        self._last = None
        self._class_lut: np.ndarray | None = None
        self._shows_focus_bar = False
        experiment.state_changed.connect(self._on_experiment_state_changed)
        session.network_rebuilt.connect(self.set_data)
        session.snapshot_ready.connect(self.set_snapshot)
        theme.changes.look_changed.connect(self._on_theme_look_changed)
        self._on_experiment_state_changed("show_test")
        self._on_experiment_state_changed("discretize")
        self.set_data()

    def _on_theme_look_changed(self, old, new) -> None:
        self.set_data()                 # the points' sizes and rims follow the look
        if self._focus is None and self.session.latest is not None:
            self.set_snapshot(self.session.latest)

    # ---- model -> view ----------------------------------------------------------------------
    def set_data(self) -> None:
        """Place the points and the picture's rectangle for the session's current data."""
        data = self.session.data
        if data is None or not data.supports_boundary:
            return                          # (images: the window shows the image views)
        x0, x1, y0, y1 = data.extent
        self.image.set_rect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        # White rims part class colours; on a surface that is white at 0, a grey rim shows
        # the points whose value is near 0.
        rim = pg.mkPen("#6B7280", width=theme.line(0.8)) if data.task == "regression" else \
            pg.mkPen("#FFFFFF", width=theme.line(1.2))
        size = theme.marker(POINT_SIZE)         # larger when zoomed in or presenting
        self.train_points.setData(pos=data.points_train, brush=self._brushes(data.labels_train),
                                  pen=rim, symbol=self._symbols(data.labels_train), size=size)
        test_pens = one_per_colour(self._colors(data.labels_test),
                                   lambda c: pg.mkPen(c, width=theme.line(2.2)))
        self.test_points.setData(pos=data.points_test, brush=pg.mkBrush(255, 255, 255, 200),
                                 pen=test_pens, symbol=self._symbols(data.labels_test),
                                 size=size)
        self._class_lut = None
        # The last frame was of the network before: it may not even have this task's shape.
        self._last = None
        self._update_legend()
        self._update_colorbar()
        self._update_caption()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._last is not None:
            self.set_snapshot(self._last)

    def set_snapshot(self, snapshot) -> None:
        if snapshot.generation != self.session.generation or \
                getattr(snapshot, "images", None) is not None:
            return                          # of an earlier network (or run), or of images
        self._last = snapshot
        if not self.isVisible():
            return                          # drawn when shown
        data = self.session.data
        focused = snapshot.focus is not None and self._focus is not None
        if focused:
            lo, hi = self._focus_range(snapshot.focus)
            self.image.set_pixels(value_pixels(snapshot.focus, lo, hi, theme.TILE_LUT32))
            if not self._shows_focus_bar or tuple(self.colorbar.values) != (lo, hi):
                self._update_colorbar((lo, hi))
            return
        if self._shows_focus_bar:
            self._update_colorbar()
        boundary = snapshot.boundary
        if data.task == "multiclass":
            if self._class_lut is None or len(self._class_lut) != boundary.shape[-1]:
                self._class_lut = class_lut32(boundary.shape[-1], self.experiment.discretize)
            pixels = class_pixels(boundary, self._class_lut)
        elif data.task == "binary" and self.experiment.discretize:
            pixels = np.where(boundary > 0.5, theme.DIVERGING_LUT32[216],
                              theme.DIVERGING_LUT32[38])
        else:
            lo, hi = data.target_range
            pixels = value_pixels(boundary, lo, hi, theme.DIVERGING_LUT32)
        self.image.set_pixels(pixels)

    def _focus_range(self, values: np.ndarray) -> tuple[float, float]:
        """[-1, 1] for tanh-like units, else symmetric about 0 over the map's own size."""
        layer = self._focus[0]
        layers = self.experiment.layers
        if layer < len(layers) and layers[layer].activation in BOUNDED_ACTIVATIONS:
            return -1.0, 1.0
        peak = float(np.max(np.abs(values))) if values.size else 1.0
        peak = peak if peak > DEAD_FRACTION else 1.0
        peak = float(f"{peak:.2g}") if peak >= 0.01 else peak
        return -peak, peak

    def set_focus(self, key) -> None:
        """Show hidden neuron ``key`` = (layer, unit) large, or the output when None."""
        self._focus = key
        self._update_caption()
        if key is None and self._last is not None:
            self.set_snapshot(self._last)

    def _update_colorbar(self, focus_range: tuple | None = None) -> None:
        """The colour bar of what is shown: the boundary's, or the hovered neuron's."""
        data = self.session.data
        self._shows_focus_bar = focus_range is not None
        if focus_range is not None:
            layer = self.experiment.layers[self._focus[0]] if self._focus else None
            name = catalog.label(layer.activation) if layer is not None else ""
            self.colorbar.setColorMap(theme.TILE)
            self.colorbar.setLevels(focus_range)
            self.colorbar.axis.setTicks(None)
            self.colorbar.axis.setLabel(f"{name} activation")
            self.colorbar.setVisible(True)
            return
        if data is None:
            return
        if data.task == "multiclass":      # one step of colour per class, named
            k = max(data.n_classes, 2)
            self.colorbar.setColorMap(theme.class_steps(k))
            self.colorbar.setLevels((0.0, 1.0))
            self.colorbar.axis.setTicks([[((c + 0.5) / k, str(c + 1)) for c in range(k)], []])
            self.colorbar.axis.setLabel("class")
        else:
            self.colorbar.setColorMap(theme.DIVERGING)
            self.colorbar.setLevels(data.target_range)
            self.colorbar.axis.setTicks(None)
            self.colorbar.axis.setLabel("probability of blue" if data.task == "binary"
                                        else "predicted value")
        self.colorbar.setVisible(True)

    def _update_caption(self) -> None:
        data = self.session.data
        if self._focus is not None:
            layer, unit = self._focus       # layer: among the experiment's (batch norms too)
            number = 1 + sum(1 for l in self.experiment.layers[:layer] if l.is_dense)
            self.caption.setText(f"Layer {number} \u00b7 neuron {unit + 1}")
        elif data is not None and data.task == "regression":
            self.caption.setText("Predicted surface")
        else:
            self.caption.setText("Decision boundary")

    def _update_legend(self) -> None:
        """Filled training and outlined test points; for classes, each class's marker in its
        colour (colour is never the only clue: every class has its own shape)."""
        data = self.session.data
        text = "filled: train, outlined: test"
        tip = ""
        if data is not None and data.task != "regression":
            k = max(data.n_classes, 2)
            text = "&nbsp;&nbsp;".join(
                f"<span style='color:{theme.CLASS_COLORS[c % len(theme.CLASS_COLORS)]}'>"
                f"{theme.class_glyph(c)}</span>&nbsp;{c + 1}" for c in range(k)) + \
                "&nbsp;&nbsp;\u00b7 " + text
            tip = "\n".join(f"Class {c + 1}: {theme.class_glyph(c)} {marker_name(c)}"
                            for c in range(k))
        self.legend.setText(text)
        self.legend.setToolTip(tip)

    def _on_experiment_state_changed(self, name: str) -> None:
        e = self.experiment
        if name == "show_test":
            with QSignalBlocker(self.show_test):
                self.show_test.setChecked(e.show_test)
            self.test_points.setVisible(e.show_test)
        elif name == "discretize":
            with QSignalBlocker(self.discretize):
                self.discretize.setChecked(e.discretize)
            self._class_lut = None
            if self._last is not None:
                self.set_snapshot(self._last)

    def _colors(self, labels: np.ndarray) -> list:
        data = self.session.data
        if data.task == "regression":
            lo, hi = data.target_range
            span = max(hi - lo, 1e-12)
            # 256 shades, as the colour bar has: a few hundred markers to render, not one a
            # point (see one_per_colour)
            return [theme.TILE.map(round(float(np.clip((v - lo) / span, 0, 1)) * 255) / 255,
                                   mode="qcolor") for v in labels]
        return [theme.class_color(int(k)) for k in labels]

    def _symbols(self, labels: np.ndarray) -> list | str:
        """Each point's marker: its class's shape (circles for a regression set)."""
        if self.session.data.task == "regression":
            return "o"
        return [theme.class_symbol(int(k)) for k in labels]

    def _brushes(self, labels: np.ndarray) -> list:
        return one_per_colour(self._colors(labels), pg.mkBrush)
