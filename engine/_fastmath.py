"""Accurate, vectorisable scalar maths for the training kernels.

libm's ``tanh`` and ``exp`` are scalar calls that stop LLVM from vectorising a loop, and they
dominate a full-batch step of a small tanh network. ``exp_neg`` and ``tanh`` below are written
with plain arithmetic (Cody-Waite range reduction, a Taylor polynomial for ``expm1`` on
``|r| <= ln2/2`` and an exponent built from bits), so a loop over them vectorises. Their error
against numpy is a few ulp; ``tests/engine/test_activations.py`` proves it over a dense range.
"""
import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic, overload

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.4426950408889634


@intrinsic
def _bits_as_float64(typingctx, bits):
    """Reinterpret the 64 bits of an int64 as a float64 (a no-op at machine level)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _reduce(a):
    """Split a <= 0 as a = k ln2 + r; returns (2**k, expm1(r))."""
    k = math.floor(a * _INV_LN2 + 0.5)
    r = (a - k * _LN2_HI) - k * _LN2_LO
    # expm1(r) = r + r^2/2! + ... + r^13/13!  (|r| <= 0.347: truncation error < 1e-17)
    q = r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (
        1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (
            1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600
                                                      + r * (1.0 / 6227020800)))))))))))))
    scale = _bits_as_float64((np.int64(k) + 1023) << 52)  # 2**k
    return scale, q


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def expm1_nonpos(a):
    """expm1(a) for a <= 0 (clamped at -40, where expm1 is -1 to double precision)."""
    scale, q = _reduce(max(a, -40.0))
    return (scale - 1.0) + scale * q


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def exp_nonpos(a):
    """exp(a) for a <= 0, with full relative accuracy down to exp(-700)."""
    scale, q = _reduce(max(a, -700.0))
    return scale + scale * q


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def tanh(x):
    """tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)) with the sign of x."""
    em = expm1_nonpos(-2.0 * abs(x))
    return math.copysign(-em / (2.0 + em), x)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def sigmoid(x):
    """1 / (1 + exp(-x)) with full relative accuracy for both signs."""
    e = exp_nonpos(-abs(x))
    num = 1.0 if x >= 0.0 else e
    return num / (1.0 + e)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def log1p_unit(e):
    """log(1 + e) for 0 <= e <= 1: 2 atanh(s) with s = e / (2 + e) <= 1/3, summed as
    2 s (1 + s^2/3 + s^4/5 + ... + s^34/35); the first omitted term is below 1e-18."""
    s = e / (2.0 + e)
    t = s * s
    p = 1.0 / 35
    for k in range(33, 0, -2):
        p = p * t + 1.0 / k
    return 2.0 * s * p


# tanh in single precision: Eigen's rational approximation (a degree-13 odd polynomial over a
# degree-6 even one, clamped at |x| = 7.905) and +-1 beyond 9.1, every operation in
# float32 so that a float32 loop runs 8 lanes wide; error a few float32 ulp
_T32_CLAMP = np.float32(7.90531110763549805)
_T32_TINY = np.float32(0.0004)
_T32_ONE = np.float32(9.1)          # beyond it tanh rounds to +-1 in float32
_T32_A = tuple(np.float32(c) for c in (
    4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05, 5.12229709037114e-08,
    -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16))
_T32_B = tuple(np.float32(c) for c in (
    4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04, 1.19825839466702e-06))


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def tanh32(x):
    """tanh(x) of a float32, computed in float32."""
    if abs(x) < _T32_TINY:
        return x
    if abs(x) > _T32_ONE:
        return np.float32(math.copysign(1.0, x))
    a0, a1, a2, a3, a4, a5, a6 = _T32_A
    b0, b1, b2, b3 = _T32_B
    x = min(max(x, -_T32_CLAMP), _T32_CLAMP)
    x2 = x * x
    p = x * (a0 + x2 * (a1 + x2 * (a2 + x2 * (a3 + x2 * (a4 + x2 * (a5 + x2 * a6))))))
    q = b0 + x2 * (b1 + x2 * (b2 + x2 * b3))
    return p / q


def tanh_of(x):
    """tanh in the precision of x: ``tanh32`` for a float32, ``tanh`` otherwise (kernels only)."""
    raise NotImplementedError("tanh_of is for compiled kernels")


@overload(tanh_of, jit_options=dict(cache=True, nogil=True, error_model="numpy"))
def _tanh_of(x):
    if x == types.float32:
        return lambda x: tanh32(x)
    return lambda x: tanh(x)
