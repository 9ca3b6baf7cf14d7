"""Activations: values against numpy's libm, derivatives against finite differences, and the
fast scalar maths proven accurate over dense ranges."""
import numpy as np
import pytest
from numba import njit

from engine import _fastmath as fm
from engine import activations as A


@njit
def _map(f, x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = f(x[i])
    return out


def _dense_range(lo, hi):
    return np.concatenate([np.linspace(lo, hi, 400_001), np.logspace(-300, 1, 3000),
                           -np.logspace(-300, 1, 3000), [0.0, -0.0]])


def test_fast_tanh_is_accurate_to_a_few_ulp():
    x = _dense_range(-40, 40)
    ref = np.tanh(x)
    got = _map(fm.tanh, x)
    rel = np.abs(got - ref) / np.maximum(np.abs(ref), np.finfo(float).tiny)
    assert rel.max() < 1e-15
    assert np.all(np.abs(got) <= 1.0)
    assert got[-2] == 0.0 and np.isfinite(_map(fm.tanh, np.array([1e308, -1e308]))).all()


def test_fast_sigmoid_keeps_relative_accuracy_in_both_tails():
    x = _dense_range(-700, 700)
    ref = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    got = _map(fm.sigmoid, x)
    rel = np.abs(got - ref) / ref
    assert rel.max() < 1e-14
    assert _map(fm.sigmoid, np.array([-745.0]))[0] >= 0.0


def test_exp_and_log1p_helpers_match_numpy():
    a = -np.concatenate([np.linspace(0, 700, 200_001), np.logspace(-300, 2, 2000)])
    assert np.max(np.abs(_map(fm.exp_nonpos, a) - np.exp(a)) / np.exp(a)) < 1e-15
    assert np.max(np.abs(_map(fm.expm1_nonpos, a[:100_000]) - np.expm1(a[:100_000]))
                  / np.maximum(np.abs(np.expm1(a[:100_000])), 1e-300)) < 1e-15
    e = np.concatenate([np.linspace(0, 1, 200_001), np.logspace(-300, 0, 2000)])
    ref = np.log1p(e)
    assert np.max(np.abs(_map(fm.log1p_unit, e) - ref) / np.maximum(ref, 1e-300)) < 1e-15


REFERENCE = {
    "linear": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
    "swish": lambda z: z / (1 + np.exp(-z)),
}


@pytest.mark.parametrize("name", sorted(A.ACTIVATIONS))
def test_activation_values_match_their_definitions(name):
    z = np.linspace(-8, 8, 2001)
    np.testing.assert_allclose(A.apply(name, z), REFERENCE[name](z), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(A.ACTIVATIONS))
def test_activation_derivatives_match_finite_differences(name):
    z = np.linspace(-6, 6, 1201) + 0.0037  # avoid the kink of (leaky) ReLU at 0
    h = 1e-6
    fd = (A.apply(name, z + h) - A.apply(name, z - h)) / (2 * h)
    np.testing.assert_allclose(A.derivative(name, z), fd, rtol=1e-6, atol=1e-8)


def test_leaky_relu_slope_and_elu_alpha_are_parameters():
    z = np.array([-2.0, 3.0])
    np.testing.assert_allclose(A.apply("leaky_relu", z, 0.2), [-0.4, 3.0])
    np.testing.assert_allclose(A.apply("elu", z, 2.0), [2 * np.expm1(-2.0), 3.0])


def test_softmax_rows_sum_to_one_and_never_overflow():
    z = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    a = A.apply("softmax", z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    e = np.exp(z[0] - z[0].max())
    np.testing.assert_allclose(a[0], e / e.sum())
    np.testing.assert_allclose(a[1], 1 / 3)


def test_unknown_activation_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        A.activation_code("gelu")
