"""Where the network builder draws each column, neuron tile and link (pixels, no Qt).

Columns are the input features, each hidden layer and the output. A column shows its neurons as
square tiles stacked vertically; when they do not fit the height, tiles shrink, then wrap into
several sub-columns (compact form for large layers).
"""
from dataclasses import dataclass

import numpy as np

COLUMN_WIDTH = 108
COLUMN_GAP = 28
MARGIN = 16
HEADER_HEIGHT = 132
FOOTER_HEIGHT = 26
TILE = 46
MIN_TILE = 12
TILE_GAP = 10
COMPACT_GAP = 3
LINK_SAMPLES = 10
MAX_LINKS_PER_LAYER = 600


@dataclass(frozen=True)
class Column:
    x: float               # left edge
    width: float
    tile: float            # side of a neuron tile
    tiles: np.ndarray      # (units, 2) top-left corner of each tile

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    def right_anchor(self, unit: int) -> tuple[float, float]:
        x, y = self.tiles[unit]
        return x + self.tile, y + self.tile / 2

    def left_anchor(self, unit: int) -> tuple[float, float]:
        x, y = self.tiles[unit]
        return x, y + self.tile / 2


@dataclass(frozen=True)
class Geometry:
    columns: tuple[Column, ...]
    width: float
    height: float

    def tile_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(column, unit) of the tile under (x, y), or None."""
        for c, col in enumerate(self.columns):
            if col.x <= x <= col.x + col.width and len(col.tiles):
                inside = ((col.tiles[:, 0] <= x) & (x <= col.tiles[:, 0] + col.tile) &
                          (col.tiles[:, 1] <= y) & (y <= col.tiles[:, 1] + col.tile))
                hits = np.flatnonzero(inside)
                if len(hits):
                    return c, int(hits[0])
        return None

    def bias_rect(self, c: int, unit: int) -> tuple[float, float, float, float]:
        """The small square at a tile's lower left that stands for the neuron's bias."""
        col = self.columns[c]
        side = max(6.0, min(12.0, col.tile * 0.24))
        x, y = col.tiles[unit]
        return x - side * 0.55, y + col.tile - side * 0.45, side, side

    def bias_at(self, x: float, y: float) -> tuple[int, int] | None:
        for c in range(1, len(self.columns)):
            for unit in range(len(self.columns[c].tiles)):
                bx, by, w, h = self.bias_rect(c, unit)
                if bx - 2 <= x <= bx + w + 2 and by - 2 <= y <= by + h + 2:
                    return c, unit
        return None


def layout(units: list[int], height: float, widths: list[float] | None = None) -> Geometry:
    """Columns for a network whose columns hold ``units`` neurons, fitted to ``height`` pixels;
    ``widths`` gives each column's least width (default COLUMN_WIDTH)."""
    top = HEADER_HEIGHT + 8
    room = max(height - top - FOOTER_HEIGHT, 120)
    columns = []
    x = MARGIN
    for c, n in enumerate(units):
        tile, per_column = _fit(n, room)
        n_sub = -(-n // per_column)
        gap = TILE_GAP if n_sub == 1 else COMPACT_GAP
        least = widths[c] if widths else COLUMN_WIDTH
        width = max(least, n_sub * (tile + gap) + 2 * gap)
        rows = min(n, per_column)
        block_h = rows * tile + (rows - 1) * gap
        block_w = n_sub * tile + (n_sub - 1) * gap
        y0 = top + max(0.0, (room - block_h) / 2)
        x0 = x + (width - block_w) / 2
        idx = np.arange(n)
        tiles = np.column_stack([x0 + (idx // per_column) * (tile + gap),
                                 y0 + (idx % per_column) * (tile + gap)]).astype(float)
        columns.append(Column(x, width, tile, tiles))
        x += width + COLUMN_GAP
    lowest = max((c.tiles[:, 1].max() + c.tile for c in columns if len(c.tiles)), default=0)
    total_h = max(top + room, lowest) + FOOTER_HEIGHT
    return Geometry(tuple(columns), x - COLUMN_GAP + MARGIN, total_h)


def _fit(n: int, room: float) -> tuple[float, int]:
    """Tile side and tiles per sub-column for n neurons in ``room`` pixels of height."""
    tile = min(TILE, (room + TILE_GAP) / max(n, 1) - TILE_GAP)
    if tile >= 24:
        return tile, n
    tile = max(MIN_TILE, min(24.0, (room + COMPACT_GAP) / n - COMPACT_GAP))
    per_column = max(1, int((room + COMPACT_GAP) // (tile + COMPACT_GAP)))
    return tile, min(per_column, n)


def link_curve(start: tuple, end: tuple, samples: int = LINK_SAMPLES) -> np.ndarray:
    """(samples, 2) points on the S-shaped cubic from start to end (same curve as painted)."""
    (x0, y0), (x1, y1) = start, end
    mx = (x0 + x1) / 2
    t = np.linspace(0.0, 1.0, samples)[:, None]
    p0, p1, p2, p3 = (np.array(p, dtype=float) for p in ((x0, y0), (mx, y0), (mx, y1), (x1, y1)))
    return ((1 - t) ** 3) * p0 + 3 * ((1 - t) ** 2) * t * p1 + 3 * (1 - t) * t * t * p2 + t**3 * p3


def shown_links(W: np.ndarray, limit: int = MAX_LINKS_PER_LAYER) -> np.ndarray:
    """(k, 2) (row, col) pairs of the links to draw: all, or the ``limit`` largest by size."""
    n_in, n_out = W.shape
    if n_in * n_out <= limit:
        rows, cols = np.indices((n_in, n_out))
        return np.column_stack([rows.ravel(), cols.ravel()])
    flat = np.argpartition(np.abs(np.nan_to_num(W)).ravel(), -limit)[-limit:]
    return np.column_stack(np.unravel_index(flat, W.shape))


def nearest_segment(points: np.ndarray, x: float, y: float) -> tuple[int, float]:
    """Index of the polyline in ``points`` (L, S, 2) closest to (x, y), and its distance."""
    if not len(points):
        return -1, np.inf
    a = points[:, :-1, :]
    b = points[:, 1:, :]
    ab = b - a
    ap = np.array([x, y]) - a
    t = np.clip(np.sum(ap * ab, axis=2) / np.maximum(np.sum(ab * ab, axis=2), 1e-12), 0, 1)
    closest = a + ab * t[..., None]
    d = np.hypot(closest[..., 0] - x, closest[..., 1] - y).min(axis=1)
    i = int(np.argmin(d))
    return i, float(d[i])
