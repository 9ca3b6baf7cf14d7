"""2-D loss surfaces for the optimizer race: value, gradient and Hessian in closed form.

A ``Surface`` is an objective in the sense of ``engine.second_order``: it has
``value_and_grad(x)`` and ``hessian(x)`` for x float64 (2,), so the second-order methods run on
it unchanged, and the first-order kernels of ``engine.optimizers`` are fed its gradient
(``engine.race``). ``values(X, Y)`` evaluates a whole contour grid at once.

    SURFACES["rosenbrock"]                       # the default surface (a registry entry)
    make_surface("valley", condition_number=50)  # with other parameters
    make_surface("beale", noise_std=0.5, seed=3) # a noisy-gradient version

Noisy gradients (stochastic-gradient practice): the gradient gets N(0, noise_std^2) noise per
component drawn from the counter-based generator of ``engine.rng``, keyed by (seed, step,
evaluation within the step), so a race is the same bit for bit given the seed; the value and
the Hessian stay exact. The racer sets ``surface.step`` before each step (``begin_step``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from engine import rng
from engine.hyper import Hyper, check_hypers

NOISE = 3  # rng stream of surface gradient noise (rng.SHUFFLE = 1, rng.DROPOUT = 2)


# ----------------------------------------------------------------------- the functions
# Each takes x, y (numpy arrays of one shape, or floats) and the parameter dict p; the value
# returns an array of that shape, the gradient a pair, the Hessian ((fxx, fxy), (fxy, fyy)).

def _saddle(x, y, p):
    return x * x - y * y, (2 * x, -2 * y), (2 + 0 * x, 0 * x, -2 + 0 * x)


def _quartic_saddle(x, y, p):
    return (x * x + y ** 4 / 4 - y * y / 2, (2 * x, y ** 3 - y),
            (2 + 0 * x, 0 * x, 3 * y * y - 1))


def _valley(x, y, p):
    k = p["condition_number"]
    return 0.5 * (x * x + k * y * y), (x, k * y), (1 + 0 * x, 0 * x, k + 0 * x)


def _rosenbrock(x, y, p):
    a, b = 1.0, 100.0
    r = y - x * x
    return ((a - x) ** 2 + b * r * r, (-2 * (a - x) - 4 * b * x * r, 2 * b * r),
            (2 - 4 * b * r + 8 * b * x * x, -4 * b * x, 2 * b + 0 * x))


def _beale(x, y, p):
    f = gx = gy = hxx = hxy = hyy = 0.0
    for i, c in ((1, 1.5), (2, 2.25), (3, 2.625)):
        r = c - x + x * y ** i                  # residual; f = sum r^2
        rx, ry = y ** i - 1, i * x * y ** (i - 1)
        rxy, ryy = i * y ** (i - 1), i * (i - 1) * x * y ** max(i - 2, 0)
        f = f + r * r
        gx, gy = gx + 2 * r * rx, gy + 2 * r * ry
        hxx = hxx + 2 * rx * rx
        hxy = hxy + 2 * (rx * ry + r * rxy)
        hyy = hyy + 2 * (ry * ry + r * ryy)
    return f, (gx, gy), (hxx, hxy, hyy)


def _himmelblau(x, y, p):
    a, b = x * x + y - 11, x + y * y - 7
    return (a * a + b * b, (4 * x * a + 2 * b, 2 * a + 4 * y * b),
            (12 * x * x + 4 * y - 42, 4 * x + 4 * y, 4 * x + 12 * y * y - 26))


def _cliff(x, y, p):
    """A high plateau (x < 0) that falls by ``height`` over a width ~ 1/steepness at x = 0 to a
    shallow bowl around (2, 0): f = h s(x) + c (x - 2)^2 / 2 + y^2 / 2, s = 1 / (1 + e^(k x))."""
    h, k, c = p["cliff_height"], p["steepness"], 0.05
    t = np.tanh(0.5 * k * x)
    s = 0.5 * (1 - t)                          # the logistic step, stable for any x
    q = 0.25 * (1 - t * t)                     # s (1 - s)
    return (h * s + 0.5 * c * (x - 2) ** 2 + 0.5 * y * y,
            (-h * k * q + c * (x - 2), y),
            (h * k * k * q * (1 - 2 * s) + c, 0 * x, 1 + 0 * x))


# ------------------------------------------------------------------------- the object
@dataclass(frozen=True)
class Surface:
    """One 2-D test function; immutable (``make_surface`` builds variants).

    key, label, formula : registry key, display name, formula text
    box      : (x_min, x_max, y_min, y_max), the default view
    start    : (x, y), the default start point of a race
    minima   : ((x, y), ...) known (local) minima; minimum_values: f at each
    saddles  : ((x, y), ...) known saddle points
    params   : the parameters' values (HYPERPARAMS declares them)
    noise_std, seed : gradient noise (0.0: exact gradients)
    """
    key: str
    label: str
    formula: str
    function: Callable
    box: tuple
    start: tuple
    minima: tuple = ()
    minimum_values: tuple = ()
    saddles: tuple = ()
    HYPERPARAMS: tuple = ()
    params: dict = field(default_factory=dict)
    minima_of: Callable | None = None          # params -> (minima, values) when they move
    noise_std: float = 0.0
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "_counter", [0, 0])   # (step, evaluations in this step)

    # -- evaluation ------------------------------------------------------------------
    def values(self, X, Y):
        """f on a grid: X, Y float64 arrays of one shape (e.g. from np.meshgrid) -> that shape."""
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        if X.shape != Y.shape:
            raise ValueError(f"{self.key}: X shape {X.shape} != Y shape {Y.shape}")
        return np.asarray(self.function(X, Y, self.params)[0], dtype=np.float64)

    def value(self, x) -> float:
        """f at x, float64 (2,) (never noisy)."""
        x = _point(x, self.key)
        return float(self.function(x[0], x[1], self.params)[0])

    def gradient(self, x) -> np.ndarray:
        """The exact gradient at x: float64 (2,) (never noisy)."""
        x = _point(x, self.key)
        return np.array(self.function(x[0], x[1], self.params)[1], dtype=np.float64)

    def value_and_grad(self, x):
        """(f, g (2,)) at x (2,); g carries the gradient noise when noise_std > 0."""
        x = _point(x, self.key)
        f, g, _ = self.function(x[0], x[1], self.params)
        g = np.array(g, dtype=np.float64)
        if self.noise_std > 0.0:
            step, k = self._counter
            g += self.noise_std * gradient_noise(self.seed, step, k)
            self._counter[1] = k + 1
        return float(f), g

    def hessian(self, x) -> np.ndarray:
        """The exact Hessian at x (2,): float64 (2, 2)."""
        x = _point(x, self.key)
        hxx, hxy, hyy = self.function(x[0], x[1], self.params)[2]
        return np.array([[hxx, hxy], [hxy, hyy]], dtype=np.float64)

    def begin_step(self, step: int) -> None:
        """Key the gradient noise of the evaluations that follow to race step ``step``."""
        self._counter[:] = [int(step), 0]

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        noise = f", noise_std={self.noise_std!r}, seed={self.seed!r}" if self.noise_std else ""
        return f"Surface({self.key!r}{extra}{noise})"


def gradient_noise(seed, step, evaluation) -> np.ndarray:
    """float64 (2,) standard normal draws for (seed, step, evaluation), Box-Muller on the
    counter-based uniforms of ``engine.rng``: the same arguments give the same numbers.
    (Plain Python over rng's inlined helpers: two draws per step need no kernel of their own.)"""
    k = np.uint64(rng.key(np.uint64(seed), np.uint64(NOISE), np.uint64(step)))
    u1 = 1.0 - rng.uniform(k, np.uint64(2 * evaluation))       # (0, 1]: the log is finite
    u2 = rng.uniform(k, np.uint64(2 * evaluation + 1))
    r = math.sqrt(-2.0 * math.log(u1))
    return np.array([r * math.cos(2.0 * math.pi * u2), r * math.sin(2.0 * math.pi * u2)])


def _point(x, key):
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (2,):
        raise ValueError(f"{key}: a point is float64 (2,), got shape {x.shape}")
    return x


def _cliff_minimum(p):
    """The bowl's minimum, moved a hair by the cliff's tail: Newton on the gradient from (2, 0)."""
    s = Surface("cliff", "", "", _cliff, (0, 0, 0, 0), (0, 0), params=p)
    x = np.array([2.0, 0.0])
    for _ in range(20):
        x = x - np.linalg.solve(s.hessian(x), s.gradient(x))
    return ((float(x[0]), float(x[1])),), (s.value(x),)


_HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                      (-3.779310253377747, -3.283185991286170),
                      (3.584428340330492, -1.848126526964404))

