"""The forward and backward passes of networks of any layer kinds, one layer at a time, each
layer's work either whole or shared out by features between numba's threads.

Layout (``engine.layer_kernels``): a batch is stored feature-major, element (c, y, x) of sample
b at ((c*H + y)*W + x)*B + b, so feature f's B values are the block [f*B, (f+1)*B) and a layer
is a (features, B) matrix:

- dense:  z (n_out x B) = W^T (n_out x n_in) @ a_prev (n_in x B) + b
- conv:   im2col gathers cols (C k^2 x Ho Wo B), then z (O x Ho Wo B) = K (O x C k^2) @ cols + b

both one BLAS product. Pooling, flatten, dropout and batch norm are loops over the batch.

**Threads inside a layer** (``forward_threads``, ``backward_threads``: training steps of
networks of dense, batch-norm, flatten and dropout layers, the ``family_*`` passes;
``engine.batch_split.plan`` says when): thread t of T takes the features
[t*n//T, (t+1)*n//T) of what the layer writes and calls one-thread BLAS on its block of the
product: forward, its rows of z (then their bias, activation and dropout); backward, its rows
of dW and of the previous layer's delta (then that layer's dropout and activation derivative)
and its rows of the bias gradient; batch norm, its channels. The whole batch stays one block:
no copy of the gradient per thread, batch norm's statistics over the whole batch, and each
number depends only on the layer's shape and the thread count, so runs with the same thread
count are bit-identical (with another count a product's last bits may differ: BLAS picks its
kernel by the shape of the block). Layers whose product is below ``BLAS_MIN``, the output
layer's forward pass (softmax reads whole columns) and conv and pool layers (``forward``,
``backward``) run on one thread.

Layer l's pre-activations, activations, masks (dropout multipliers, max-pool winners, batch-norm
x^) and deltas start at ``uoff[l]`` in ``za``, ``aa``, ``ma`` and ``da``. Batch norm keeps each
channel's batch mean and 1/sqrt(var + eps) in ``stats`` at the layer's buffer offset, and its
running statistics in ``buffers`` (running mean at G_BOFF, running variance after it).
"""
import numpy as np
from numba import njit, prange

from engine import rng
from engine.activations import SOFTMAX, activate, backprop_activation, softmax_columns
from engine.layer_ops import (BLAS_MIN, _add_bias, _batchnorm_backward, _batchnorm_forward,
                              _col2im, _im2col, _mm_nn, _mm_nt, _mm_tn, _pool_backward,
                              _pool_forward, _row_sums, dense_backward_loops,
                              dense_backward_rows, dense_forward_loops, dense_forward_rows)
from engine.layers import AVGPOOL2D, BATCHNORM, CONV2D, DENSE, DROPOUT, FLATTEN, MAXPOOL2D

_KW = dict(cache=True, nogil=True, error_model="numpy")
_KW_SUM = dict(_KW, fastmath={"contract", "reassoc"})

# geometry table columns
(G_KIND, G_ACT, G_POFF, G_CIN, G_HIN, G_WIN, G_COUT, G_HOUT, G_WOUT, G_K, G_STRIDE, G_PAD,
 G_BOFF) = range(13)
N_G = 13
F_PARAM, F_DROP, F_MOM, F_EPS = range(4)
N_F = 4

#: values a batch-norm, flatten or dropout layer writes per step from which its work goes on
#: the threads (below it, starting them costs more than it saves)
SHARE_MIN = 1 << 14


@njit(**_KW)
def _share(n, t, T):
    """Thread t's features [lo, hi) of n."""
    return t * n // T, (t + 1) * n // T


@njit(**_KW)
def _layer(gi, l, B, xb, aa, uoff):
    """Layer l's (inputs and outputs per sample, parameter offset, input block: the batch's
    at l = 0, else layer l - 1's activations)."""
    n_in = gi[l, G_CIN] * gi[l, G_HIN] * gi[l, G_WIN]
    n_out = gi[l, G_COUT] * gi[l, G_HOUT] * gi[l, G_WOUT]
    inp = xb[:n_in * B] if l == 0 else aa[uoff[l - 1]:uoff[l - 1] + n_in * B]
    return n_in, n_out, gi[l, G_POFF], inp


