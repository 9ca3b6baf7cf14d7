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
from PySide6.QtGui import QColor, QTransform
from PySide6.QtWidgets import QGraphicsItem

from playground import lab as lab_model
from widgets import theme

GRID_POINTS = 220
#: Shading of log loss: pale for low loss, grey-blue for high, so coloured paths stand out.
SHADE = pg.ColorMap(np.array([0.0, 1.0]), [QColor("#FFFFFF"), QColor("#D3DAE3")])
CONTOUR = "#A3ADBB"
#: Step-by-step arrows: colour and name of each (-gradient, moment, cache, step).
ARROWS = (("gradient", "#CC3311", "\u2212\u2207f"), ("moment", "#009E73", "v"),
          ("cache", "#882255", "\u221acache"), ("step", "#1B1B1B", "step"))
ARROW_SHARE = 0.18            # the longest gradient-unit arrow spans this much of the view


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


class _Arrow:
    """A line with an arrow head and a label, drawn from a point along a vector."""

    def __init__(self, plot, color: str, name: str, dashed: bool = False):
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
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
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(SHADE.getLookupTable(0.0, 1.0, 256, alpha=False))
        self.image.setZValue(-20)
        self.addItem(self.image)
        self.contours: list[pg.IsocurveItem] = []
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
        self.heads: list[pg.ScatterPlotItem] = []
        self.arrows = {key: _Arrow(self, color, name, dashed=(key == "cache"))
                       for key, color, name in ARROWS}
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
        xs, ys, f, shade, levels = lab_model.contour_map(setup, box, GRID_POINTS)
        lo, hi = float(np.min(shade)), float(np.max(shade))
        self.image.setImage(shade, levels=(lo, hi if hi > lo else lo + 1.0), autoLevels=False)
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        for item in self.contours:
            self.removeItem(item)
        self.contours = []
        transform = QTransform().translate(xs[0], ys[0]).scale(dx, dy)
        for level in levels:
            item = pg.IsocurveItem(f, level=float(level), axisOrder="row-major",
                                   pen=pg.mkPen(CONTOUR, width=1))
            item.setTransform(transform)
            item.setZValue(-10)
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.addItem(item)
            self.contours.append(item)
        points = list(surface.minima) + list(surface.saddles)
        self.marks.setData([p[0] for p in points], [p[1] for p in points])
        self._make_paths(len(setup.racers))
        self.setRange(xRange=box[:2], yRange=box[2:], padding=0.02)
        self.show_frame()

    def _make_paths(self, n: int) -> None:
        while len(self.curves) > n:
            for items in (self.halos, self.curves, self.heads):
                self.removeItem(items.pop())
        while len(self.curves) < n:
            i = len(self.curves)
            color, symbol, dashed = racer_style(i)
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            halo = pg.PlotCurveItem(pen=pg.mkPen(halo_color(color), width=theme.line(4.5)))
            curve = pg.PlotCurveItem(pen=pg.mkPen(color, width=theme.line(2.5), style=style))
            head = pg.ScatterPlotItem(symbol=symbol, size=theme.marker(12),
                                      brush=pg.mkBrush(color),
                                      pen=pg.mkPen(halo_color(color), width=1.5))
            for z, item in ((10 + i * 0.01, halo), (11 + i * 0.01, curve), (20, head)):
                item.setZValue(z)
                self.addItem(item)
            self.halos.append(halo)
            self.curves.append(curve)
            self.heads.append(head)

    def show_frame(self) -> None:
        """Draw every visible path up to the step shown (slices of the computed paths)."""
        setup, t = self.lab.setup, self.lab.shown
        self.start_mark.setData([setup.start[0]], [setup.start[1]])
        for racer, path, halo, curve, head in zip(setup.racers, self.lab.paths, self.halos,
                                                  self.curves, self.heads):
            xy = path.xy[:t + 1]
            for item in (halo, curve, head):
                item.setVisible(racer.visible)
            if not racer.visible:
                continue
            finite = np.isfinite(xy[:, 0]) & np.isfinite(xy[:, 1])
            xy = xy[finite]
            halo.setData(xy[:, 0], xy[:, 1])
            curve.setData(xy[:, 0], xy[:, 1])
            head.setData(xy[-1:, 0], xy[-1:, 1])
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
        scale = self._arrow_scale([v for v in shown.values() if v is not None])
        for key, vector in shown.items():
            if vector is None:
                self.arrows[key].set_visible(False)
            else:
                self.arrows[key].set(look.point, vector * scale)
        self.arrows["step"].set(look.point, look.step)

    def _arrow_scale(self, vectors) -> float:
        """One scale for the gradient-unit arrows: the longest spans ARROW_SHARE of the view."""
        lengths = [float(np.hypot(*v)) for v in vectors if np.all(np.isfinite(v))]
        longest = max(lengths, default=0.0)
        (x0, x1), (y0, y1) = self.viewRange()
        return ARROW_SHARE * min(x1 - x0, y1 - y0) / longest if longest > 0 else 0.0

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