SURFACES = {s.key: s for s in (
    Surface("saddle", "Saddle", "x^2 - y^2", _saddle, (-2.0, 2.0, -2.0, 2.0), (-1.5, 0.01),
            saddles=((0.0, 0.0),)),
    Surface("quartic_saddle", "Saddle with two minima", "x^2 + y^4/4 - y^2/2", _quartic_saddle,
            (-2.0, 2.0, -2.0, 2.0), (-1.5, 0.01), minima=((0.0, 1.0), (0.0, -1.0)),
            minimum_values=(-0.25, -0.25), saddles=((0.0, 0.0),)),
    Surface("valley", "Long narrow valley", "(x^2 + kappa y^2) / 2", _valley,
            (-5.0, 5.0, -2.0, 2.0), (-4.0, 1.0), minima=((0.0, 0.0),), minimum_values=(0.0,),
            HYPERPARAMS=(Hyper("condition_number", 25.0, 1.0, 1e6, "kappa: curvature across the "
                               "valley over curvature along it"),),
            params={"condition_number": 25.0}),
    Surface("rosenbrock", "Rosenbrock", "(1 - x)^2 + 100 (y - x^2)^2", _rosenbrock,
            (-2.0, 2.0, -1.0, 3.0), (-1.2, 1.0), minima=((1.0, 1.0),), minimum_values=(0.0,)),
    Surface("beale", "Beale", "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
            _beale, (-4.5, 4.5, -4.5, 4.5), (1.0, 1.5), minima=((3.0, 0.5),),
            minimum_values=(0.0,)),
    Surface("himmelblau", "Himmelblau (four minima)", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            _himmelblau, (-5.0, 5.0, -5.0, 5.0), (0.0, 0.0), minima=_HIMMELBLAU_MINIMA,
            minimum_values=(0.0,) * 4),
    Surface("cliff", "Plateau ending in a cliff",
            "h / (1 + e^(k x)) + 0.05 (x - 2)^2 / 2 + y^2 / 2", _cliff, (-4.0, 4.0, -2.0, 2.0),
            (-3.0, 1.0), HYPERPARAMS=(
                Hyper("cliff_height", 20.0, 0.0, 1e4, "h: how far the cliff drops"),
                Hyper("steepness", 20.0, 0.1, 1e3, "k: the cliff is about 4/k wide")),
            params={"cliff_height": 20.0, "steepness": 20.0}, minima_of=_cliff_minimum),
)}
SURFACES["cliff"] = replace(SURFACES["cliff"], **dict(zip(
    ("minima", "minimum_values"), _cliff_minimum(SURFACES["cliff"].params))))

_NOISE_STD = Hyper("noise_std", 0.0, 0.0, 1e6, "standard deviation of the gradient noise")
_SEED = Hyper("seed", 0, 0, 2**63 - 1, "seed of the gradient noise", kind="int")


def make_surface(key, noise_std=0.0, seed=0, **params) -> Surface:
    """The surface ``key`` of SURFACES with other parameters and/or gradient noise.

    Unknown keys, unknown parameters and out-of-range values raise ValueError naming them.
    """
    if key not in SURFACES:
        raise ValueError(f"unknown surface {key!r}; choose one of {list(SURFACES)}")
    base = SURFACES[key]
    p = check_hypers(key, base.HYPERPARAMS, {**base.params, **params})
    extra = {}
    if base.minima_of is not None:
        extra = dict(zip(("minima", "minimum_values"), base.minima_of(p)))
    return replace(base, params=p, noise_std=_NOISE_STD.check(noise_std, key),
                   seed=_SEED.check(seed, key), **extra)