@njit(**_KW)
def _at(arr, uoff, l, n):
    """Layer l's first n values in za, aa, ma or da."""
    return arr[uoff[l]:uoff[l] + n]


@njit(**_KW)
def shared(gi, l, B, backward):
    """Whether layer l's work in a pass goes on the threads (with threads > 1)."""
    kind = gi[l, G_KIND]
    n_in = gi[l, G_CIN] * gi[l, G_HIN] * gi[l, G_WIN]
    n_out = gi[l, G_COUT] * gi[l, G_HOUT] * gi[l, G_WOUT]
    if not backward and l == gi.shape[0] - 1:
        return False
    if kind == DENSE:
        return n_in * n_out * B >= BLAS_MIN
    if kind == BATCHNORM or kind == FLATTEN or kind == DROPOUT:
        return n_out * B >= SHARE_MIN
    return False


@njit(**_KW)
def _finish_forward(gi, gf, l, z, a, m, n_out, B, e0, e1, train, drop_key):
    """Layer l's activation and (training) dropout on the values [e0, e1) of its z."""
    code = gi[l, G_ACT]
    if code == SOFTMAX:                 # whole columns: only ever on one thread
        softmax_columns(z, a, n_out, B)
    else:
        activate(code, z[e0:e1], a[e0:e1], gf[l, F_PARAM])
    p = gf[l, F_DROP]
    if train and p > 0.0 and l < gi.shape[0] - 1:
        k = rng.mix64(drop_key + np.uint64(l))
        scale = 1.0 / (1.0 - p)
        for i in range(e0, e1):
            m[i] = scale if rng.uniform(k, i) >= p else 0.0
            a[i] *= m[i]


@njit(**_KW)
def family_forward(params, buffers, gi, gf, l, xb, B, za, aa, ma, stats, uoff, train, update,
                   drop_key, t, T):
    """The forward pass of layer l, a dense, batch-norm, flatten or dropout layer: thread t of
    T's share (T = 1: all of it)."""
    kind = gi[l, G_KIND]
    O, Ho, Wo = gi[l, G_COUT], gi[l, G_HOUT], gi[l, G_WOUT]
    n_in, n_out, w, inp = _layer(gi, l, B, xb, aa, uoff)
    z, a, m = _at(za, uoff, l, n_out * B), _at(aa, uoff, l, n_out * B), _at(ma, uoff, l, n_out * B)
    lo, hi = _share(n_out, t, T)        # the features this call writes
    if kind == DENSE:
        if T == 1 and n_in * n_out * B < BLAS_MIN:
            dense_forward_loops(params, w, inp, z, n_in, n_out, B)
        elif T == 1:
            Wm = params[w:w + n_in * n_out].reshape((n_in, n_out))
            _mm_tn(Wm, inp.reshape((n_in, B)), z.reshape((n_out, B)))
            _add_bias(z, params, w + n_in * n_out, n_out, B)
        else:
            dense_forward_rows(params, w, inp, z, n_in, n_out, B, lo, hi)
    elif kind == BATCHNORM:
        c0, c1 = _share(O, t, T)
        lo, hi = c0 * Ho * Wo, c1 * Ho * Wo
        _batchnorm_forward(inp, z, m, params, w, buffers, stats, gi[l, G_BOFF], O,
                           Ho * Wo * B, train, update, gf[l, F_MOM], gf[l, F_EPS], c0, c1)
    else:  # FLATTEN, DROPOUT: the same numbers (flattening keeps the memory order)
        for i in range(lo * B, hi * B):
            z[i] = inp[i]
    _finish_forward(gi, gf, l, z, a, m, n_out, B, lo * B, hi * B, train, drop_key)


