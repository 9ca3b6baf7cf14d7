"""Weight and bias initializers.

A layer with fan_in inputs and fan_out units has W : float64 (fan_in, fan_out) and
b : float64 (fan_out,). Weights must be random to break the symmetry between units (the
course's "pitfall: all zero initialization"); "small random numbers" works for shallow nets,
and the calibrated schemes keep Var(s) = fan_in Var(w) Var(x) near Var(x) from layer to layer:

    name            distribution of W[i, j]                         params
    zeros           0                                               -
    constant        value                                           value
    random_normal   N(0, scale^2)                                   scale (default 0.01)
    random_uniform  U[-scale, scale]                                scale (default 0.01)
    glorot_uniform  U[-sqrt(6/(fan_in+fan_out)), +sqrt(6/(...))]    -
    glorot_normal   N(0, 2/(fan_in+fan_out))                        -
    he_uniform      U[-sqrt(6/fan_in), +sqrt(6/fan_in)]             -
    he_normal       N(0, 2/fan_in)                                  -
    lecun_normal    N(0, 1/fan_in)                                  -

Normals are plain (not truncated), so the variances above are exact. All randomness comes from
the numpy Generator passed in, so a seed fixes the weights.
"""
import math
import numbers
from typing import Callable, NamedTuple

import numpy as np

from engine.hyper import Hyper, check_hypers


class Initializer(NamedTuple):
    """A registry entry: ``sample(fan_in, fan_out, rng, **params) -> float64 (fan_in, fan_out)``."""
    name: str
    doc: str
    params: tuple
    sample: Callable


def _zeros(fan_in, fan_out, rng, size=None):
    return np.zeros(size or (fan_in, fan_out))


def _constant(fan_in, fan_out, rng, value, size=None):
    return np.full(size or (fan_in, fan_out), value)


def _random_normal(fan_in, fan_out, rng, scale, size=None):
    return rng.normal(0.0, scale, size=size or (fan_in, fan_out))


def _random_uniform(fan_in, fan_out, rng, scale, size=None):
    return rng.uniform(-scale, scale, size=size or (fan_in, fan_out))


def _glorot_uniform(fan_in, fan_out, rng, size=None):
    return _random_uniform(fan_in, fan_out, rng, math.sqrt(6.0 / (fan_in + fan_out)), size)


def _glorot_normal(fan_in, fan_out, rng, size=None):
    return _random_normal(fan_in, fan_out, rng, math.sqrt(2.0 / (fan_in + fan_out)), size)


def _he_uniform(fan_in, fan_out, rng, size=None):
    return _random_uniform(fan_in, fan_out, rng, math.sqrt(6.0 / fan_in), size)


def _he_normal(fan_in, fan_out, rng, size=None):
    return _random_normal(fan_in, fan_out, rng, math.sqrt(2.0 / fan_in), size)


def _lecun_normal(fan_in, fan_out, rng, size=None):
    return _random_normal(fan_in, fan_out, rng, math.sqrt(1.0 / fan_in), size)


_SCALE = Hyper("scale", 0.01, 0.0, 10.0, "Standard deviation (normal) or half-width (uniform) "
               "of the small random weights.", low_inclusive=False)

_ENTRIES = (
    Initializer("zeros", "All weights 0: every unit in a layer stays identical (symmetry).",
                (), _zeros),
    Initializer("constant", "All weights equal: units stay identical, like zeros.",
                (Hyper("value", 0.1, -10.0, 10.0, "The value of every weight."),), _constant),
    Initializer("random_normal", "Small random numbers from N(0, scale^2).", (_SCALE,),
                _random_normal),
    Initializer("random_uniform", "Small random numbers from U[-scale, scale].", (_SCALE,),
                _random_uniform),
    Initializer("glorot_uniform", "Glorot & Bengio (2010) normalized initialization: "
                "U[-sqrt(6/(m+n)), sqrt(6/(m+n))] for m inputs, n outputs.", (), _glorot_uniform),
    Initializer("glorot_normal", "Glorot (Xavier) normal: N(0, 2/(m+n)).", (), _glorot_normal),
    Initializer("he_uniform", "He et al. (2015), for ReLU: U[-sqrt(6/m), sqrt(6/m)].", (),
                _he_uniform),
    Initializer("he_normal", "He et al. (2015), for ReLU: N(0, 2/m).", (), _he_normal),
    Initializer("lecun_normal", "LeCun normal: N(0, 1/m), keeps Var(s) = Var(x).", (),
                _lecun_normal),
)

#: name -> Initializer (doc, params, sample)
INITIALIZERS = {e.name: e for e in _ENTRIES}
#: name -> {param: default} for the params each initializer takes
INITIALIZER_PARAMS = {e.name: {h.name: h.default for h in e.params} for e in _ENTRIES}
#: bias initializers accepted by ``init_bias``
BIAS_INITIALIZERS = ("zeros", "constant")


def _check_count(label, n):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{label} must be an int >= 1, got {n!r}")
    return int(n)


def init_weights(name, fan_in, fan_out, rng, size=None, **params):
    """W : float64 (fan_in, fan_out) drawn by initializer ``name`` from the Generator ``rng``.

    params: those listed in INITIALIZER_PARAMS[name] (others raise ValueError).
    size: another shape to draw, scaled by fan_in and fan_out all the same (a conv kernel
    (filters, channels, k, k) has fan_in = channels k^2 and fan_out = filters k^2).
    """
    if name not in INITIALIZERS:
        raise ValueError(f"unknown initializer {name!r}; known: {list(INITIALIZERS)}")
    fan_in = _check_count("fan_in", fan_in)
    fan_out = _check_count("fan_out", fan_out)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    entry = INITIALIZERS[name]
    values = check_hypers(name, entry.params, params)
    w = entry.sample(fan_in, fan_out, rng, size=None if size is None else tuple(size), **values)
    return np.ascontiguousarray(w, dtype=np.float64)


def init_bias(name, n, value=0.0):
    """b : float64 (n,): "zeros", or "constant" (every entry = value; value is unused by zeros)."""
    if name not in BIAS_INITIALIZERS:
        raise ValueError(f"unknown bias initializer {name!r}; known: {list(BIAS_INITIALIZERS)}")
    n = _check_count("n", n)
    value = INITIALIZERS["constant"].params[0].check(value, "init_bias")
    return np.zeros(n) if name == "zeros" else np.full(n, value)
