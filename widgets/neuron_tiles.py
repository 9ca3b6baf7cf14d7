"""Neuron maps as ready-to-blit pictures: each column's maps coloured and resampled with numpy to
their on-screen size in one 32-bit image, so painting a tile is a plain copy of pixels.

How a column is coloured (``ColumnColours.mode``):

- ``"symmetric"``: each map over [-peak, +peak], peak its own largest magnitude, on the diverging
  map (orange negative, white 0, blue positive): unbounded units (ReLU...) whose sizes differ by
  orders of magnitude all show their structure. Dead units (all zero) stay white.
- ``"fixed"``: every map over the same [lo, hi] (tanh-like units over [-1, 1], a two-class output
  over [0, 1], a regression output over the targets' range).
- ``"classes"``: map k is a probability over [0, 1], from white to class k's own colour.
"""
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter

from widgets import theme

DEAD_FRACTION = 1e-3      # a map this much smaller than its column's largest counts as dead
#: Units whose output is bounded to [-1, 1]: their maps share one fixed scale, so saturation
#: shows. Other units' maps are each scaled to their own largest value.
BOUNDED_ACTIVATIONS = ("tanh", "sigmoid")


@dataclass(frozen=True)
class ColumnColours:
    mode: str = "symmetric"          # "symmetric", "fixed" or "classes"
    lo: float = -1.0                 # the fixed range
    hi: float = 1.0
    quantity: str = "activation"     # what a map shows, for the tooltip


def colour_ranges(maps: np.ndarray, colours: ColumnColours) -> tuple[np.ndarray, np.ndarray]:
    """Each map's (lo, hi), the values shown at either end of its colour scale, for maps
    (n, M, M)."""
    n = maps.shape[0]
    if colours.mode == "symmetric":
        peak = np.abs(maps).reshape(n, -1).max(axis=1) if maps.size else np.ones(n)
        floor = max(float(peak.max(initial=0.0)) * DEAD_FRACTION, 1e-6)
        hi = np.maximum(peak, floor)
        return -hi, hi
    lo = np.full(n, colours.lo, dtype=np.float64)
    return lo, np.full(n, colours.hi if colours.hi > colours.lo else colours.lo + 1.0)


def colour_indices(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """uint8 colour-table indices of values (n, ...), row k over [lo[k], hi[k]]."""
    shape = (-1,) + (1,) * (values.ndim - 1)
    scaled = np.subtract(values, lo.astype(np.float32).reshape(shape), dtype=np.float32)
    scaled *= (255.0 / (hi - lo)).astype(np.float32).reshape(shape)
    scaled += np.float32(0.5)
    np.clip(scaled, 0.0, 255.0, out=scaled)
    return scaled.astype(np.uint8)


def resample_index(m: int, side: int) -> np.ndarray:
    """(side * side,) flat indices into an (m, m) map, nearest neighbour, for showing it as
    (side, side) pixels with the largest y on top."""
    cols = (np.arange(side) * m) // side
    rows = (m - 1) - cols
    return (rows[:, None] * m + cols[None, :]).ravel()


class TileColumn:
    """One column's maps as one (n * side, side) RGB32 image; tile u is rows u*side..(u+1)*side."""

    def __init__(self, colours: ColumnColours):
        self.colours = colours
        self._maps: np.ndarray | None = None
        self._lo = self._hi = np.zeros(0)
        self._side = 0
        self._ratio = 1.0
        self._pixels: np.ndarray | None = None
        self._image: QImage | None = None
        self._luts = None
        self._resample: np.ndarray | None = None
        self._m = 0

    def resize(self, tile: float, ratio: float) -> None:
        """Tiles are now ``tile`` pixels (logical) on a screen of this pixel ratio."""
        if self._maps is not None:
            maps, self._maps = self._maps, None
            self.set_maps(maps, tile, ratio)

    def set_maps(self, maps: np.ndarray, tile: float, ratio: float) -> None:
        """Colour maps (n, M, M) for tiles ``tile`` pixels wide (nothing to do when these very
        maps are already shown at this size, as the input features are at every frame)."""
        side = max(1, round(tile * ratio))
        if maps is self._maps and side == self._side and ratio == self._ratio:
            return
        self._maps = maps
        n, m = maps.shape[0], maps.shape[-1]
        if self._resample is None or len(self._resample) != side * side or self._m != m:
            self._resample, self._m = resample_index(m, side), m
        self._lo, self._hi = colour_ranges(maps, self.colours)
        # Colour whichever is smaller: the maps or the tiles (a pixel's colour is its own).
        values = maps.reshape(n, m * m)
        if side < m:
            values = values.take(self._resample, axis=1)
        index = colour_indices(values, self._lo, self._hi)
        if side >= m:
            index = index.take(self._resample, axis=1)
        if self.colours.mode == "classes":
            if self._luts is None or len(self._luts) != n:
                self._luts = np.stack([theme.class_ramp_lut32(k) for k in range(n)])
            pixels = np.take_along_axis(self._luts, index.astype(np.intp), axis=1)
        else:
            pixels = theme.TILE_LUT32.take(index)
        self._pixels = np.ascontiguousarray(pixels.reshape(n * side, side))
        self._image = QImage(self._pixels.data, side, n * side, 4 * side,
                             QImage.Format.Format_RGB32)
        self._image.setDevicePixelRatio(ratio)
        self._side, self._ratio = side, ratio

    def __len__(self) -> int:
        return 0 if self._maps is None else self._maps.shape[0]

    def draw(self, painter: QPainter, corners: np.ndarray) -> None:
        """Blit each tile u with its top left corner at corners[u] (corners: (units, 2))."""
        if self._image is None:
            return
        side = self._side
        for u, (x, y) in enumerate(corners[:len(self)].tolist()):
            painter.drawImage(QPointF(x, y), self._image, QRectF(0, u * side, side, side))

    def describe_scale(self, u: int) -> str:
        """The colour scale of tile u, in words."""
        if u >= len(self._lo):
            return ""
        lo, hi = theme.number(float(self._lo[u])), theme.number(float(self._hi[u]))
        if self.colours.mode == "classes":
            return (f"Probability of class {u + 1}: white 0 \u2192 the class colour 1")
        if self.colours.mode == "symmetric":
            return (f"Colours: orange {lo} \u2192 white 0 \u2192 blue {hi}\n"
                    f"(each map is scaled to its own largest {self.colours.quantity})")
        return f"Colours: orange {lo} \u2192 blue {hi} ({self.colours.quantity})"
