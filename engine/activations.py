"""Activation functions and their derivatives, chosen inside kernels by an integer code.

A function and its derivative travel together: ``activate`` computes ``a = f(z)`` and
``backprop_activation`` turns dL/da into dL/dz = dL/da * f'(z), reading whichever of ``z`` or
``a`` gives the cheaper exact derivative. Both work on flat blocks (a layer's batch of
pre-activations laid out contiguously), with the branch on the code outside the loop so each loop
vectorises.

``param`` is the one shape parameter some activations take: the leaky-ReLU slope, the ELU alpha.
"""
import math

import numpy as np
from numba import njit

from engine import _fastmath as fm

LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, SOFTPLUS, ELU, SWISH, SOFTMAX = range(9)

#: Hidden-layer activations by key, with a display label and the default of their parameter.
ACTIVATIONS = {
    "linear": LINEAR,
    "sigmoid": SIGMOID,
    "tanh": TANH,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "softplus": SOFTPLUS,
    "elu": ELU,
    "swish": SWISH,
}
ACTIVATION_LABELS = {
    "linear": "Linear", "sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU",
    "leaky_relu": "Leaky ReLU", "softplus": "Softplus", "elu": "ELU", "swish": "Swish",
}
#: Default shape parameter per activation (slope for leaky ReLU, alpha for ELU).
ACTIVATION_PARAM_DEFAULT = {"leaky_relu": 0.01, "elu": 1.0}
#: Output activations (the last layer); softmax acts on a whole row.
OUTPUT_ACTIVATIONS = {"linear": LINEAR, "sigmoid": SIGMOID, "softmax": SOFTMAX, "tanh": TANH}

_KW = dict(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})


@njit(**_KW)
def activate(code, z, a, param):
    """a[i] = f(z[i]) for flat float64 arrays z, a of one length (softmax: see softmax_rows)."""
    n = z.size
    zero = z.dtype.type(0.0)
    if code == TANH:
        for i in range(n):
            a[i] = fm.tanh_of(z[i])
    elif code == RELU:
        for i in range(n):
            a[i] = max(z[i], zero)
    elif code == SIGMOID:
        for i in range(n):
            a[i] = fm.sigmoid(z[i])
    elif code == LEAKY_RELU:
        for i in range(n):
            a[i] = z[i] if z[i] > 0.0 else param * z[i]
    elif code == SOFTPLUS:
        for i in range(n):  # log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
            a[i] = max(z[i], 0.0) + math.log1p(fm.exp_nonpos(-abs(z[i])))
    elif code == ELU:
        for i in range(n):
            a[i] = z[i] if z[i] > 0.0 else param * fm.expm1_nonpos(z[i])
    elif code == SWISH:
        for i in range(n):
            a[i] = z[i] * fm.sigmoid(z[i])
    else:  # LINEAR
        for i in range(n):
            a[i] = z[i]


@njit(**_KW)
def backprop_activation(code, z, a, param, grad):
    """grad[i] *= f'(z[i]) in place: dL/da becomes dL/dz. f'(0) of ReLU is taken as 0."""
    n = z.size
    one = z.dtype.type(1.0)         # constants of the arrays' type: float32 stays float32
    zero = z.dtype.type(0.0)
    if code == TANH:
        for i in range(n):
            grad[i] *= one - a[i] * a[i]
    elif code == RELU:
        for i in range(n):
            grad[i] = grad[i] if z[i] > zero else zero
    elif code == SIGMOID:
        for i in range(n):
            grad[i] *= a[i] * (one - a[i])
    elif code == LEAKY_RELU:
        for i in range(n):
            grad[i] = grad[i] if z[i] > zero else param * grad[i]
    elif code == SOFTPLUS:
        for i in range(n):
            grad[i] *= fm.sigmoid(z[i])
    elif code == ELU:
        for i in range(n):
            grad[i] = grad[i] if z[i] > 0.0 else grad[i] * (a[i] + param)
    elif code == SWISH:
        for i in range(n):
            s = fm.sigmoid(z[i])
            grad[i] *= s + z[i] * s * (1.0 - s)
    # LINEAR: derivative 1, nothing to do


@njit(**_KW)
def softmax_rows(z, a, rows, cols):
    """Row-wise softmax of z viewed as (rows, cols), written to a; max-shifted, so it never
    overflows."""
    for r in range(rows):
        base = r * cols
        m = z[base]
        for j in range(1, cols):
            m = max(m, z[base + j])
        s = 0.0
        for j in range(cols):
            e = fm.exp_nonpos(z[base + j] - m)
            a[base + j] = e
            s += e
        inv = 1.0 / s
        for j in range(cols):
            a[base + j] *= inv


@njit(**_KW)
def softmax_columns(z, a, rows, cols):
    """Column-wise softmax of z viewed as (rows, cols) -- feature-major: each column is one
    sample's logits -- written to a; max-shifted, so it never overflows."""
    for c in range(cols):
        m = z[c]
        for r in range(1, rows):
            m = max(m, z[r * cols + c])
        s = 0.0
        for r in range(rows):
            e = fm.exp_nonpos(z[r * cols + c] - m)
            a[r * cols + c] = e
            s += e
        inv = 1.0 / s
        for r in range(rows):
            a[r * cols + c] *= inv


def activation_code(name):
    """Integer code of a hidden activation key; ValueError listing the valid keys."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None


def apply(name, z, param=None):
    """Convenience for tests and views: f(z) for an array of any shape (a new array)."""
    code = ACTIVATIONS[name] if name in ACTIVATIONS else OUTPUT_ACTIVATIONS[name]
    param = ACTIVATION_PARAM_DEFAULT.get(name, 0.0) if param is None else param
    z = np.ascontiguousarray(z, dtype=np.float64)
    a = np.empty_like(z)
    if code == SOFTMAX:
        rows, cols = z.reshape(-1, z.shape[-1]).shape
        softmax_rows(z.ravel(), a.ravel(), rows, cols)
    else:
        activate(code, z.ravel(), a.ravel(), float(param))
    return a


def derivative(name, z, param=None):
    """f'(z) for an array (tests and the activation plot)."""
    param = ACTIVATION_PARAM_DEFAULT.get(name, 0.0) if param is None else param
    z = np.ascontiguousarray(z, dtype=np.float64)
    a = apply(name, z, param)
    g = np.ones_like(z)
    backprop_activation(ACTIVATIONS[name], z.ravel(), a.ravel(), float(param), g.ravel())
    return g