@njit(**_KW)
def forward_layer(params, buffers, gi, gf, l, xb, B, za, aa, ma, stats, cols, coff, uoff,
                  train, update, drop_key):
    """Layer l's forward pass on one thread; its conv columns (if any) at cols[coff * B:]."""
    kind = gi[l, G_KIND]
    if kind != CONV2D and kind != MAXPOOL2D and kind != AVGPOOL2D:
        family_forward(params, buffers, gi, gf, l, xb, B, za, aa, ma, stats, uoff, train,
                       update, drop_key, 0, 1)
        return
    C, H, W = gi[l, G_CIN], gi[l, G_HIN], gi[l, G_WIN]
    O, Ho, Wo = gi[l, G_COUT], gi[l, G_HOUT], gi[l, G_WOUT]
    _, n_out, w, inp = _layer(gi, l, B, xb, aa, uoff)
    z, a, m = _at(za, uoff, l, n_out * B), _at(aa, uoff, l, n_out * B), _at(ma, uoff, l, n_out * B)
    if kind == CONV2D:
        k, s, p = gi[l, G_K], gi[l, G_STRIDE], gi[l, G_PAD]
        ck = C * k * k
        n_col = Ho * Wo * B
        cb = cols[coff * B:coff * B + ck * n_col]
        _im2col(inp, cb, C, H, W, k, s, p, Ho, Wo, B)
        Km = params[w:w + O * ck].reshape((O, ck))
        _mm_nn(Km, cb.reshape((ck, n_col)), z.reshape((O, n_col)))
        _add_bias(z, params, w + O * ck, O, Ho * Wo * B)
    else:
        _pool_forward(inp, z, m, C, H, W, gi[l, G_K], gi[l, G_STRIDE], Ho, Wo, B,
                      kind == MAXPOOL2D)
    _finish_forward(gi, gf, l, z, a, m, n_out, B, 0, n_out * B, train, drop_key)


@njit(**_KW)
def forward(params, buffers, gi, gf, xb, B, za, aa, ma, stats, cols, uoff, train, update,
            drop_key):
    """Forward pass of B samples (xb: flat feature-major (n_inputs*B,)) on one thread.

    train: dropout on and batch norm from the batch's statistics (else: the running ones);
    update: batch norm's running statistics move (training steps only). In training each conv
    layer's im2col columns stay in cols, one block per layer (``sizes(gi, kept=True)``), for
    the backward pass to read; in evaluation every layer reuses the start of cols (a buffer
    of the largest layer's columns)."""
    coff = 0                            # this conv layer's columns start at cols[coff * B]
    for l in range(gi.shape[0]):
        n_in = gi[l, G_CIN] * gi[l, G_HIN] * gi[l, G_WIN]
        n_out = gi[l, G_COUT]
        if gi[l, G_KIND] == DENSE and n_in * n_out * B < BLAS_MIN:
            # a small dense layer straight to its loops: the call chain below would cost a
            # tiny network's pass a third of its time (1.9-2.7 us against 1.3-1.4 on 2-8-8-1)
            inp = xb[:n_in * B] if l == 0 else aa[uoff[l - 1]:uoff[l - 1] + n_in * B]
            z, a = _at(za, uoff, l, n_out * B), _at(aa, uoff, l, n_out * B)
            dense_forward_loops(params, gi[l, G_POFF], inp, z, n_in, n_out, B)
            _finish_forward(gi, gf, l, z, a, _at(ma, uoff, l, n_out * B), n_out, B, 0,
                            n_out * B, train, drop_key)
            continue
        forward_layer(params, buffers, gi, gf, l, xb, B, za, aa, ma, stats, cols, coff, uoff,
                      train, update, drop_key)
        if train and gi[l, G_KIND] == CONV2D:
            coff += gi[l, G_CIN] * gi[l, G_K] * gi[l, G_K] * gi[l, G_HOUT] * gi[l, G_WOUT]


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def _forward_on_threads(params, buffers, gi, gf, l, xb, B, za, aa, ma, stats, uoff, drop_key,
                        T):
    """family_forward's T shares at once (training). Alone in its function (see step_update)."""
    for t in prange(T):
        family_forward(params, buffers, gi, gf, l, xb, B, za, aa, ma, stats, uoff, True, True,
                       drop_key, t, T)


