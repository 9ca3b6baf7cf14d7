"""Line searches along a descent direction: strong Wolfe (bracket, zoom) and Armijo backtracking.

Generic over an *objective* with ``value_and_grad(x: float64 (n,)) -> (float, float64 (n,))``.
Given a point x, its value f and gradient g, and a direction d with g'd < 0, each search looks
for a step alpha > 0 along x + alpha d and returns a ``LineSearchResult``; the second-order
methods (``engine.second_order``) take their steps through these. numpy only.
N&W = Nocedal & Wright, Numerical Optimization, 2nd ed.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np


# ---------------------------------------------------------------------------- evaluation
def evaluate(objective, x: np.ndarray) -> tuple[float, np.ndarray]:
    """f(x), g(x); g copied (an objective may reuse its buffer) and shape-checked."""
    f, g = objective.value_and_grad(x)
    g = np.array(g, dtype=np.float64)
    if g.shape != x.shape:
        raise ValueError(f"objective gradient has shape {g.shape}, expected {x.shape}")
    return float(f), g


def is_finite(f: float, g: np.ndarray) -> bool:
    """True when f and every entry of g are finite."""
    return math.isfinite(f) and bool(np.all(np.isfinite(g)))


# --------------------------------------------------------------------------- line search
class NotDescentDirectionError(ValueError):
    """Raised by the line searches when g'd >= 0 (or NaN): f cannot decrease along d."""


class LineSearchResult(NamedTuple):
    """alpha: accepted step, 0.0 when none was found; x (n,), f, g (n,): the point x + alpha d
    with its value and gradient; n_evals: value_and_grad calls; success: the requested conditions
    hold (alpha > 0 without success still satisfies Armijo: f decreased)."""
    alpha: float
    x: np.ndarray
    f: float
    g: np.ndarray
    n_evals: int
    success: bool
    message: str


class _Trial(NamedTuple):
    """A point on the line: f = phi(alpha) = f(x + alpha d) (inf if not finite), slope = phi'."""
    alpha: float
    x: np.ndarray
    f: float
    g: np.ndarray
    slope: float
    finite: bool


class _Line:
    """phi(alpha) along x + alpha d, counting evaluations."""

    def __init__(self, objective, x, d):
        self.objective, self.x, self.d, self.evals = objective, x, d, 0

    def __call__(self, alpha: float) -> _Trial:
        self.evals += 1
        xa = self.x + alpha * self.d
        f, g = evaluate(self.objective, xa)
        ok = is_finite(f, g)
        return _Trial(alpha, xa, f if ok else math.inf, g, float(g @ self.d) if ok else 0.0, ok)


def _check_direction(x, g, d):
    x, g, d = (np.asarray(v, dtype=np.float64) for v in (x, g, d))
    if x.ndim != 1 or g.shape != x.shape or d.shape != x.shape:
        raise ValueError(f"x, g, direction must be (n,); got {x.shape}, {g.shape}, {d.shape}")
    slope0 = float(g @ d)
    if not slope0 < 0.0:
        raise NotDescentDirectionError(f"not a descent direction: g'd = {slope0!r} must be < 0")
    return x, g, d, slope0


def _result(t: _Trial, evals: int, success: bool, message: str) -> LineSearchResult:
    if t.alpha == 0.0:
        return LineSearchResult(0.0, t.x, t.f, t.g, evals, False, "no step decreases f: " + message)
    return LineSearchResult(t.alpha, t.x, t.f, t.g, evals, success, message)


def _cubic_minimizer(a: _Trial, b: _Trial) -> float:
    """Minimiser of the cubic matching phi and phi' at a and b (N&W eq. 3.59); NaN if none."""
    if a.alpha == b.alpha:
        return math.nan
    d1 = a.slope + b.slope - 3.0 * (a.f - b.f) / (a.alpha - b.alpha)
    rad = d1 * d1 - a.slope * b.slope
    if not rad >= 0.0:
        return math.nan
    d2 = math.copysign(math.sqrt(rad), b.alpha - a.alpha)
    denom = b.slope - a.slope + 2.0 * d2
    return b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / denom if denom else math.nan


