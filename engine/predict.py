"""Evaluating many rows at once: the decision-boundary grid, the neuron maps, a test set.

The rows go through ``engine.layer_kernels.forward`` (evaluation mode: no dropout, batch norm
from its running statistics) in chunks of ``chunk`` rows, the chunks in parallel threads, each
chunk's matrix products one BLAS call on one thread (``engine.blas.single_threaded``). A
256x256 grid of a 16x256 network is then 256 products of 256x256 by 256x256 per layer, two at a
time on two cores, where the loop kernel (``engine.kernels.predict_all``) took 2.5-5 times as
long.
Small dense networks (every layer's n_in * n_out * chunk below ``layer_kernels.BLAS_MIN``) stay
on that loop kernel, which is faster there.

Each row's numbers depend only on its chunk (rows ``c*chunk`` to ``(c+1)*chunk``), never on the
threads: the same inputs give bit-identical outputs however many threads run, in either
precision.

``dtype=np.float32`` evaluates in single precision: the parameters, buffers and rows are cast
once per call, the products are float32 BLAS calls (sgemm) and the activations are stored in
float32 (each computed in float64 and rounded), about twice as fast as float64 for a large
network. The views' grids use it (they only draw colours); losses and metrics stay float64.
"""
import numpy as np
from numba import njit, prange

from engine import blas
from engine.precision import as_dtype
from engine.layer_kernels import CONV2D, G_CIN, G_COUT, G_HOUT, G_K, G_KIND, G_WOUT, forward

OUTPUTS, LOGITS, ALL_UNITS = 0, 1, 2


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def _predict_chunks(params, buffers, gi, gf, X, out, mode, chunk):
    n, n_in = X.shape
    L = gi.shape[0]
    units = np.empty(L, np.int64)
    col = 1
    for l in range(L):
        units[l] = gi[l, G_COUT] * gi[l, G_HOUT] * gi[l, G_WOUT]
        if gi[l, G_KIND] == CONV2D:
            col = max(col, gi[l, G_CIN] * gi[l, G_K] * gi[l, G_K] * gi[l, G_HOUT] * gi[l, G_WOUT])
    total = units.sum()
    K = units[L - 1]
    n_chunks = (n + chunk - 1) // chunk
    for c in prange(n_chunks):
        r0 = c * chunk
        B = min(chunk, n - r0)
        uoff = np.zeros(L, np.int64)
        for l in range(1, L):
            uoff[l] = uoff[l - 1] + B * units[l - 1]
        dt = X.dtype
        xb = np.empty(B * n_in, dt)
        za = np.empty(B * total, dt)
        aa = np.empty(B * total, dt)
        ma = np.empty(B * total, dt)
        stats = np.empty(max(buffers.size, 1), dt)
        cols = np.empty(col * B, dt)
        for b in range(B):
            for i in range(n_in):
                xb[i * B + b] = X[r0 + b, i]
        forward(params, buffers, gi, gf, xb, B, za, aa, ma, stats, cols, uoff, False, False,
                np.uint64(0))
        if mode == ALL_UNITS:
            c0 = 0
            for l in range(L):
                base = uoff[l]
                for j in range(units[l]):
                    for b in range(B):
                        out[r0 + b, c0 + j] = aa[base + j * B + b]
                c0 += units[l]
        else:
            o = uoff[L - 1]
            src = za if mode == LOGITS else aa
            for b in range(B):
                for j in range(K):
                    out[r0 + b, j] = src[o + j * B + b]


def predict_rows(params, buffers, gi, gf, X, mode=OUTPUTS, chunk=256, dtype=np.float64):
    """Evaluate every row of X (n, n_inputs); returns (n, m) of type ``dtype``.

    params (P,), buffers (n_buffers,), gi, gf: the network's geometry tables
    (``NetworkSpec.geometry_tables``). mode OUTPUTS: m = n_outputs, the output activations;
    LOGITS: the output layer's pre-activations; ALL_UNITS: m = every unit of every layer, the
    layers side by side in their order (output last), each in (c, y, x) order.
    dtype: np.float64 or np.float32 (or "float64" / "float32"), the precision of the whole
    evaluation; params, buffers and X are cast to it (copied only when they are not already)."""
    if mode not in (OUTPUTS, LOGITS, ALL_UNITS):
        raise ValueError(f"mode must be OUTPUTS, LOGITS or ALL_UNITS, got {mode!r}")
    chunk = int(chunk)
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    dtype = as_dtype(dtype)
    params, buffers, X = (np.ascontiguousarray(a, dtype) for a in (params, buffers, X))
    units = gi[:, G_COUT] * gi[:, G_HOUT] * gi[:, G_WOUT]
    out = np.empty((X.shape[0], int(units.sum() if mode == ALL_UNITS else units[-1])), dtype)
    # One BLAS thread per chunk, also for a chunk alone: OpenBLAS's float32 products on
    # several threads were seen to differ in the last bit from one thread (Haswell kernels).
    with blas.single_threaded():
        _predict_chunks(params, buffers, gi, gf, X, out, mode, chunk)
    return out
