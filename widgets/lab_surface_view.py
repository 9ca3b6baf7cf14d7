"""The lab's contour plot: the loss surface shaded by log loss with log-spaced contour lines, each
racer's path revealed up to the step shown, its current point marked, and the step-by-step
arrows of one racer (gradient, velocity or first moment, second-moment cache, the step taken).

Paths are computed ahead by the model (``playground.lab``); a frame only hands slices of them to
items created once. Clicking the plot (without dragging) asks to start the race there."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem

from playground import lab as lab_model
from widgets import theme

GRID_POINTS = 160
#: Shading of log loss: pale for low loss, grey-blue for high, so coloured paths stand out.
SHADE = pg.ColorMap(np.array([0.0, 1.0]), [QColor("#FFFFFF"), QColor("#D3DAE3")])
CONTOUR = "#A3ADBB"
#: Step-by-step arrows: colour, line style and name of each (-gradient, moment, cache, step),
#: in inks no racer wears (the step takes the racer's own colour).
ARROWS = (("gradient", "#111827", Qt.PenStyle.SolidLine, "\u2212\u2207f"),
          ("moment", "#4B5563", Qt.PenStyle.SolidLine, "\u2212v"),
          ("cache", "#111827", Qt.PenStyle.DashLine, "\u221acache"),
          ("step", "#111827", Qt.PenStyle.SolidLine, "step"))
ARROW_SHARE = 0.18            # the longest gradient-unit arrow spans this much of the view
ARROW_FLOOR = 0.3             # ... and none is drawn shorter than this share of the longest
STEP_LABEL_SHARE = 0.04       # the step arrow (true size) is named when at least this long


def halo_color(color: str) -> str:
    """The outline drawn under a path: white under a dark colour, ink under a light one (the
    palette's sand and cyan would fade into the pale shading)."""
    c = QColor(color)
    light = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF() > 0.55
    return "#4B5563" if light else "#FFFFFF"


def racer_style(index: int) -> tuple[str, str, bool]:
    """(colour '#RRGGBB', pyqtgraph symbol, dashed) of racer ``index``: the colour-blind-safe
    palette in order, each with its own marker; past ten, the colours repeat dashed."""
    n = len(theme.CLASS_COLORS)
    return (theme.CLASS_COLORS[index % n], theme.SYMBOLS[theme.CLASS_MARKERS[index % n]],
            index >= n)


class Backdrop(pg.GraphicsObject):
    """The shaded surface and its contour lines as one item, painted from a cached pixmap: it
    changes with the setup only, while the paths over it change every frame."""

    def __init__(self):
        super().__init__()
        self._image = QImage()
        self._rect = QRectF(0, 0, 1, 1)
        self._path = QPainterPath()
        self._pen = pg.mkPen(CONTOUR, width=1)
        self._pen.setCosmetic(True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_map(self, xs, ys, f, shade, levels) -> None:
        """xs (n,), ys (m,), f and shade (m, n) row-major; levels of f to draw."""
        lo, hi = float(np.min(shade)), float(np.max(shade))
        rgba = pg.functions.makeARGB(shade, lut=SHADE.getLookupTable(0.0, 1.0, 256, alpha=False),
                                     levels=(lo, hi if hi > lo else lo + 1.0))[0]
        # row 0 (the least y) at the rect's top, which the view's y axis puts at the bottom
        self._image = pg.functions.makeQImage(rgba, alpha=False, transpose=False).copy()
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self._rect = QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))
        path = QPainterPath()
        data = np.where(np.isfinite(f), f, np.nanmax(f[np.isfinite(f)])).T   # (x, y) order
        for level in levels:
            for line in pg.functions.isocurve(data, float(level), connected=True,
                                              extendToEdge=True):
                pts = np.asarray(line, dtype=np.float64)
                path.moveTo(xs[0] + pts[0, 0] * dx, ys[0] + pts[0, 1] * dy)
                for px, py in pts[1:]:
                    path.lineTo(xs[0] + px * dx, ys[0] + py * dy)
        self._path = path
        self.prepareGeometryChange()
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter, *args) -> None:
        painter.drawImage(self._rect, self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self._pen)
        painter.drawPath(self._path)