def _zoom(phi: _Line, lo: _Trial, hi: _Trial, f0, slope0, c1, c2, max_iter) -> LineSearchResult:
    """N&W Alg. 3.6. lo: the lowest Armijo point so far; a strong Wolfe step lies between."""
    while phi.evals < max_iter:
        width = hi.alpha - lo.alpha
        if abs(width) <= 1e-14 * max(lo.alpha, hi.alpha):
            break
        a = _cubic_minimizer(lo, hi) if hi.finite else math.nan
        inner = sorted((lo.alpha + 0.1 * width, hi.alpha - 0.1 * width))
        if not inner[0] <= a <= inner[1]:  # safeguard: no cubic, or too near an end: bisect
            a = lo.alpha + 0.5 * width
        t = phi(a)
        if not t.finite or t.f > f0 + c1 * a * slope0 or t.f >= lo.f:
            hi = t
        else:
            if abs(t.slope) <= -c2 * slope0:
                return _result(t, phi.evals, True, "strong Wolfe conditions hold")
            if t.slope * (hi.alpha - lo.alpha) >= 0:
                hi = lo
            lo = t
    return _result(lo, phi.evals, False, "curvature condition not met within max_iter")


def wolfe_line_search(objective, x, f, g, direction, alpha0=1.0, c1=1e-4, c2=0.9,
                      max_iter=30, alpha_max=1e10) -> LineSearchResult:
    """Find alpha > 0 satisfying the strong Wolfe conditions along d = direction:

        f(x + alpha d) <= f + c1 alpha g'd             (sufficient decrease, Armijo)
        |g(x + alpha d)'d| <= c2 |g'd|                 (curvature)

    by bracketing (N&W Alg. 3.5) and zoom (Alg. 3.6) with safeguarded cubic interpolation.
    x, g, direction : (n,); f = f(x). 0 < c1 < c2 < 1 (c2 = 0.9 for quasi-Newton, 0.1 for CG).
    max_iter bounds the evaluations. A trial point with NaN/inf counts as too far.
    Raises NotDescentDirectionError when g'd >= 0; a failed search does not raise, see
    LineSearchResult.success (alpha == 0.0 when not even Armijo could be met).
    """
    x, g, d, slope0 = _check_direction(x, g, direction)
    if not 0.0 < c1 < c2 < 1.0:
        raise ValueError(f"need 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
    if not (0.0 < alpha0 < math.inf and max_iter >= 1):
        raise ValueError(f"need alpha0 > 0 and max_iter >= 1, got {alpha0}, {max_iter}")
    phi = _Line(objective, x, d)
    prev, a = _Trial(0.0, x, float(f), g, slope0, True), min(alpha0, alpha_max)
    while phi.evals < max_iter:
        t = phi(a)
        if not t.finite or t.f > f + c1 * a * slope0 or (prev.alpha > 0 and t.f >= prev.f):
            return _zoom(phi, prev, t, f, slope0, c1, c2, max_iter)
        if abs(t.slope) <= -c2 * slope0:
            return _result(t, phi.evals, True, "strong Wolfe conditions hold")
        if t.slope >= 0:
            return _zoom(phi, t, prev, f, slope0, c1, c2, max_iter)
        if a >= alpha_max:
            return _result(t, phi.evals, False, "reached alpha_max (f unbounded below?)")
        guess = _cubic_minimizer(prev, t)  # still going down: extrapolate by 1.1x to 10x
        prev, a = t, min(alpha_max, min(max(guess, 1.1 * a), 10 * a) if guess > 0 else 2 * a)
    return _result(prev, phi.evals, False, "still decreasing after max_iter evaluations")


def backtracking_line_search(objective, x, f, g, direction, alpha0=1.0, c1=1e-4, shrink=0.5,
                             max_iter=20) -> LineSearchResult:
    """Armijo backtracking: alpha = alpha0, alpha0 shrink, ... until f(x + alpha d) <= f + c1
    alpha g'd (NaN/inf fails). Shapes and errors as for wolfe_line_search."""
    x, g, d, slope0 = _check_direction(x, g, direction)
    phi, a = _Line(objective, x, d), alpha0
    while phi.evals < max_iter:
        t = phi(a)
        if t.finite and t.f <= f + c1 * a * slope0:
            return _result(t, phi.evals, True, "Armijo condition holds")
        a *= shrink
    return _result(_Trial(0.0, x, float(f), g, slope0, True), phi.evals, False,
                   f"Armijo not met in {phi.evals} trials")
