"""Where the network builder draws each column, neuron tile and link (pixels, no Qt).

Columns are the input features, each hidden layer and the output. A column shows its neurons as
square tiles stacked vertically; when they do not fit the height, tiles shrink, then wrap into
several sub-columns (compact form for large layers). Spare width widens the gaps between columns
(up to MAX_COLUMN_GAP) and centres the network.
"""
from dataclasses import dataclass

import numpy as np

COLUMN_WIDTH = 124
COLUMN_GAP = 24
MAX_COLUMN_GAP = 150
MARGIN = 12
HEADER_HEIGHT = 124
FOOTER_HEIGHT = 42     # the link legend and the hint, a line each
TILE = 64              # largest tile side (the maps are 48 x 48: 48 shows them 1:1)
MIN_TILE = 12
TILE_GAP = 10
COMPACT_GAP = 3
SUB_GAP = 8            # between sub-columns of tiles large enough to carry a bias square
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


@dataclass(frozen=True)
class Geometry:
    columns: tuple[Column, ...]
    width: float           # the least width the columns fit in (spare width only widens gaps)
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


def layout(units: list[int], height: float, widths: list[float] | None = None,
           width: float = 0.0) -> Geometry:
    """Columns for a network whose columns hold ``units`` neurons, fitted to ``height`` pixels;
    ``widths`` gives each column's least width (default COLUMN_WIDTH). When the columns need
    less than ``width`` pixels, the gaps between them grow and the network is centred."""
    top = HEADER_HEIGHT + 8
    room = max(height - top - FOOTER_HEIGHT, 120)
    least = list(widths) if widths else [COLUMN_WIDTH] * len(units)
    fits = [fit(n, room, least[c]) for c, n in enumerate(units)]
    col_widths = []
    for c, (n, (tile, per_column, gap)) in enumerate(zip(units, fits)):
        n_sub = -(-n // per_column)
        col_widths.append(max(least[c], n_sub * (tile + gap) + gap))
    n_gaps = max(len(units) - 1, 1)
    need = sum(col_widths) + COLUMN_GAP * (len(units) - 1) + 2 * MARGIN
    spare = max(0.0, width - need)
    column_gap = COLUMN_GAP + min(spare / n_gaps, MAX_COLUMN_GAP - COLUMN_GAP) \
        if len(units) > 1 else COLUMN_GAP
    used = sum(col_widths) + column_gap * (len(units) - 1) + 2 * MARGIN
    x = MARGIN + max(0.0, (width - used) / 2)
    columns = []
    for c, (n, (tile, per_column, gap)) in enumerate(zip(units, fits)):
        n_sub = -(-n // per_column)
        width_c = col_widths[c]
        rows = min(n, per_column)
        block_h = rows * tile + (rows - 1) * gap
        block_w = n_sub * tile + (n_sub - 1) * gap
        y0 = top + max(0.0, (room - block_h) / 2)
        x0 = round(x + (width_c - block_w) / 2)
        idx = np.arange(n)
        tiles = np.column_stack([x0 + (idx // per_column) * (tile + gap),
                                 np.round(y0 + (idx % per_column) * (tile + gap))]).astype(float)
        columns.append(Column(x, width_c, tile, tiles))
        x += width_c + column_gap
    lowest = max((c.tiles[:, 1].max() + c.tile for c in columns if len(c.tiles)), default=0)
    total_h = max(top + room, lowest) + FOOTER_HEIGHT
    return Geometry(tuple(columns), need, total_h)     # need: the least width that fits


def fit(n: int, room: float, width: float = COLUMN_WIDTH) -> tuple[float, int, float]:
    """Tile side, tiles per sub-column and gap for n neurons in ``room`` pixels of height.

    One sub-column of tiles when they can be at least 24 pixels; otherwise the largest tiles
    that fit side by side in ``width`` (two columns of 40-pixel tiles read better than one of
    20); when even MIN_TILE does not fit there, as many sub-columns as needed (wider column).
    """
    n = max(n, 1)
    tile = min(TILE, int((room + TILE_GAP) / n - TILE_GAP))
    if tile >= 24:
        return float(tile), n, TILE_GAP
    best = None
    for n_sub in range(2, min(n, 8) + 1):
        gap = SUB_GAP
        rows = -(-n // n_sub)
        side = min(TILE, int((room + gap) / rows - gap), int((width - (n_sub + 1) * gap) / n_sub))
        if best is None or side > best[0]:
            best = (float(side), rows, gap)
    if best is not None and best[0] >= 16:
        return best
    tile = max(MIN_TILE, min(24, int((room + COMPACT_GAP) / n - COMPACT_GAP)))
    per_column = max(1, int((room + COMPACT_GAP) // (tile + COMPACT_GAP)))
    return float(tile), min(per_column, n), COMPACT_GAP


def link_curves(left: Column, right: Column, pairs: np.ndarray,
                samples: int = LINK_SAMPLES) -> np.ndarray:
    """(k, samples, 2) points on the S-shaped cubic of each link (i, j) in ``pairs`` (k, 2),
    from the right edge of tile i in ``left`` to the left edge of tile j in ``right`` (the
    curve the canvas paints: control points halfway across, at each end's height)."""
    start = left.tiles[pairs[:, 0]] + np.array([left.tile, left.tile / 2])
    end = right.tiles[pairs[:, 1]] + np.array([0.0, right.tile / 2])
    mid_x = (start[:, 0] + end[:, 0]) / 2
    c1 = np.column_stack([mid_x, start[:, 1]])
    c2 = np.column_stack([mid_x, end[:, 1]])
    t = np.linspace(0.0, 1.0, samples)[None, :, None]
    a, b, c, d = (p[:, None, :] for p in (start, c1, c2, end))
    return (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t * t * c + t ** 3 * d


def shown_links(W: np.ndarray, limit: int = MAX_LINKS_PER_LAYER) -> np.ndarray:
    """(k, 2) (row, col) pairs of the links to draw: all, or the ``limit`` largest by size."""
    n_in, n_out = W.shape
    if n_in * n_out <= limit:
        rows, cols = np.indices((n_in, n_out))
        return np.column_stack([rows.ravel(), cols.ravel()])
    flat = np.sort(np.argpartition(np.abs(np.nan_to_num(W)).ravel(), -limit)[-limit:])
    return np.column_stack(np.unravel_index(flat, W.shape))   # sorted: same set, same array


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