class _Arrow:
    """A line with an arrow head and a label, drawn from a point along a vector."""

    def __init__(self, plot, color: str, style, name: str):
        self.line = pg.PlotCurveItem(pen=pg.mkPen(color, width=theme.line(3.5), style=style))
        self.head = pg.ArrowItem(pen=pg.mkPen(color), brush=pg.mkBrush(color), headLen=16,
                                 tailLen=None, pxMode=True)
        self.label = pg.TextItem(name, color=color, anchor=(-0.1, 0.5),
                                 fill=pg.mkBrush(255, 255, 255, 215))
        self.label.setFont(theme.font(1, bold=True))
        for item in (self.line, self.head, self.label):
            item.setZValue(30)
            plot.addItem(item)
        self.set_visible(False)

    def set(self, origin, vector) -> None:
        ok = np.all(np.isfinite(origin)) and np.all(np.isfinite(vector)) \
            and float(np.hypot(*vector)) > 0.0
        self.set_visible(bool(ok))
        if not ok:
            return
        tip = origin + vector
        self.line.setData([origin[0], tip[0]], [origin[1], tip[1]])
        self.head.setPos(float(tip[0]), float(tip[1]))
        self.head.setStyle(angle=180.0 - math.degrees(math.atan2(vector[1], vector[0])))
        self.label.setPos(float(tip[0]), float(tip[1]))
        c, s = vector / float(np.hypot(*vector))          # the name just beyond the tip
        self.label.setAnchor((0.5 - 0.6 * c, 0.5 + 0.6 * s))

    def set_color(self, color: str) -> None:
        pen = pg.mkPen(color, width=theme.line(3.5))
        self.line.setPen(pen)
        self.head.setStyle(pen=pg.mkPen(color), brush=pg.mkBrush(color))
        self.label.setColor(color)

    def set_visible(self, visible: bool) -> None:
        for item in (self.line, self.head, self.label):
            item.setVisible(visible)


