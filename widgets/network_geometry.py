"""Where the network builder draws each column, neuron tile and link (pixels, no Qt).

Columns are the input features, each hidden layer and the output. A column shows its neurons as
square tiles stacked vertically; when they do not fit the height, tiles shrink (and the gaps
between them) down to MIN_TILE in one sub-column. Only a layer too large even for that wraps into
several sub-columns (compact form); its links then meet the block's edge at each row's height, so
no link crosses a tile. Columns and gaps shrink (down to MIN_COLUMN_WIDTH and MIN_COLUMN_GAP)
when the width is short; spare width widens the gaps (up to MAX_COLUMN_GAP) and centres the
network. Labels (the input features') sit left of their tiles, in the room they need.
"""
import math
from dataclasses import dataclass

import numpy as np

COLUMN_WIDTH = 124      # a column's width when there is room (its header's comfortable width)
MIN_COLUMN_WIDTH = 100  # and when the window is narrow
COLUMN_GAP = 24
MIN_COLUMN_GAP = 4
MAX_COLUMN_GAP = 150
MARGIN = 4
LABEL_GAP = 6          # between a label and its tile
HEADER_HEIGHT = 146    # five rows: count, activation, initializer, dropout, batch norm
FOOTER_HEIGHT = 42     # the link legend and the hint, a line each
TILE = 64              # largest tile side (the maps are 48 x 48: 48 shows them 1:1)
MIN_LABELLED_TILE = 20  # labelled tiles (inputs) shrink no further for want of width
MIN_TILE = 12
TILE_GAP = 10
MIN_TILE_GAP = 4
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

    @property
    def left_edge(self) -> float:
        """Left edge of the block of tiles: where links come in."""
        return float(self.tiles[:, 0].min()) if len(self.tiles) else self.x

    @property
    def right_edge(self) -> float:
        """Right edge of the block of tiles: where links go out."""
        return float(self.tiles[:, 0].max()) + self.tile if len(self.tiles) else self.x


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
           width: float = 0.0, labels: list[float] | None = None,
           least_widths: list[float] | None = None, zoom: float = 1.0) -> Geometry:
    """Columns for a network whose columns hold ``units`` neurons, fitted to ``height`` pixels
    and, as far as they can shrink, to ``width``; ``widths`` gives each column's width when there
    is room (default COLUMN_WIDTH), ``least_widths`` the narrowest it may be (default
    MIN_COLUMN_WIDTH: its header's texts must stay whole), ``labels`` the pixels its tile labels
    need on the left (0: none). ``Geometry.width`` is the least width the network fits in.
    ``zoom`` scales the header's and the footer's heights and the largest tile (the interface's
    zoom: their texts and controls are that much larger)."""
    top = header_height(zoom) + 8
    footer = round(FOOTER_HEIGHT * zoom)
    room = max(height - top - footer, 120)
    n = len(units)
    roomy = list(widths) if widths else [COLUMN_WIDTH] * n
    label_w = [float(v) for v in labels] if labels else [0.0] * n
    fits = [fit(k, room, round(TILE * zoom)) for k in units]

    def block(c, tile):
        k, (_, per_column, gap) = units[c], fits[c]
        n_sub = -(-k // per_column)
        return n_sub * tile + (n_sub - 1) * gap

    def extent(c, tile):
        """Width column c needs around tiles of side ``tile``."""
        lead = label_w[c] + LABEL_GAP if label_w[c] else 0.0
        return lead + block(c, tile) + 2 * MIN_TILE_GAP

    # Each column and gap between its least and its roomy width; labelled columns shrink
    # their tiles (down to MIN_LABELLED_TILE) instead of the room their labels need.
    least_tile = [min(f[0], MIN_LABELLED_TILE) if label_w[c] else f[0]
                  for c, f in enumerate(fits)]
    most = [max(roomy[c], extent(c, fits[c][0])) if not label_w[c]
            else extent(c, fits[c][0]) for c in range(n)]
    narrowest = list(least_widths) if least_widths else [MIN_COLUMN_WIDTH] * n
    least = [max(narrowest[c], extent(c, fits[c][0])) if not label_w[c]
             else max(narrowest[c], extent(c, least_tile[c])) for c in range(n)]
    most = [max(hi, lo) for hi, lo in zip(most, least)]
    gaps = max(n - 1, 0)
    need = sum(least) + MIN_COLUMN_GAP * gaps + 2 * MARGIN
    full = sum(most) + COLUMN_GAP * gaps + 2 * MARGIN
    if width >= full or full <= need:
        t = 1.0
    else:
        t = max(0.0, (width - need) / (full - need))
    col_widths = [lo + t * (hi - lo) for lo, hi in zip(least, most)]
    column_gap = MIN_COLUMN_GAP + t * (COLUMN_GAP - MIN_COLUMN_GAP)
    spare = max(0.0, width - full)
    if gaps and t >= 1.0:
        column_gap = COLUMN_GAP + min(spare / gaps, MAX_COLUMN_GAP - COLUMN_GAP)
    used = sum(col_widths) + column_gap * gaps + 2 * MARGIN
    x = MARGIN + max(0.0, (width - used) / 2)
    columns = []
    for c, (k, (tile, per_column, gap)) in enumerate(zip(units, fits)):
        width_c = col_widths[c]
        lead = label_w[c] + LABEL_GAP if label_w[c] else 0.0
        if label_w[c]:         # the tiles take what the labels leave
            tile = float(max(least_tile[c], min(tile, int(width_c - lead - 2 * MIN_TILE_GAP))))
        n_sub = -(-k // per_column)
        rows = min(k, per_column)
        block_h = rows * tile + (rows - 1) * gap
        block_w = n_sub * tile + (n_sub - 1) * gap
        y0 = top + max(0.0, (room - block_h) / 2)
        x0 = round(x + lead + (width_c - lead - block_w) / 2)
        idx = np.arange(k)
        tiles = np.column_stack([x0 + (idx // per_column) * (tile + gap),
                                 np.round(y0 + (idx % per_column) * (tile + gap))]).astype(float)
        columns.append(Column(x, width_c, tile, tiles))
        x += width_c + column_gap
    lowest = max((c.tiles[:, 1].max() + c.tile for c in columns if len(c.tiles)), default=0)
    total_h = max(top + room, lowest) + footer
    return Geometry(tuple(columns), math.ceil(need), total_h)


def header_height(zoom: float = 1.0) -> int:
    """Pixels of the column headers at the interface's ``zoom``."""
    return round(HEADER_HEIGHT * zoom)


def fit(n: int, room: float, largest: float = TILE) -> tuple[float, int, float]:
    """Tile side, tiles per sub-column and gap for n neurons in ``room`` pixels of height.

    One sub-column whenever its tiles can be MIN_TILE pixels: the gap between them narrows
    (TILE_GAP down to MIN_TILE_GAP) before the tiles shrink below 24. Only a layer too large
    for that wraps into sub-columns of MIN_TILE tiles (the compact form).
    """
    n = max(n, 1)
    tile = min(largest, int((room + TILE_GAP) / n - TILE_GAP))
    if tile >= 24:
        return float(tile), n, TILE_GAP
    for gap in range(TILE_GAP - 2, MIN_TILE_GAP - 1, -2):
        tile = min(largest, int((room + gap) / n - gap))
        if tile >= 24 or (gap == MIN_TILE_GAP and tile >= MIN_TILE):
            return float(tile), n, gap
    tile = MIN_TILE
    per_column = max(1, int((room + COMPACT_GAP) // (tile + COMPACT_GAP)))
    return float(tile), min(per_column, n), COMPACT_GAP


def link_curves(left: Column, right: Column, pairs: np.ndarray,
                samples: int = LINK_SAMPLES) -> np.ndarray:
    """(k, samples, 2) points on the S-shaped cubic of each link (i, j) in ``pairs`` (k, 2),
    from the right edge of ``left``'s tiles at tile i's height to the left edge of ``right``'s
    at tile j's (the tile's own edge unless the column wraps; the curve the canvas paints:
    control points halfway across, at each end's height)."""
    start = np.column_stack([np.full(len(pairs), left.right_edge),
                             left.tiles[pairs[:, 0], 1] + left.tile / 2])
    end = np.column_stack([np.full(len(pairs), right.left_edge),
                           right.tiles[pairs[:, 1], 1] + right.tile / 2])
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
