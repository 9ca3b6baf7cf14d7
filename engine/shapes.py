"""A synthetic image set drawn by code: lines at four angles, squares, circles, crosses, triangles.

Each image is one white-on-black outline, anti-aliased from a distance field: a pixel's ink is
``clip(width / 2 + 0.5 - d, 0, 1)`` where ``d`` is the distance from the pixel centre to the
shape's outline, so edges fade over one pixel. Every sample gets its own size (circumradius
0.28..0.36 of the image side), rotation (within ``ROTATION_DEGREES`` of the class's own angle)
and position offset (uniform in [-jitter, jitter] px per axis, cut so the shape stays inside the
image), then additive Gaussian noise of standard deviation ``noise``, clipped to [0, 1].

Everything is drawn from one ``numpy.random.Generator`` (PCG64) built from the seed, in a fixed
order, so the same arguments give the same bytes.
"""
from __future__ import annotations

import numpy as np

from engine.hyper import check_number

# class name -> (outline kind, base angle in degrees, counter-clockwise as seen: line_45 is "/")
SHAPES = {
    "line_0": ("line", 0.0),
    "line_45": ("line", 45.0),
    "line_90": ("line", 90.0),
    "line_135": ("line", 135.0),
    "square": ("square", 0.0),
    "circle": ("circle", 0.0),
    "cross": ("cross", 0.0),
    "triangle": ("triangle", 0.0),
}
ROTATION_DEGREES = 10.0          # each sample turns by uniform(-10, 10) degrees off its base angle
MIN_SIZE, MAX_SIZE = 16, 28
MIN_IMAGES, MAX_IMAGES = 2, 70_000
MAX_NOISE, MAX_JITTER = 1.0, 4.0
RADIUS_RANGE = (0.28, 0.36)      # circumradius as a fraction of the image side
_CHUNK = 2048                    # images drawn per vectorised pass (bounds the temporaries)


def _segment_distance(u, v, ax, ay, bx, by):
    """Distance from points (u, v) to the segment a-b; arrays broadcast."""
    dx, dy = bx - ax, by - ay
    t = np.clip(((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return np.hypot(u - ax - t * dx, v - ay - t * dy)


def _outline_distance(kind, u, v, r):
    """Distance to the outline of ``kind`` centred at the origin, circumradius r.

    u, v : float64 (m, size, size) coordinates in the shape's own (unrotated) frame
    r : float64 (m, 1, 1)
    """
    zero = np.zeros_like(r)
    if kind == "line":
        return _segment_distance(u, v, -r, zero, r, zero)
    if kind == "circle":
        return np.abs(np.hypot(u, v) - 0.85 * r)
    if kind == "cross":
        return np.minimum(_segment_distance(u, v, -r, zero, r, zero),
                          _segment_distance(u, v, zero, -r, zero, r))
    if kind == "square":
        s = r / np.sqrt(2.0)
        qx, qy = np.abs(u) - s, np.abs(v) - s
        outside = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
        inside = np.minimum(np.maximum(qx, qy), 0.0)
        return np.abs(outside + inside)
    if kind == "triangle":                       # equilateral, apex up
        angles = np.deg2rad([90.0, 210.0, 330.0])
        px, py = [np.cos(a) * r for a in angles], [np.sin(a) * r for a in angles]
        return np.minimum.reduce([_segment_distance(u, v, px[i], py[i], px[(i + 1) % 3], py[(i + 1) % 3])
                                  for i in range(3)])
    raise ValueError(f"unknown outline kind {kind!r}")


def make_shapes(n: int, size: int = 20, noise: float = 0.1, jitter: float = 2, seed: int = 0,
                classes=tuple(SHAPES)):
    """Draw ``n`` shape images, balanced over ``classes``, deterministically for ``seed``.

    n : 2..70000 images, at least one per class; class counts differ by at most one
    size : image side in pixels, 16..28
    noise : standard deviation of the additive Gaussian noise, 0..1
    jitter : largest position offset per axis in pixels, 0..4
    seed : non-negative int seeding a PCG64 generator
    classes : names from ``SHAPES`` (at least 2, no repeats); label i is ``classes[i]``

    Returns (X, y, class_names):
      X : float32 (n, 1, size, size) in [0, 1], ink is 1
      y : int64 (n,) class index into class_names, shuffled
      class_names : tuple of str
    """
    size = check_number("size", size, MIN_SIZE, MAX_SIZE, True)
    n = check_number("n", n, MIN_IMAGES, MAX_IMAGES, True)
    noise = check_number("noise", noise, 0.0, MAX_NOISE)
    jitter = check_number("jitter", jitter, 0.0, MAX_JITTER)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    names = (classes,) if isinstance(classes, str) else tuple(classes)
    unknown = [c for c in names if c not in SHAPES]
    if unknown:
        raise ValueError(f"unknown shape class {unknown[0]!r}; valid names: {', '.join(SHAPES)}")
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError(f"classes must name at least 2 different shapes, got {names!r}")
    if n < len(names):
        raise ValueError(f"n ({n}) must be at least the number of classes ({len(names)})")

    rng = np.random.Generator(np.random.PCG64(int(seed)))
    y = rng.permutation(np.arange(n) % len(names)).astype(np.int64)
    radius = size * rng.uniform(*RADIUS_RANGE, n)
    angle = np.deg2rad(np.array([SHAPES[c][1] for c in names])[y]
                       + rng.uniform(-ROTATION_DEGREES, ROTATION_DEGREES, n))
    width = max(1.5, 0.08 * size)
    room = np.maximum((size - 1) / 2 - radius - width / 2 - 0.5, 0.0)      # px free on each side
    offset = np.clip(rng.uniform(-jitter, jitter, (2, n)), -room, room)
    centre = (size - 1) / 2 + offset                                        # (2, n): x, y

    grid = np.arange(size, dtype=np.float64)
    X = np.empty((n, 1, size, size), dtype=np.float32)
    for start in range(0, n, _CHUNK):
        part = slice(start, min(start + _CHUNK, n))
        cx, cy = centre[0, part, None, None], centre[1, part, None, None]
        c, s = np.cos(angle[part])[:, None, None], np.sin(angle[part])[:, None, None]
        dx, dy = grid[None, None, :] - cx, cy - grid[None, :, None]          # (m, size, size), y up
        u, v = c * dx + s * dy, -s * dx + c * dy                           # undo the rotation
        r = radius[part, None, None]
        ink = np.zeros(u.shape)
        for label, name in enumerate(names):
            rows = np.flatnonzero(y[part] == label)
            if rows.size:
                d = _outline_distance(SHAPES[name][0], u[rows], v[rows], r[rows])
                ink[rows] = np.clip(width / 2 + 0.5 - d, 0.0, 1.0)
        if noise > 0:
            ink += noise * rng.standard_normal(ink.shape)
        X[part, 0] = np.clip(ink, 0.0, 1.0)
    return X, y, names
