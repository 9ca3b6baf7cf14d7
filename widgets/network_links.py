"""The links between neuron columns: which are drawn, their curves, their pens, and drawing them
a few milliseconds at a time.

A link's pen is the sign of its weight (blue positive, orange negative) and its size in
LEVELS + 1 steps of strength and width, relative to its layer's weights as they are now: the
layer's ``scale`` is the SCALE_PERCENTILE-th percentile of its |w| (two significant digits), and
a weight that large or larger is drawn at the layer's full width (narrower in layers of many
links, ``top_level``). So the widths rank the weights within each
layer however large they all grow, and the canvas says each layer's scale in its legend. Antialiased thick curves are the
costliest thing the window paints (about 50 microseconds each), so the layer knows when a
repaint would look the same: it keeps the steps it last drew and is ``dirty`` only when one of
them changes. A redraw is a job done in slices (``start``, then ``proceed`` until it says done)
so that a network with a thousand links never holds the GUI thread for long.
"""
import time
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from widgets import network_geometry as geo
from widgets import theme

LEVELS = 16
#: |w| at this percentile of its layer (and above) draws at full width.
SCALE_PERCENTILE = 95.0
#: Layers drawing more links than this draw them thinner (``top_level``).
SPARSE_LINKS = 100
#: Links drawn in all, shared among the layers (each keeps its strongest).
LINK_BUDGET = 1200
_POSITIVE = np.array(QColor(theme.POSITIVE).getRgb()[:3], dtype=float)
_NEGATIVE = np.array(QColor(theme.NEGATIVE).getRgb()[:3], dtype=float)


def pen(code: int) -> QPen:
    """Pen of step ``code`` = sign * level: opaque (pre-mixed with the canvas' background, which
    paints twice as fast as translucent), stronger and wider with the level (and with the
    interface's zoom and presentation mode, ``theme.line``)."""
    return _pen(code, theme.color("panel"), theme.line(1.0))


@lru_cache(maxsize=256)
def _pen(code: int, background: str, line_scale: float) -> QPen:
    level = abs(code)
    strength = 0.3 + 0.7 * level / LEVELS
    back = np.array(QColor(background).getRgb()[:3], dtype=float)
    rgb = back + ((_POSITIVE if code > 0 else _NEGATIVE) - back) * strength
    width = (0.6 + 6.0 * level / LEVELS) * line_scale
    return QPen(QColor(*(int(v) for v in rgb)), width, Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap)


def layer_scale(W: np.ndarray) -> float:
    """The |w| drawn at full width for a layer's weights W (any shape): the SCALE_PERCENTILE-th
    percentile of the finite |w|, rounded to two significant digits; 0 when all are 0."""
    a = np.abs(np.asarray(W, dtype=np.float64)).ravel()
    a = a[np.isfinite(a)]
    if not a.size:
        return 0.0
    p = float(np.percentile(a, SCALE_PERCENTILE))
    if p <= 0.0:
        p = float(a.max())
    return float(f"{p:.2g}") if p > 0.0 else 0.0


def top_level(n_links: int) -> int:
    """The level of a layer's thickest links: LEVELS for up to SPARSE_LINKS links, less for
    more (as 1 / sqrt of the count, down to a quarter), so a dense layer is not a wall of ink."""
    return int(max(LEVELS // 4, min(LEVELS, round(LEVELS * (SPARSE_LINKS / max(n_links, 1))
                                                  ** 0.5))))


def codes(w: np.ndarray, scale: float, top: int = LEVELS) -> np.ndarray:
    """Drawing step of each weight: sign * level, level 0..top, |w| >= ``scale`` at ``top``
    (NaN and inf draw as +0; everything as 0 when ``scale`` is 0)."""
    w = np.asarray(w, dtype=np.float64)
    if not np.isfinite(w).all():
        w = np.nan_to_num(w, nan=0.0, posinf=0.0, neginf=0.0)
    if scale <= 0.0:
        return np.zeros(w.shape, np.int16)
    level = np.rint(np.minimum(np.abs(w) / scale, 1.0) * top)
    return np.copysign(level, w).astype(np.int16)


def link_path(curve: np.ndarray) -> QPainterPath:
    """The painted cubic of one link, from its sampled curve (S, 2)."""
    (x0, y0), (x1, y1) = curve[0], curve[-1]
    mx = (x0 + x1) / 2
    path = QPainterPath(QPointF(x0, y0))
    path.cubicTo(QPointF(mx, y0), QPointF(mx, y1), QPointF(x1, y1))
    return path