class LabSurfaceView(pg.PlotWidget):
    """Contours, paths and arrows of a ``playground.lab.Lab``; ``start_clicked(x, y)`` when
    the user clicks a point of the plot."""

    start_clicked = Signal(float, float)

    def __init__(self, lab, parent=None):
        super().__init__(parent)
        self.lab = lab
        self.inspected: int | None = None        # the racer whose arrows are drawn
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setAspectLocked(True)
        self.setMinimumSize(320, 240)
        self.setLabel("bottom", "x")
        self.setLabel("left", "y")
        theme.cache_axes(self.getPlotItem())
        self.backdrop = Backdrop()
        self._backdrop_key = None
        self.backdrop.setZValue(-20)
        self.addItem(self.backdrop)
        self.marks = pg.ScatterPlotItem(symbol="star", size=theme.marker(14),
                                        brush=pg.mkBrush("#FFFFFF"),
                                        pen=pg.mkPen(theme.INK, width=1.2))
        self.marks.setZValue(5)
        self.addItem(self.marks)
        self.start_mark = pg.ScatterPlotItem(symbol="+", size=theme.marker(18),
                                             brush=pg.mkBrush(theme.INK),
                                             pen=pg.mkPen(theme.INK, width=2))
        self.start_mark.setZValue(25)
        self.addItem(self.start_mark)
        self.halos: list[pg.PlotCurveItem] = []
        self.curves: list[pg.PlotCurveItem] = []
        self.heads = pg.ScatterPlotItem(size=theme.marker(12), pxMode=True)
        self.heads.setZValue(20)
        self.addItem(self.heads)
        self._head_style: dict = {}
        self.arrows = {key: _Arrow(self, color, style, name)
                       for key, color, style, name in ARROWS}
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        lab.subscribe(self._on_lab_changed)
        self._rebuild()

    # ---- model -> view ----------------------------------------------------------------------
    def _on_lab_changed(self, what: str) -> None:
        if what == "setup":
            self._rebuild()
        elif what == "frame":
            self.show_frame()

    def _rebuild(self) -> None:
        setup = self.lab.setup
        surface = setup.make_surface()
        box = surface.box
        key = (setup.surface, tuple(sorted(setup.surface_params.items())))
        if key != self._backdrop_key:         # the start, racers or noise leave it as it is
            self._backdrop_key = key
            contour = lab_model.contour_map(setup, box, GRID_POINTS)
            self.backdrop.set_map(*contour)
            self.levels = contour.levels
        points = list(surface.minima) + list(surface.saddles)
        self.marks.setData([p[0] for p in points], [p[1] for p in points])
        self._make_paths(len(setup.racers))
        self.setRange(xRange=box[:2], yRange=box[2:], padding=0.02)
        self.show_frame()

    def _make_paths(self, n: int) -> None:
        while len(self.curves) > n:
            for items in (self.halos, self.curves):
                self.removeItem(items.pop())
        while len(self.curves) < n:
            i = len(self.curves)
            color, symbol, dashed = racer_style(i)
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            # An outline only under the light colours (it doubles a path's drawing cost)
            halo = pg.PlotCurveItem(pen=pg.mkPen(halo_color(color), width=theme.line(4.5)))
            halo.setSegmentedLineMode("on")
            curve = pg.PlotCurveItem(pen=pg.mkPen(color, width=theme.line(2.5), style=style))
            curve.setSegmentedLineMode("off" if dashed else "on")   # thick lines: faster
            for z, item in ((10 + i * 0.01, halo), (11 + i * 0.01, curve)):
                item.setZValue(z)
                self.addItem(item)
            self.halos.append(halo)
            self.curves.append(curve)
        styles = [racer_style(i) for i in range(n)]
        self._head_style = dict(symbol=[s[1] for s in styles],
                                brush=[pg.mkBrush(s[0]) for s in styles],
                                pen=[pg.mkPen(halo_color(s[0]), width=1.5) for s in styles])

    def show_frame(self) -> None:
        """Draw every visible path up to the step shown (slices of the computed paths); the
        racers' current points are one item (one marker each)."""
        setup, t = self.lab.setup, self.lab.shown
        self.start_mark.setData([setup.start[0]], [setup.start[1]])
        heads, shown = [], []
        for i, (racer, path) in enumerate(zip(setup.racers, self.lab.paths)):
            halo, curve = self.halos[i], self.curves[i]
            outlined = halo_color(racer_style(i)[0]) != "#FFFFFF"
            curve.setVisible(racer.visible)
            halo.setVisible(racer.visible and outlined)
            if not racer.visible:
                continue
            xy = path.xy[:t + 1]
            xy = xy[np.isfinite(xy[:, 0]) & np.isfinite(xy[:, 1])]
            if outlined:
                halo.setData(xy[:, 0], xy[:, 1])
            curve.setData(xy[:, 0], xy[:, 1])
            heads.append(xy[-1])
            shown.append(i)
        style = {k: [v[i] for i in shown] for k, v in self._head_style.items()}
        points = np.array(heads).reshape(-1, 2)
        self.heads.setData(points[:, 0], points[:, 1], **style)
        self._show_arrows()

    def set_inspected(self, index: int | None) -> None:
        """Draw the step-by-step arrows of racer ``index`` (None: none)."""
        self.inspected = index
        self._show_arrows()

    def _show_arrows(self) -> None:
        index = self.inspected
        if index is None or index >= len(self.lab.paths):
            for arrow in self.arrows.values():
                arrow.set_visible(False)
            return
        look = self.lab.inspect(index)
        flip = np.where(look.gradient > 0, -1.0, 1.0)      # the cache drawn downhill, like -g
        shown = {"gradient": -look.gradient,
                 "moment": None if look.moment is None else -look.moment,
                 "cache": None if look.cache is None else np.sqrt(np.maximum(look.cache, 0.0))
                 * flip}
        self.arrows["moment"].label.setText("\u2212" + look.moment_name)
        self.arrows["cache"].label.setText("\u221a" + look.cache_name)
        (x0, x1), (y0, y1) = self.viewRange()
        span = min(x1 - x0, y1 - y0)
        drawn = [v for v in shown.values() if v is not None and np.all(np.isfinite(v))]
        longest = max((float(np.hypot(*v)) for v in drawn), default=0.0)
        for key, vector in shown.items():
            length = float(np.hypot(*vector)) if vector is not None else 0.0
            if vector is None or longest <= 0.0 or not np.isfinite(length) or length == 0.0:
                self.arrows[key].set_visible(False)
                continue
            # proportional to the longest, but never so short that it hides under its label;
            # the readout beside the plot gives the true numbers
            share = max(length / longest, ARROW_FLOOR) * ARROW_SHARE * span
            self.arrows[key].set(look.point, vector / length * share)
        self.arrows["step"].set_color(racer_style(index)[0])
        self.arrows["step"].set(look.point, look.step)
        step_length = float(np.hypot(*look.step)) if np.all(np.isfinite(look.step)) else 0.0
        self.arrows["step"].label.setVisible(self.arrows["step"].line.isVisible()
                                             and step_length >= STEP_LABEL_SHARE * span)

    # ---- view -> model ----------------------------------------------------------------------
    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        vb = self.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        event.accept()
        self.start_clicked.emit(float(point.x()), float(point.y()))
