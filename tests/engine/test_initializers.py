"""Initializers: moments and bounds over large draws, determinism, validation."""
import math

import numpy as np
import pytest

from engine.initializers import (BIAS_INITIALIZERS, INITIALIZER_PARAMS, INITIALIZERS, init_bias,
                                 init_weights)

# fan_in != fan_out so that swapping them (or using the wrong one) changes the variance 2-4x.
FAN_IN, FAN_OUT = 200, 800
N = FAN_IN * FAN_OUT

# name -> (std, uniform half-width or None for a normal), for FAN_IN, FAN_OUT and default params
THEORY = {
    "random_normal": (0.01, None),
    "random_uniform": (0.01 / math.sqrt(3), 0.01),
    "glorot_uniform": (math.sqrt(2 / (FAN_IN + FAN_OUT)), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "glorot_normal": (math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    "he_uniform": (math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN)),
    "he_normal": (math.sqrt(2 / FAN_IN), None),
    "lecun_normal": (math.sqrt(1 / FAN_IN), None),
}


@pytest.mark.parametrize("name", list(THEORY))
def test_mean_variance_and_shape_of_large_draws(name):
    std, limit = THEORY[name]
    w = init_weights(name, FAN_IN, FAN_OUT, np.random.default_rng(1234))
    assert w.shape == (FAN_IN, FAN_OUT) and w.dtype == np.float64 and w.flags.c_contiguous
    # 5-sigma bands: the sample mean has sd std/sqrt(N); the sample variance has relative sd
    # sqrt(2/N) for a normal and sqrt(0.8/N) for a uniform (kurtosis 1.8).
    assert abs(w.mean()) < 5 * std / math.sqrt(N)
    rel_sd = math.sqrt((2.0 if limit is None else 0.8) / N)
    assert abs(w.var() / std**2 - 1) < 5 * rel_sd           # about 1.8% (normal), 1.1% (uniform)


@pytest.mark.parametrize("name", [n for n, (_, lim) in THEORY.items() if lim is not None])
def test_uniform_bounds(name):
    _, limit = THEORY[name]
    w = init_weights(name, FAN_IN, FAN_OUT, np.random.default_rng(7))
    assert np.all(np.abs(w) <= limit)
    assert w.max() > 0.999 * limit and w.min() < -0.999 * limit   # fills the whole interval
    # flat: each tenth of the interval holds 10% of the draws (binomial sd 0.075%)
    counts, _ = np.histogram(w, bins=10, range=(-limit, limit))
    assert np.all(np.abs(counts / N - 0.1) < 0.004)


@pytest.mark.parametrize("name", [n for n, (_, lim) in THEORY.items() if lim is None])
def test_normals_are_plain_not_truncated(name):
    std, _ = THEORY[name]
    w = init_weights(name, FAN_IN, FAN_OUT, np.random.default_rng(99))
    beyond_2sd = np.mean(np.abs(w) > 2 * std)            # 4.55% for N(0, std^2), 0 if truncated
    assert abs(beyond_2sd - 0.0455) < 5 * math.sqrt(0.0455 * 0.9545 / N)
    assert np.abs(w).max() > 4 * std


def test_scale_param():
    w = init_weights("random_normal", 400, 400, np.random.default_rng(3), scale=0.5)
    assert abs(w.std() / 0.5 - 1) < 0.01
    u = init_weights("random_uniform", 400, 400, np.random.default_rng(3), scale=2.0)
    assert np.all(np.abs(u) <= 2.0) and u.max() > 1.99


def test_zeros_and_constant():
    rng = np.random.default_rng(0)
    assert np.array_equal(init_weights("zeros", 3, 2, rng), np.zeros((3, 2)))
    assert np.array_equal(init_weights("constant", 3, 2, rng, value=-0.7), np.full((3, 2), -0.7))
    assert np.all(init_weights("constant", 2, 2, rng) == INITIALIZER_PARAMS["constant"]["value"])
    assert rng.bit_generator.state == np.random.default_rng(0).bit_generator.state  # no draws


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_deterministic_for_a_seed(name):
    a = init_weights(name, 5, 7, np.random.default_rng(42))
    b = init_weights(name, 5, 7, np.random.default_rng(42))
    assert np.array_equal(a, b)
    if name in THEORY:
        assert not np.array_equal(a, init_weights(name, 5, 7, np.random.default_rng(43)))
        rng = np.random.default_rng(42)
        init_weights(name, 5, 7, rng)
        assert not np.array_equal(a, init_weights(name, 5, 7, rng))   # the generator advances


def test_registry_and_params_table():
    assert set(INITIALIZERS) == {"zeros", "constant", "random_normal", "random_uniform",
                                 "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                 "lecun_normal"}
    assert INITIALIZER_PARAMS["random_normal"] == {"scale": 0.01}     # "small random numbers"
    assert INITIALIZER_PARAMS["random_uniform"] == {"scale": 0.01}
    assert INITIALIZER_PARAMS["glorot_uniform"] == {}
    for e in INITIALIZERS.values():
        assert e.doc and all(h.doc for h in e.params)
    assert BIAS_INITIALIZERS == ("zeros", "constant")


@pytest.mark.parametrize("args, kwargs", [
    (("xavier", 3, 3), {}),                              # unknown name
    (("glorot_uniform", 3, 3), {"scale": 1.0}),          # takes no params
    (("random_normal", 3, 3), {"std": 1.0}),             # unknown param
    (("random_normal", 3, 3), {"scale": 0.0}),           # scale must be > 0
    (("random_uniform", 3, 3), {"scale": float("nan")}),
    (("random_uniform", 3, 3), {"scale": "0.1"}),
    (("constant", 3, 3), {"value": float("inf")}),
    (("he_normal", 0, 3), {}),
    (("he_normal", 3, -1), {}),
    (("he_normal", 3.0, 3), {}),
    (("he_normal", True, 3), {}),
])
def test_bad_arguments_raise_value_error(args, kwargs):
    with pytest.raises(ValueError):
        init_weights(*args, np.random.default_rng(0), **kwargs)


def test_error_names_the_param():
    with pytest.raises(ValueError, match=r"scale.*\(0, 10\]"):
        init_weights("random_normal", 3, 3, np.random.default_rng(0), scale=-1.0)


def test_rng_must_be_a_generator():
    with pytest.raises(TypeError):
        init_weights("he_normal", 3, 3, np.random.RandomState(0))
    with pytest.raises(TypeError):
        init_weights("he_normal", 3, 3, 0)


def test_init_bias():
    assert np.array_equal(init_bias("zeros", 4), np.zeros(4))
    assert np.array_equal(init_bias("zeros", 4, value=0.3), np.zeros(4))   # value is for constant
    b = init_bias("constant", 3, value=0.1)
    assert b.dtype == np.float64 and np.array_equal(b, [0.1, 0.1, 0.1])
    for bad in [("glorot_uniform", 3), ("zeros", 0), ("zeros", 2.0)]:
        with pytest.raises(ValueError):
            init_bias(*bad)
    with pytest.raises(ValueError, match="value"):
        init_bias("constant", 3, value=float("nan"))