class LinkLayer:
    """Links of every layer: ``links[l]`` = ((k, 2) pairs, (k, S, 2) curves) for hit tests."""

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self._pairs: list[np.ndarray] = []
        self._curves: list[np.ndarray | None] = []       # worked out when first asked for
        self._paths: list[list[QPainterPath] | None] = []
        self._path_cache: list[dict] = []
        self._codes: list[np.ndarray] = []
        self.scales: list[float] = []          # per layer, the |w| of a full-width link
        self._tops: list[int] = []             # per layer, the level of its thickest links
        self._drawn: list[np.ndarray] | None = None
        self._drawn_scales: list[float] | None = None
        self._geometry = None
        self._job = None
        self.dirty = True
        self.cost = 0.0

    @property
    def links(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per layer, the (k, 2) (row, col) pairs of the drawn links and their (k, S, 2)
        curves (for hit tests)."""
        return [(pairs, self._curves_of(l)) for l, pairs in enumerate(self._pairs)]

    def _curves_of(self, l: int) -> np.ndarray:
        if self._curves[l] is None:
            g = self._geometry
            self._curves[l] = geo.link_curves(g.columns[l], g.columns[l + 1], self._pairs[l])
        return self._curves[l]

    def _paths_of(self, l: int) -> list[QPainterPath]:
        if self._paths[l] is None:
            cache, paths = self._path_cache[l], []
            curves = self._curves_of(l)
            for k, (i, j) in enumerate(self._pairs[l].tolist()):
                path = cache.get((i, j))
                if path is None:
                    path = cache[(i, j)] = link_path(curves[k])
                paths.append(path)
            self._paths[l] = paths
        return self._paths[l]

    def set_weights(self, weights: list, geometry: geo.Geometry | None) -> None:
        """Take each layer's (W, b) and the geometry; note whether any link looks different."""
        if geometry is None or len(weights) != len(geometry.columns) - 1 or any(
                W.shape != (len(geometry.columns[l].tiles), len(geometry.columns[l + 1].tiles))
                for l, (W, _) in enumerate(weights)):
            self._pairs, self._curves, self._paths, self._codes = [], [], [], []
            self.scales, self._tops = [], []
            self.dirty = True
            return
        same_place = geometry is self._geometry and len(self._pairs) == len(weights)
        if not same_place:
            self._geometry = geometry
            self._path_cache = [{} for _ in weights]
            self._pairs = [np.zeros((0, 2), np.intp)] * len(weights)
            self._curves = [None] * len(weights)
            self._paths = [None] * len(weights)
        limit = max(16, min(geo.MAX_LINKS_PER_LAYER, LINK_BUDGET // max(len(weights), 1)))
        all_codes = []
        self.scales = [layer_scale(W) for W, _ in weights]
        self._tops = []
        for l, (W, _) in enumerate(weights):
            if W.size > limit or len(self._pairs[l]) != W.size:   # (else all, as they were)
                pairs = geo.shown_links(W, limit)
                if not np.array_equal(self._pairs[l], pairs):
                    self._pairs[l], self._curves[l], self._paths[l] = pairs, None, None
            pairs = self._pairs[l]
            shown = W.ravel() if len(pairs) == W.size else W[pairs[:, 0], pairs[:, 1]]
            self._tops.append(top_level(len(pairs)))
            all_codes.append(codes(shown, self.scales[l], self._tops[l]))   # (row-major pairs)
        self._codes = all_codes
        self.dirty = self.dirty or not same_place or not self._same(self._drawn,
                                                                     self._drawn_scales)

    def _same(self, drawn, scales) -> bool:
        """Whether links drawn with these codes and scales look as they would now (the
        scales are in the legend drawn with them)."""
        return drawn is not None and scales == self.scales and len(drawn) == len(self._codes) \
            and all(len(a) == len(b) and np.array_equal(a, b)
                    for a, b in zip(drawn, self._codes))

    # ---- drawing ------------------------------------------------------------------------------
    @property
    def drawing(self) -> bool:
        return self._job is not None

    def start(self, painter: QPainter) -> None:
        """Begin drawing every link with ``painter``, weakest first (the strong ones on top)."""
        flat_codes = np.concatenate(self._codes) if self._codes else np.zeros(0, np.int16)
        flat_paths = [p for l in range(len(self._pairs)) for p in self._paths_of(l)]
        order = np.argsort(np.abs(flat_codes), kind="stable")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._job = [painter, flat_paths, flat_codes, order, 0, [c.copy() for c in self._codes],
                     0.0, list(self.scales)]

    def proceed(self, budget: float) -> bool:
        """Draw links for about ``budget`` seconds; True when all are drawn (the painter is then
        the caller's again)."""
        painter, paths, flat_codes, order, pos, snapshot, spent, scales = self._job
        start = time.perf_counter()
        last = None
        while pos < len(order):
            stop = min(pos + 32, len(order))
            for k in order[pos:stop]:
                code = int(flat_codes[k])
                if code != last:
                    painter.setPen(pen(code))
                    last = code
                painter.drawPath(paths[k])
            pos = stop
            if time.perf_counter() - start > budget:
                break
        self._job[4], self._job[6] = pos, spent + time.perf_counter() - start
        if pos < len(order):
            return False
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self.cost = self._job[6]
        self._drawn, self._drawn_scales = snapshot, scales
        self._job = None
        self.dirty = not self._same(snapshot, scales)
        return True

    def paint(self, painter: QPainter) -> None:
        """Draw every link at once."""
        self.start(painter)
        self.proceed(float("inf"))

    def cancel(self) -> None:
        self._job = None
        self.dirty = True

    def path_of(self, l: int, i: int, j: int) -> QPainterPath | None:
        if l >= len(self._pairs):
            return None
        pairs = self._pairs[l]
        hits = np.flatnonzero((pairs[:, 0] == i) & (pairs[:, 1] == j))
        return self._paths_of(l)[int(hits[0])] if len(hits) else None

    def pen_for(self, l: int, w: float) -> QPen:
        """The pen of weight ``w`` in layer ``l`` at that layer's present scale."""
        if l >= len(self.scales):
            return pen(0)
        return pen(int(codes(np.array([w]), self.scales[l], self._tops[l])[0]))

    def legend(self) -> str:
        """The scale of each layer's links in words (empty before any weights)."""
        if not self.scales:
            return ""
        values = " \u00b7 ".join(f"{s:g}" for s in self.scales)
        return f"Thickest link, layer by layer: |w| \u2265 {values}"
