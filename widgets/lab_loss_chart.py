"""The lab's loss-against-step chart: one curve per visible racer (its colour and dash), revealed
up to the step shown; f - f* on a log scale where the surface has a known minimum, f itself
where it has none (the saddle). The scale is fixed per setup, so curves do not rescale while
they grow."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from playground import lab as lab_model
from widgets import theme
from widgets.lab_surface_view import racer_style

PLAYING_EVERY = 3


class LabLossChart(pg.PlotWidget):
    """Loss of every racer of a ``playground.lab.Lab`` against the step."""

    def __init__(self, lab, parent=None):
        super().__init__(parent)
        self.lab = lab
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setMouseEnabled(False, False)
        self.setMinimumHeight(120)
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("bottom", "step")
        self.getAxis("left").setWidth(theme.px(74))
        theme.cache_axes(self.getPlotItem())
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen(theme.color("faint"), width=1))
        self.addItem(self.marker)
        self.curves: list[pg.PlotCurveItem] = []
        self._data: list[np.ndarray] = []
        self._frames = 0
        lab.subscribe(self._on_lab_changed)
        self._rebuild()

    def _on_lab_changed(self, what: str) -> None:
        if what == "setup":
            self._rebuild()
        elif what == "frame":
            # While playing, every PLAYING_EVERY-th frame (20 a second): the antialiased
            # curves cost as much as the contour plot, and a chart need not move at 60 Hz
            self._frames += 1
            if not self.lab.running or self._frames % PLAYING_EVERY == 0 \
                    or self.lab.shown >= self.lab.setup.steps:
                self.show_frame()
        elif what == "running" and not self.lab.running:
            self.show_frame()

    def _rebuild(self) -> None:
        setup, paths = self.lab.setup, self.lab.paths
        while len(self.curves) > len(paths):
            self.removeItem(self.curves.pop())
        while len(self.curves) < len(paths):
            color, _, dashed = racer_style(len(self.curves))
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            curve = pg.PlotCurveItem(pen=pg.mkPen(color, width=theme.line(2.0), style=style))
            curve.setSegmentedLineMode("off" if dashed else "on")
            self.addItem(curve)
            self.curves.append(curve)
        low, high, log = lab_model.chart_range(setup, paths)
        gap = lab_model.loss_gap(setup)
        self.setLogMode(y=log)
        self.setLabel("left", "f \u2212 f*" if gap is not None else "f")
        # PlotCurveItems (far cheaper per frame than PlotDataItems) take the log10 themselves
        with np.errstate(divide="ignore", invalid="ignore"):
            self._data = [np.log10(c) if log else c
                          for c in (lab_model.loss_curve(setup, p) for p in paths)]
        self.setXRange(0, setup.steps, padding=0.01)
        if log:
            self.setYRange(np.log10(low), np.log10(high), padding=0.02)
        else:
            self.setYRange(low, high, padding=0.02)
        self.show_frame()

    def show_frame(self) -> None:
        t = self.lab.shown
        self.marker.setValue(t)
        steps = np.arange(t + 1, dtype=np.float64)
        for racer, data, curve in zip(self.lab.setup.racers, self._data, self.curves):
            curve.setVisible(racer.visible)
            if racer.visible:
                y = data[:t + 1]
                keep = np.isfinite(y)
                curve.setData(steps[keep], y[keep])
