"""Train and test loss curves (linear or log, hover readout, peak downsampling) and accuracy.

The axes' ranges are set by hand in nice steps (0 to 500 steps, then to 1000...), so they stay
put between refreshes and their cached pictures stay valid; the curves are bare polylines
(``LineItem``) that skip pyqtgraph's per-item bookkeeping, decimated to twice the plot's width
in pixels by keeping each bin's lowest and highest value (peak downsampling).
"""
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QPainter, QPainterPath
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from widgets import theme
from widgets.controls import ValueLabel, send

REFRESH_SECONDS = 0.1
NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceil(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at or above value (an axis end
    that stays put while the data grows towards it, so the axes are not redrawn at every
    refresh)."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(value))
    return float(next(m for m in NICE_STEPS if m * scale >= value * (1 - 1e-12)) * scale)


def short_number(value: float) -> str:
    """3 significant digits, exponent without + or leading zeros: 1500, 2e5, 1e176, 2.5e-7."""
    text = f"{value:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


class NumberAxis(pg.AxisItem):
    """Tick labels that stay short for any size (a diverged loss reaches 1e176): 0.25, 1500,
    2e5, 1e176."""

    #: pixels between labelled ticks on a vertical axis, at least
    MIN_LABEL_PITCH = 30

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        if self.orientation not in ("left", "right") or not levels or maxVal <= minVal:
            return levels
        # pyqtgraph packs about log(size) labels however short the axis; on a short plot
        # that stacks them on top of each other. Widen the major step until they breathe.
        most = max(2, int(size // self.MIN_LABEL_PITCH))
        major = levels[0][0]
        while (maxVal - minVal) / major > most:
            mantissa = round(major / 10.0 ** np.floor(np.log10(major)), 6)
            major *= 2.5 if mantissa == 2.0 else 2.0        # 1, 2, 5, 10, 20, 50...
        if major == levels[0][0]:
            return levels
        return [(major, 0), (major / 2, 0)]

    def tickStrings(self, values, scale, spacing):
        if self.logMode or not len(values) or \
                max(abs(float(v) * scale) for v in values) < 1e4:
            return super().tickStrings(values, scale, spacing)
        return [short_number(float(v) * scale) for v in values]


def _style_plot(plot: pg.PlotItem, y_label: str, x_label: bool) -> None:
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(False, False)     # the ranges are the panel's (see _fit_ranges)
    plot.setLabel("left", y_label)
    if x_label:
        plot.setLabel("bottom", "step")
    else:
        plot.getAxis("bottom").setStyle(showValues=False)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).setStyle(tickFont=theme.font(-1))
        plot.getAxis(axis).label.setFont(theme.font(-1))
        plot.getAxis(axis).enableAutoSIPrefix(False)
    left = plot.getAxis("left")
    left.setWidth(56)
    # Fewer, readable tick labels on a short axis (pyqtgraph's default fills 60% with text).
    left.setStyle(textFillLimits=[(0, 0.8), (2, 0.45), (4, 0.3), (6, 0.2)])
    theme.cache_axes(plot)


def peak_decimate(x: np.ndarray, y: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``points`` points of the polyline (x, y): bins of consecutive points each
    kept as their lowest and highest y (NaN ignored), so no spike is lost."""
    n = len(x)
    if n <= points:
        return x, y
    k = -(-2 * n // points)
    m = n - n % k
    xb, yb = x[:m].reshape(-1, k), y[:m].reshape(-1, k)
    xs = np.column_stack([xb[:, 0], xb[:, -1]]).ravel()
    ys = np.column_stack([np.fmin.reduce(yb, axis=1), np.fmax.reduce(yb, axis=1)]).ravel()
    return np.concatenate([xs, x[m:]]), np.concatenate([ys, y[m:]])


def polyline(x: np.ndarray, y: np.ndarray) -> QPainterPath:
    """The path through the points (x, y), broken where one is not finite (pyqtgraph's
    ``connect="finite"``); a few finite points are joined quicker here than by pyqtgraph."""
    if len(x) > 32 or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return pg.arrayToQPath(x, y, connect="finite")
    path = QPainterPath(QPointF(x[0], y[0]))
    for px, py in zip(x[1:].tolist(), y[1:].tolist()):
        path.lineTo(px, py)
    return path


def first_difference(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> int:
    """Index of the first point where polyline (x1, y1) differs from (x0, y0) (NaN equals NaN),
    or the shorter one's length when one begins with the other."""
    n = min(len(x0), len(x1))
    same = ((x0[:n] == x1[:n]) | (np.isnan(x0[:n]) & np.isnan(x1[:n]))) & \
        ((y0[:n] == y1[:n]) | (np.isnan(y0[:n]) & np.isnan(y1[:n])))
    return int(np.argmin(same)) if not same.all() else n


class LineItem(pg.GraphicsObject):
    """A curve drawn as one path through its finite points (gaps where a value is NaN or
    infinite). ``xData`` and ``yData`` are the points given to ``setData``.

    Qt strokes an antialiased wide line at several microseconds a segment, however little of
    it is on show, so the curve repaints only around the points that changed (a growing curve:
    its new end) and paints only the segments whose stroke reaches the exposed area.
    """

    def __init__(self, pen):
        super().__init__()
        self.pen = pen
        self.xData = self.yData = None
        self._x = self._y = np.zeros(0)
        self._path: QPainterPath | None = None      # the whole curve, made when painted whole
        # paint() is told what part of the plot it repaints (option.exposedRect)
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def setData(self, x: np.ndarray, y: np.ndarray) -> None:
        self.xData, self.yData = x, y
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        first = first_difference(self._x, self._y, x, y)
        if first == len(x) == len(self._x):
            return                          # the same curve
        # Segments change from the one ending at the first changed point on, old and new.
        start = max(first - 1, 0)
        old_x, old_y = self._x[start:], self._y[start:]
        self._x, self._y, self._path = x, y, None
        self._update_around(np.concatenate([old_x, x[start:]]),
                            np.concatenate([old_y, y[start:]]))

    def _margin(self) -> float:
        """Pixels around a point that its stroke may touch (square caps, antialiasing)."""
        return self.pen.widthF() + 2.0

    def _update_around(self, x: np.ndarray, y: np.ndarray) -> None:
        """Repaint where the stroke through the points (x, y) lies."""
        finite = np.isfinite(x) & np.isfinite(y)
        if not finite.any():
            return
        view = self.getViewWidget()
        to_device = self.deviceTransform(view.viewportTransform()) if view is not None \
            else None
        if to_device is None or not to_device.isInvertible():
            self.update()
            return
        x, y, m = x[finite], y[finite], self._margin()
        rect = to_device.mapRect(QRectF(QPointF(x.min(), y.min()), QPointF(x.max(), y.max())))
        self.update(to_device.inverted()[0].mapRect(rect.adjusted(-m, -m, m, m)))

    def boundingRect(self) -> QRectF:
        view = self.getViewBox()       # the whole plot: the ranges are fixed, the pen is wide
        return view.viewRect() if view is not None else self._whole_path().boundingRect()

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.pen)
        painter.drawPath(self._path_near(option.exposedRect, painter.transform()))

    def _path_near(self, exposed: QRectF, to_device) -> QPainterPath:
        """The part of the curve whose stroke may reach ``exposed`` (item coordinates), with
        one more segment at each end so that its end points are joined as in the whole curve
        (their own ends, capped, lie too far away to show)."""
        x, y = self._x, self._y
        if len(x) < 2 or not to_device.isInvertible():
            return self._whole_path()
        m = self._margin()
        area = to_device.inverted()[0].mapRect(
            to_device.mapRect(exposed).adjusted(-m, -m, m, m))
        near = np.flatnonzero((np.minimum(x[:-1], x[1:]) <= area.right()) &
                              (np.maximum(x[:-1], x[1:]) >= area.left()) &
                              (np.minimum(y[:-1], y[1:]) <= area.bottom()) &
                              (np.maximum(y[:-1], y[1:]) >= area.top()))
        if not len(near):
            return QPainterPath()
        lo, hi = max(near[0] - 1, 0), min(near[-1] + 3, len(x))    # segment i joins i, i + 1
        if lo == 0 and hi == len(x):
            return self._whole_path()
        return polyline(x[lo:hi], y[lo:hi])

    def _whole_path(self) -> QPainterPath:
        if self._path is None:
            self._path = polyline(self._x, self._y) if len(self._x) > 1 else QPainterPath()
        return self._path


def _curve(plot: pg.PlotItem, color: str) -> LineItem:
    item = LineItem(pg.mkPen(color, width=2.5))
    plot.addItem(item)
    return item


class CurvesPanel(QWidget):
    """Loss and accuracy over steps, redrawn from the session's history at each snapshot."""

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.session = session
        self.readout = {}
        numbers = QGridLayout()
        numbers.setContentsMargins(12, 6, 12, 0)
        numbers.setHorizontalSpacing(16)
        numbers.setVerticalSpacing(0)
        for col, (title, color) in enumerate((("Train", theme.TRAIN_CURVE),
                                              ("Test", theme.TEST_CURVE)), start=1):
            head = QLabel(title)
            head.setProperty("role", "hint")
            head.setStyleSheet(f"color: {color}; font-weight: bold;")
            numbers.addWidget(head, 0, col)
        self.row_titles = {}
        for row, (kind, title) in enumerate((("loss", "Loss"), ("accuracy", "Accuracy")),
                                            start=1):
            label = QLabel(title)
            label.setProperty("role", "hint")
            numbers.addWidget(label, row, 0)
            self.row_titles[kind] = label
            for col, (split, color) in enumerate((("train", theme.TRAIN_CURVE),
                                                  ("test", theme.TEST_CURVE)), start=1):
                value = ValueLabel("100.0%")
                value.setText("\u2013")
                value.setFont(theme.font(4, bold=True))
                value.setStyleSheet(f"color: {color};")
                numbers.addWidget(value, row, col)
                self.readout[f"{split}_{kind}"] = value
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.toggled.connect(lambda on: send(experiment, "log_loss", on,
                                                       self.log_scale))
        numbers.addWidget(self.log_scale, 0, 3, 2, 1,
                          Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        numbers.setColumnStretch(3, 1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setMinimumHeight(110)
        self.loss_plot = self.graphics.addPlot(row=0, col=0, axisItems={
            "left": NumberAxis("left"), "bottom": NumberAxis("bottom")})
        _style_plot(self.loss_plot, "loss", x_label=False)
        # The coloured numbers above are the legend: train in ink, test in orange.
        self.train_curve = _curve(self.loss_plot, theme.TRAIN_CURVE)
        self.test_curve = _curve(self.loss_plot, theme.TEST_CURVE)
        self.accuracy_plot = self.graphics.addPlot(row=1, col=0, axisItems={
            "bottom": NumberAxis("bottom")})
        _style_plot(self.accuracy_plot, "accuracy", x_label=True)
        self.accuracy_plot.setYRange(-0.08, 1.08, padding=0)
        self.accuracy_plot.getAxis("left").setTicks([[(0.0, "0%"), (0.5, "50%"),
                                                      (1.0, "100%")], []])
        self.accuracy_plot.setXLink(self.loss_plot)
        # Ranges are set by hand, in nice steps: autorange would move the axes (and redraw
        # them) at every refresh.
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.disableAutoRange()
        self._x_end, self._y_end = 0.0, None
        self.train_accuracy = _curve(self.accuracy_plot, theme.TRAIN_CURVE)
        self.test_accuracy = _curve(self.accuracy_plot, theme.TEST_CURVE)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.graphics.ci.layout.setVerticalSpacing(0)

        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#9CA3AF", width=1))
        self.cursor.setVisible(False)
        self.loss_plot.addItem(self.cursor, ignoreBounds=True)
        self.hover_text = pg.TextItem(color=theme.INK, anchor=(0, 1),
                                      fill=pg.mkBrush(255, 255, 255, 230),
                                      border=pg.mkPen("#D1D5DB"))
        self.hover_text.setFont(theme.font(-1))
        self.hover_text.setVisible(False)
        self.loss_plot.addItem(self.hover_text, ignoreBounds=True)
        self.graphics.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)

        self._refreshed = 0.0
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.timeout.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(4)
        layout.addLayout(numbers)
        layout.addWidget(self.graphics, 1)
        experiment.state_changed.connect(self._on_experiment_state_changed)
        session.snapshot_ready.connect(self.set_snapshot)
        session.network_rebuilt.connect(self.refresh)
        self._on_experiment_state_changed("log_loss")
        self.refresh()

    # ---- model -> view ----------------------------------------------------------------------
    def set_snapshot(self, snapshot) -> None:
        """Redraw at most every REFRESH_SECONDS (curves need no 60 Hz); the last one waits."""
        if not self.isVisible():
            return                          # brought up to date when shown
        now = time.perf_counter()
        if now - self._refreshed >= REFRESH_SECONDS:
            self.refresh()
        elif not self._pending.isActive():
            self._pending.start(int(REFRESH_SECONDS * 1000))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    #: Below this plot height (pixels) the rotated "loss"/"accuracy" titles would overlap;
    #: the readout above already names the rows, so the axis titles step aside.
    AXIS_TITLE_MIN_HEIGHT = 90

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_axis_titles()

    def _fit_axis_titles(self) -> None:
        rows = 2 if self.accuracy_plot.scene() is not None else 1
        # the loss row gets 3/5 of the plot area when the accuracy row is shown
        height = self.graphics.height() * (0.6 if rows == 2 else 1.0) - 30
        show = height >= self.AXIS_TITLE_MIN_HEIGHT
        for plot in (self.loss_plot, self.accuracy_plot):
            axis = plot.getAxis("left")
            if axis.label.isVisible() != show:
                axis.showLabel(show)

    def refresh(self) -> None:
        self._refreshed = time.perf_counter()
        self._pending.stop()
        h = self.session.history
        steps = h.column("step")
        points = max(200, 2 * int(self.loss_plot.vb.width()))
        for item, name in ((self.train_curve, "train_loss"), (self.test_curve, "test_loss"),
                           (self.train_accuracy, "train_accuracy"),
                           (self.test_accuracy, "test_accuracy")):
            y = h.column(name)
            if self.experiment.log_loss and "loss" in name:
                with np.errstate(divide="ignore", invalid="ignore"):
                    y = np.log10(y)
            item.setData(*peak_decimate(steps, y, points))
        self._fit_ranges(steps)
        has_accuracy = self.session.data is not None and self.session.data.task != "regression"
        shown = self.accuracy_plot.scene() is not None
        if has_accuracy and not shown:
            self.graphics.addItem(self.accuracy_plot, row=1, col=0)
            self._style_axes_for(accuracy=True)
        elif shown and not has_accuracy:
            self.graphics.removeItem(self.accuracy_plot)
            self._style_axes_for(accuracy=False)
        if shown != has_accuracy:
            self._fit_axis_titles()
        if has_accuracy != self.row_titles["accuracy"].isVisibleTo(self):
            for widget in (self.row_titles["accuracy"], self.readout["train_accuracy"],
                           self.readout["test_accuracy"]):
                widget.setVisible(has_accuracy)        # no accuracy for a regression
        for key, label in self.readout.items():
            value = h.last(key) if len(h) else float("nan")
            if not np.isfinite(value):
                label.setText("\u2013" if len(h) == 0 or "accuracy" in key else "NaN")
            elif "accuracy" in key:
                label.setText(f"{value * 100:.1f}%")
            else:
                label.setText(theme.number(value))

    def _fit_ranges(self, steps: np.ndarray) -> None:
        """Step axis from 0 to the next nice number past the last step; loss axis from 0 to the
        next nice number past the largest finite loss (log scale: the finite losses' span)."""
        h = self.session.history
        x_end = nice_ceil(float(steps[-1])) if len(steps) else 1.0
        if x_end != self._x_end:
            self._x_end = x_end
            self.loss_plot.setXRange(0.0, x_end, padding=0.02)
        losses = np.concatenate([h.column("train_loss"), h.column("test_loss")])
        losses = losses[np.isfinite(losses)]
        if self.experiment.log_loss:
            positive = losses[losses > 0]
            lo, hi = (np.log10(positive.min()), np.log10(positive.max())) if len(positive) \
                else (-2.0, 0.0)
            y_range = (np.floor(lo * 2) / 2, max(np.ceil(hi * 2) / 2, np.floor(lo * 2) / 2 + 0.5))
        else:
            y_range = (0.0, nice_ceil(float(losses.max())) if len(losses) else 1.0)
        if y_range != self._y_end:
            self._y_end = y_range
            self.loss_plot.setYRange(*y_range, padding=0.02)

    def _style_axes_for(self, accuracy: bool) -> None:
        """The step axis sits under the lowest plot: the accuracy plot when it is shown."""
        bottom = self.loss_plot.getAxis("bottom")
        bottom.setStyle(showValues=not accuracy)
        self.loss_plot.setLabel("bottom", "" if accuracy else "step")
        if accuracy:
            bottom.showLabel(False)

    def _on_experiment_state_changed(self, name: str) -> None:
        if name == "log_loss":
            with QSignalBlocker(self.log_scale):
                self.log_scale.setChecked(self.experiment.log_loss)
            self.loss_plot.setLogMode(y=self.experiment.log_loss)
            self._y_end = None
            self.refresh()

    def _on_scene_mouse_moved(self, pos) -> None:
        vb = self.loss_plot.vb
        h = self.session.history
        if not vb.sceneBoundingRect().contains(pos) or len(h) == 0:
            self.cursor.setVisible(False)
            self.hover_text.setVisible(False)
            return
        x = vb.mapSceneToView(pos).x()
        steps = h.column("step")
        i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
        if i > 0 and abs(steps[i - 1] - x) < abs(steps[i] - x):
            i -= 1
        train, test = h.column("train_loss")[i], h.column("test_loss")[i]
        text = f"step {int(steps[i])}\ntrain {theme.number(train)}"
        if np.isfinite(test):
            text += f"\ntest {theme.number(test)}"
        self.cursor.setValue(steps[i])
        self.cursor.setVisible(True)
        y_view = vb.mapSceneToView(pos).y()
        self.hover_text.setText(text)
        self.hover_text.setPos(steps[i], y_view)
        self.hover_text.setVisible(True)

    def hover_readout(self) -> str:
        return self.hover_text.toPlainText() if self.hover_text.isVisible() else ""
