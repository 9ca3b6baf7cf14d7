"""Plot items for the curves: axes whose tick labels stay short and readable (linear or log),
peak downsampling, and a bare polyline item that repaints only what changed.

The curves are bare polylines (``LineItem``) that skip pyqtgraph's per-item bookkeeping,
decimated to twice the plot's width in pixels by keeping each bin's lowest and highest value
(peak downsampling).
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPainterPath




def short_number(value: float) -> str:
    """3 significant digits, exponent without + or leading zeros: 1500, 2e5, 1e176, 2.5e-7."""
    text = f"{value:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


class NumberAxis(pg.AxisItem):
    """Tick labels that stay short for any size (a diverged loss reaches 1e176): 0.25, 1500,
    2e5, 1e176. With ``log_ticks`` the axis shows log10 of the values (the panel plots
    log10(loss) itself): labelled ticks at whole decades (1, 10, 100 or 0.01, 0.1...) far
    enough apart to read, and at 2 and 5 times them where a decade is tall enough."""

    #: pixels between labelled ticks on a vertical axis, at least
    MIN_LABEL_PITCH = 30

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.log_ticks = False

    def set_log_ticks(self, on: bool) -> None:
        if on != self.log_ticks:
            self.log_ticks = on
            self.picture = None
            self.update()

    def tickValues(self, minVal, maxVal, size):
        if not self.log_ticks:
            return super().tickValues(minVal, maxVal, size)
        return log_tick_values(minVal, maxVal, size, self.MIN_LABEL_PITCH)

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
        if self.log_ticks:
            return [short_number(10.0 ** float(v)) for v in values]
        if self.logMode or not len(values):
            return super().tickStrings(values, scale, spacing)
        if max(abs(float(v) * scale) for v in values) < 1e4:
            # as many decimals as the spacing has: 0.025 apart reads 0.025, 0.050, not 0.03
            step = abs(float(spacing) * scale)
            places = next((p for p in range(12) if abs(step * 10 ** p - round(step * 10 ** p))
                           < 1e-6 * max(1.0, step * 10 ** p)), 12)
            return [f"{float(v) * scale:.{places}f}" for v in values]
        return [short_number(float(v) * scale) for v in values]


def log_tick_values(lo: float, hi: float, size: float, pitch: float) -> list:
    """pyqtgraph's [(spacing, values), ...] for an axis of log10 values from lo to hi over
    ``size`` pixels: whole decades every k decades (k = 1, 2, 5, 10, 20... so that labels are
    ``pitch`` pixels apart at least), then 2x and 5x each decade when a decade is 3 pitches."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo or size <= 0:
        return []
    per_decade = size / (hi - lo)
    k = 1.0
    while k * per_decade < pitch:
        k *= 2.5 if round(k / 10.0 ** np.floor(np.log10(k)), 6) == 2.0 else 2.0
    first = np.ceil(lo / k - 1e-9) * k
    decades = [float(v) for v in np.arange(first, hi + 1e-9, k)]
    levels = [(k, decades)]
    if k == 1.0 and per_decade * np.log10(2.0) >= pitch:
        offsets = np.log10([2.0, 5.0])
        between = [float(d + o) for d in np.arange(np.floor(lo), np.ceil(hi))
                   for o in offsets if lo <= d + o <= hi]
        levels.append((1.0, between))
    return levels


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

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange=None):
        """The finite data's extent along ``axis`` (0: x, 1: y), as pyqtgraph's autorange asks
        for it (the bounding rectangle is the whole view, which autorange must not grow)."""
        values = self._x if axis == 0 else self._y
        values = values[np.isfinite(values)]
        return (float(values.min()), float(values.max())) if len(values) else (None, None)

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