@njit(**_KW)
def forward_threads(params, buffers, gi, gf, xb, B, za, aa, ma, stats, uoff, drop_key,
                    threads):
    """``forward`` of a training step of a network of dense, batch-norm, flatten and dropout
    layers, the layers that are worth it (``shared``) on ``threads`` threads."""
    for l in range(gi.shape[0]):
        if shared(gi, l, B, False):
            _forward_on_threads(params, buffers, gi, gf, l, xb, B, za, aa, ma, stats, uoff,
                                drop_key, threads)
        else:
            family_forward(params, buffers, gi, gf, l, xb, B, za, aa, ma, stats, uoff, True,
                           True, drop_key, 0, 1)


@njit(**_KW_SUM)
def _previous_layer_delta(gi, gf, l, B, za, aa, ma, dp, uoff, train, e0, e1):
    """dp's values [e0, e1) (layer l - 1's dL/da) through that layer's dropout and activation
    to its dL/dz."""
    q = l - 1
    n_q = gi[l, G_CIN] * gi[l, G_HIN] * gi[l, G_WIN] * B
    zq, aq, mq = _at(za, uoff, q, n_q), _at(aa, uoff, q, n_q), _at(ma, uoff, q, n_q)
    p = gf[q, F_DROP]
    if train and p > 0.0:
        for i in range(e0, e1):
            dp[i] *= mq[i]
            aq[i] = aq[i] / mq[i] if mq[i] != 0.0 else 0.0
    backprop_activation(gi[q, G_ACT], zq[e0:e1], aq[e0:e1], gf[q, F_PARAM], dp[e0:e1])


@njit(**_KW_SUM)
def family_backward(params, grad, gi, gf, l, xb, B, za, aa, ma, da, stats, uoff, train, t, T):
    """The backward pass of layer l, a dense, batch-norm, flatten or dropout layer, thread t
    of T's share: its parameters' gradient and the delta of layer l - 1 (dL/dz there). On
    entry da holds layer l's dL/dz."""
    kind = gi[l, G_KIND]
    O, Ho, Wo = gi[l, G_COUT], gi[l, G_HOUT], gi[l, G_WOUT]
    n_in, n_out, w, inp = _layer(gi, l, B, xb, aa, uoff)
    d, m = _at(da, uoff, l, n_out * B), _at(ma, uoff, l, n_out * B)
    dp = _at(da, uoff, l - 1, n_in * B) if l > 0 else da[:0]
    lo, hi = _share(n_in, t, T)         # the features of dp this call writes
    if kind == DENSE:
        bo = w + n_in * n_out
        if T == 1 and n_in * n_out * B < BLAS_MIN:
            dense_backward_loops(params, grad, w, inp, d, dp, n_in, n_out, B)
        elif T == 1:
            d2 = d.reshape((n_out, B))
            _mm_nt(inp.reshape((n_in, B)), d2, grad[w:bo].reshape((n_in, n_out)))
            _row_sums(d, grad, bo, n_out, B)
            if l > 0:
                _mm_nn(params[w:bo].reshape((n_in, n_out)), d2, dp.reshape((n_in, B)))
        else:
            blo, bhi = _share(n_out, t, T)
            dense_backward_rows(params, grad, w, inp, d, dp, n_in, n_out, B, lo, hi, blo, bhi)
    elif kind == BATCHNORM:
        c0, c1 = _share(O, t, T)
        lo, hi = c0 * Ho * Wo, c1 * Ho * Wo
        _batchnorm_backward(d, dp, m, params, grad, w, stats, gi[l, G_BOFF], O, Ho * Wo * B,
                            l > 0, c0, c1)
    elif l > 0:  # FLATTEN, DROPOUT
        for i in range(lo * B, hi * B):
            dp[i] = d[i]
    if l > 0:
        _previous_layer_delta(gi, gf, l, B, za, aa, ma, dp, uoff, train, lo * B, hi * B)


