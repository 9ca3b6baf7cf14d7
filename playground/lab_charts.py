"""What the optimizer lab's views draw (Qt-free): the contour map and the loss chart's curves.

``contour_map(setup, box)`` grids the surface and picks its shading and contour levels;
``loss_curve`` / ``chart_range`` give the loss chart its curves (f - f* on a log scale where the
surface has a known minimum f*) and a range that a diverging racer does not squash.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.race import Path
from playground.lab_setup import LabSetup


def grid_values(setup: LabSetup, box, n: int = 200):
    """(xs (n,), ys (n,), f (n, n) row-major: f[i, j] = f(xs[j], ys[i])) over ``box`` =
    (x_min, x_max, y_min, y_max), exact (no noise)."""
    x0, x1, y0, y1 = (float(v) for v in box)
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(over="ignore", invalid="ignore"):
        return xs, ys, setup.make_surface().values(X, Y)


def log_levels(f: np.ndarray, n: int = 14):
    """(floor, levels): contour levels spaced evenly in log(f - floor), floor just below the
    grid's least finite value, so a valley's floor gets as many lines as its walls."""
    finite = f[np.isfinite(f)]
    if finite.size == 0:
        return 0.0, np.array([])
    lo, hi = float(finite.min()), float(finite.max())
    span = max(hi - lo, 1e-12)
    floor = lo - 1e-4 * span
    return floor, floor + np.geomspace(1e-3 * span, span, n)


class ContourMap(NamedTuple):
    """What the contour plot draws over ``box``: xs (n,), ys (n,), f (n, n) row-major;
    shade (n, n), the value each pixel is coloured by (log(f - floor) for a surface with a
    minimum, f itself for one without, whose loss has no floor: the saddle); levels (k,),
    the contour levels of f (log-spaced, or evenly spaced without a minimum)."""
    xs: np.ndarray
    ys: np.ndarray
    f: np.ndarray
    shade: np.ndarray
    levels: np.ndarray


def contour_map(setup: LabSetup, box, n: int = 200, n_levels: int = 14) -> ContourMap:
    xs, ys, f = grid_values(setup, box, n)
    finite = np.isfinite(f)
    top = float(f[finite].max()) if finite.any() else 0.0
    f_clean = np.where(finite, f, top)
    if loss_gap(setup) is not None:
        floor, levels = log_levels(f_clean, n_levels)
        with np.errstate(divide="ignore", invalid="ignore"):
            shade = np.log(f_clean - floor)
    else:
        lo = float(f_clean.min())
        levels = np.linspace(lo, top, n_levels + 2)[1:-1]
        shade = f_clean
    return ContourMap(xs, ys, f, shade, levels)


def loss_gap(setup: LabSetup):
    """The least known minimum value f* of the surface (the loss chart plots f - f* on a log
    scale), or None for a surface without one (the saddle goes down for ever)."""
    values = setup.make_surface().minimum_values
    return float(min(values)) if values else None


#: The least gap to the minimum the loss chart shows (f - f* of exactly 0 has no logarithm).
LEAST_GAP = 1e-16


def loss_curve(setup: LabSetup, path: Path) -> np.ndarray:
    """What the loss chart plots against the step, float64 (steps + 1,): f - f*, at least
    LEAST_GAP, where the surface has a known minimum f* (log scale), else f itself."""
    gap = loss_gap(setup)
    if gap is None:
        return path.losses.copy()
    with np.errstate(invalid="ignore"):
        return np.maximum(path.losses - gap, LEAST_GAP)


def chart_range(setup: LabSetup, paths) -> tuple[float, float, bool]:
    """(low, high, log) for the loss chart: every racer's start fits; a race that blows up
    leaves through the top (at most 1000x the largest start, or 20 start-sizes below on a
    surface without a minimum) instead of squashing the others."""
    curves = [loss_curve(setup, p) for p in paths]
    finite = np.concatenate([c[np.isfinite(c)] for c in curves] + [np.zeros(0)])
    starts = np.array([c[0] for c in curves if np.isfinite(c[0])])
    if finite.size == 0 or starts.size == 0:
        return (LEAST_GAP, 1.0, True) if loss_gap(setup) is not None else (-1.0, 1.0, False)
    if loss_gap(setup) is not None:
        top = float(starts.max())
        high = min(float(finite.max()), 1e3 * top) * 2.0
        low = max(float(finite.min()), LEAST_GAP, high * 1e-10)
        return low, high, True
    size = float(np.abs(starts).max()) + 1.0
    high = min(float(finite.max()), float(starts.max()) + 20 * size)
    low = max(float(finite.min()), float(starts.min()) - 20 * size)
    return low, high + 0.05 * (high - low + 1e-12), False
