"""The large output view: the decision boundary (or regression surface) over the data range,
training points filled and test points outlined, with a colour bar; or, while a neuron is
hovered in the network builder, that neuron's map."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from widgets import theme
from widgets.controls import send

POINT_SIZE = 9


def class_rgb_image(probabilities: np.ndarray, discretize: bool) -> np.ndarray:
    """(R, R, 3) uint8 picture of (R, R, K) class probabilities: each pixel is the likeliest
    class's colour, paler where the network is less sure."""
    k = probabilities.shape[-1]
    top = np.argmax(probabilities, axis=-1)
    if discretize:
        strength = np.full(top.shape, 0.55, dtype=np.float32)
    else:
        conf = np.max(probabilities, axis=-1)
        strength = 0.15 + 0.6 * np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0, 1)
    colors = theme.class_rgb()[top % len(theme.CLASS_COLORS)]
    white = np.float32(250.0)
    rgb = white + (colors - white) * strength[..., None]
    return rgb.astype(np.uint8)


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
        self.show_test.setToolTip("Show the test points (outlined)")
        self.discretize = QCheckBox("Discretize")
        self.discretize.setToolTip("Show hard class regions instead of probabilities")
        self.show_test.toggled.connect(lambda on: send(experiment, "show_test", on,
                                                       self.show_test))
        self.discretize.toggled.connect(lambda on: send(experiment, "discretize", on,
                                                        self.discretize))
        top = QHBoxLayout()
        top.setContentsMargins(12, 6, 12, 0)
        top.addWidget(self.caption, 1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setMinimumSize(200, 150)
        self.plot = self.graphics.addPlot()
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setStyle(tickFont=theme.font(-1))
        theme.cache_axes(self.plot)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=POINT_SIZE, pxMode=True)
        self.test_points = pg.ScatterPlotItem(size=POINT_SIZE, pxMode=True)
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=theme.DIVERGING,
                                        interactive=False, width=16)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.colorbar.setCacheMode(self.colorbar.CacheMode.DeviceCoordinateCache)
        self.legend = QLabel("\u25cf training  \u25cb test")
        self.legend.setProperty("role", "hint")
        bottom = QHBoxLayout()
        bottom.setContentsMargins(12, 0, 12, 0)
        bottom.setSpacing(14)
        bottom.addWidget(self.legend, 1)
        bottom.addWidget(self.show_test)
        bottom.addWidget(self.discretize)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(bottom)
        self._focus = None
        self._last = None
        self._rect = QRectF(0, 0, 1, 1)
        self._shown_shape = None
        experiment.state_changed.connect(self._on_experiment_state_changed)
        session.network_rebuilt.connect(self.set_data)
        session.snapshot_ready.connect(self.set_snapshot)
        self._on_experiment_state_changed("show_test")
        self._on_experiment_state_changed("discretize")
        self.set_data()

    # ---- model -> view ----------------------------------------------------------------------
    def set_data(self) -> None:
        """Place the points and the image rectangle for the session's current data."""
        data = self.session.data
        if data is None:
            return
        x0, x1, y0, y1 = data.extent
        self._rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        self._shown_shape = None
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.train_points.setData(pos=data.points_train, brush=self._brushes(data.labels_train),
                                  pen=pg.mkPen("#FFFFFF", width=1.2), symbol="o")
        test_pens = [pg.mkPen(c, width=2.2) for c in self._colors(data.labels_test)]
        self.test_points.setData(pos=data.points_test, brush=pg.mkBrush(255, 255, 255, 200),
                                 pen=test_pens, symbol="o")
        if data.task == "regression":
            lo, hi = data.target_range
            self.colorbar.setLevels((lo, hi))
            self.colorbar.setVisible(True)
        elif data.task == "binary":
            self.colorbar.setLevels((0.0, 1.0))
            self.colorbar.setVisible(True)
        else:
            self.colorbar.setVisible(False)
        self._update_caption()

    def set_snapshot(self, snapshot) -> None:
        self._last = snapshot
        self._draw(snapshot)
        shape = self.image.image.shape[:2] if self.image.image is not None else None
        if shape != self._shown_shape:   # the rectangle scales pixels: set it per image size
            self.image.setRect(self._rect)
            self._shown_shape = shape

    def _draw(self, snapshot) -> None:
        data = self.session.data
        focused = snapshot.focus is not None and self._focus is not None
        self.colorbar.setVisible(not focused and self.session.data.task != "multiclass")
        if focused:
            scale = max(1.0, float(np.max(np.abs(snapshot.focus))))
            self.image.setImage(snapshot.focus, levels=(-scale, scale), lut=theme.TILE_LUT,
                                autoLevels=False)
            return
        boundary = snapshot.boundary
        if data.task == "multiclass":
            self.image.setImage(class_rgb_image(boundary, self.experiment.discretize),
                                autoLevels=False, levels=None, lut=None)
        elif data.task == "binary":
            image = (boundary > 0.5).astype(np.float32) * 0.7 + 0.15 \
                if self.experiment.discretize else boundary
            self.image.setImage(image, levels=(0.0, 1.0), lut=theme.DIVERGING_LUT,
                                autoLevels=False)
        else:
            self.image.setImage(boundary, levels=data.target_range, lut=theme.DIVERGING_LUT,
                                autoLevels=False)

    def set_focus(self, key) -> None:
        """Show hidden neuron ``key`` = (layer, unit) large, or the output when None."""
        self._focus = key
        self._update_caption()
        if key is None and self._last is not None:
            self.set_snapshot(self._last)

    def _update_caption(self) -> None:
        data = self.session.data
        if self._focus is not None:
            layer, unit = self._focus
            self.caption.setText(f"Layer {layer + 1} \u00b7 neuron {unit + 1}")
        elif data is not None and data.task == "regression":
            self.caption.setText("Predicted surface")
        else:
            self.caption.setText("Decision boundary")

    def _on_experiment_state_changed(self, name: str) -> None:
        e = self.experiment
        if name == "show_test":
            with QSignalBlocker(self.show_test):
                self.show_test.setChecked(e.show_test)
            self.test_points.setVisible(e.show_test)
        elif name == "discretize":
            with QSignalBlocker(self.discretize):
                self.discretize.setChecked(e.discretize)
            if self._last is not None:
                self.set_snapshot(self._last)

    def _colors(self, labels: np.ndarray) -> list:
        data = self.session.data
        if data.task == "regression":
            lo, hi = data.target_range
            span = max(hi - lo, 1e-12)
            return [theme.DIVERGING.map(np.clip((v - lo) / span * 1.0, 0, 1), mode="qcolor")
                    for v in labels]
        return [theme.class_color(int(k)) for k in labels]

    def _brushes(self, labels: np.ndarray) -> list:
        if self.session.data.task == "regression":
            lo, hi = self.session.data.target_range
            span = max(hi - lo, 1e-12)
            return [pg.mkBrush(theme.TILE.map(np.clip((v - lo) / span, 0, 1), mode="qcolor"))
                    for v in labels]
        return [pg.mkBrush(c) for c in self._colors(labels)]