@njit(**_KW_SUM)
def backward_layer(params, grad, gi, gf, l, xb, B, za, aa, ma, da, stats, cols, coff, uoff,
                   train):
    """Layer l's backward pass on one thread (``family_backward``); its conv columns (if any)
    at cols[coff * B:]."""
    kind = gi[l, G_KIND]
    if kind != CONV2D and kind != MAXPOOL2D and kind != AVGPOOL2D:
        family_backward(params, grad, gi, gf, l, xb, B, za, aa, ma, da, stats, uoff, train,
                        0, 1)
        return
    C, H, W = gi[l, G_CIN], gi[l, G_HIN], gi[l, G_WIN]
    O, Ho, Wo = gi[l, G_COUT], gi[l, G_HOUT], gi[l, G_WOUT]
    n_in, n_out, w, _ = _layer(gi, l, B, xb, aa, uoff)
    d, m = _at(da, uoff, l, n_out * B), _at(ma, uoff, l, n_out * B)
    dp = _at(da, uoff, l - 1, n_in * B) if l > 0 else da[:0]
    if kind == CONV2D:
        k, s, pd = gi[l, G_K], gi[l, G_STRIDE], gi[l, G_PAD]
        ck = C * k * k
        n_col = Ho * Wo * B
        cb = cols[coff * B:coff * B + ck * n_col]     # the forward pass's columns
        d2 = d.reshape((O, n_col))
        _mm_nt(d2, cb.reshape((ck, n_col)), grad[w:w + O * ck].reshape((O, ck)))
        _row_sums(d, grad, w + O * ck, O, n_col)
        if l > 0:
            _mm_tn(params[w:w + O * ck].reshape((O, ck)), d2, cb.reshape((ck, n_col)))
            _col2im(cb, dp, C, H, W, k, s, pd, Ho, Wo, B)
    elif l > 0:
        _pool_backward(d, dp, m, C, H, W, gi[l, G_K], gi[l, G_STRIDE], Ho, Wo, B,
                       kind == MAXPOOL2D)
    if l > 0:
        _previous_layer_delta(gi, gf, l, B, za, aa, ma, dp, uoff, train, 0, n_in * B)


@njit(**_KW)
def backward(params, grad, gi, gf, xb, B, za, aa, ma, da, stats, cols, uoff, train):
    """Backpropagation on one thread. On entry da holds dL/dz of the output layer; on exit
    grad (n_params,) holds dL/dparams of the data loss (overwritten). Batch norm is
    differentiated through its batch statistics (training mode). Each conv layer reads the
    im2col columns its training forward pass left in cols (and overwrites them with their
    gradient)."""
    L = gi.shape[0]
    coff = 0                            # past the last conv layer's columns (per sample)
    for l in range(L):
        if gi[l, G_KIND] == CONV2D:
            coff += gi[l, G_CIN] * gi[l, G_K] * gi[l, G_K] * gi[l, G_HOUT] * gi[l, G_WOUT]
    for l in range(L - 1, -1, -1):
        if gi[l, G_KIND] == CONV2D:
            coff -= gi[l, G_CIN] * gi[l, G_K] * gi[l, G_K] * gi[l, G_HOUT] * gi[l, G_WOUT]
        backward_layer(params, grad, gi, gf, l, xb, B, za, aa, ma, da, stats, cols, coff, uoff,
                       train)


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def _backward_on_threads(params, grad, gi, gf, l, xb, B, za, aa, ma, da, stats, uoff, T):
    """family_backward's T shares at once (training). Alone in its function (see
    step_update)."""
    for t in prange(T):
        family_backward(params, grad, gi, gf, l, xb, B, za, aa, ma, da, stats, uoff, True, t, T)


@njit(**_KW)
def backward_threads(params, grad, gi, gf, xb, B, za, aa, ma, da, stats, uoff, threads):
    """``backward`` of a training step as ``forward_threads`` runs its forward pass."""
    for l in range(gi.shape[0] - 1, -1, -1):
        if shared(gi, l, B, True):
            _backward_on_threads(params, grad, gi, gf, l, xb, B, za, aa, ma, da, stats, uoff,
                                 threads)
        else:
            family_backward(params, grad, gi, gf, l, xb, B, za, aa, ma, da, stats, uoff, True,
                            0, 1)
