"""Compiled training steps, full-batch objectives and evaluation passes for networks of any
layer kinds (``engine.layers``), built on the layer-by-layer passes of ``engine.layer_pass``
(where the layout is described: a batch feature-major, a layer a (features, B) matrix).

Each layer is one row of the geometry table ``gi`` (int64, columns G_*) and ``gf`` (float64,
columns F_*), built by ``NetworkSpec.kernel_tables()``; kernels dispatch on the kind code in
column G_KIND.

The training loop is the dense one's (``engine.kernels.train_steps``) with the same order of
operations; randomness comes from ``engine.rng``, so a run does not depend on how it is chunked.
"""
import math

import numpy as np
from numba import njit

from engine import rng
from engine.augment import augment_sample
from engine.kernels import (DIVERGED, EPOCH, MAX_NORM, OK, OPT_T, POS, SEED, STEP,
                            WEIGHT_DECAY, _gather, loss_and_delta, regularize)
from engine.layer_ops import BLAS_MIN  # noqa: F401  (the trainer reads it here)
from engine.layer_pass import (F_DROP, F_EPS, F_MOM, F_PARAM, G_ACT, G_BOFF, G_CIN,  # noqa: F401
                               G_COUT, G_HIN, G_HOUT, G_K, G_KIND, G_PAD, G_POFF, G_STRIDE,
                               G_WIN, G_WOUT, N_F, N_G, backward, backward_threads, forward,
                               forward_threads)
from engine.layers import (AVGPOOL2D, BATCHNORM, CONV2D, DENSE, DROPOUT,  # noqa: F401
                           FLATTEN, MAXPOOL2D)
from engine.schedules import scheduled_lr

_KW = dict(cache=True, nogil=True, error_model="numpy")


@njit(**_KW)
def apply_max_norm(params, gi, c):
    """Rescale each unit's incoming weights (a dense column, a conv filter) to norm <= c."""
    for l in range(gi.shape[0]):
        kind, w = gi[l, G_KIND], gi[l, G_POFF]
        if kind == DENSE:
            n_in = gi[l, G_CIN] * gi[l, G_HIN] * gi[l, G_WIN]
            n_out = gi[l, G_COUT]
            for j in range(n_out):
                s = 0.0
                for i in range(n_in):
                    v = params[w + i * n_out + j]
                    s += v * v
                norm = math.sqrt(s)
                if norm > c:
                    f = c / norm
                    for i in range(n_in):
                        params[w + i * n_out + j] *= f
        elif kind == CONV2D:
            ck = gi[l, G_CIN] * gi[l, G_K] * gi[l, G_K]
            for o in range(gi[l, G_COUT]):
                s = 0.0
                for i in range(w + o * ck, w + (o + 1) * ck):
                    s += params[i] * params[i]
                norm = math.sqrt(s)
                if norm > c:
                    f = c / norm
                    for i in range(w + o * ck, w + (o + 1) * ck):
                        params[i] *= f


@njit(**_KW)
def _gather_augmented(X, Y, perm, pos, B, xb, yb, aug, shape, seed, step, tmp):
    """_gather with each image augmented (engine.augment.augment_sample), keyed by
    (seed, step, row): the same however the run is chunked."""
    n_in, K = X.shape[1], Y.shape[1]
    C, H, W = shape
    flat = tmp.reshape(n_in)
    for b in range(B):
        r = perm[pos + b]
        augment_sample(X[r].reshape((C, H, W)), tmp, aug, seed, step, r)
        for i in range(n_in):
            xb[i * B + b] = flat[i]
        for k in range(K):
            yb[k * B + b] = Y[r, k]


@njit(**_KW)
def train_steps(params, slots, buffers, X, Y, perm, state, net, opt, sched, reg, rates, aug,
                batch_size, n_steps, losses, lrs, ws, split):
    """Run up to n_steps optimisation steps in place; return (steps done, status).

    As ``engine.kernels.train_steps``, for any layer kinds: net is (gi, gf, loss code);
    buffers float64 (n_buffers,) batch norm's running statistics, moved at every step;
    rates (rate, moves, rmask): rate float64 (P,) >= 0: parameter i moves with learning
    rate lr * rate[i]; where it is 0 the parameter is frozen (gradient zeroed, no decay or
    update, so its value and slots stay; its value put back after max-norm); a 0/1 ``rate``
    is the frozen mask and takes no scaling (``engine.layer_lr`` says why scaling the step
    is exact: x <- x_old + rate * (x - x_old) after the update, where rate is not 1;
    ``engine.step_update`` runs it); moves float64 (P,): 1 where rate is not 0, 0 where it
    is, and rmask float64 (P,) the weights the penalty covers (the weight mask times moves);
    moves (0,) and rmask the weight mask when no rate is 0 or scaled (the caller keeps them,
    ``Trainer.training_rates``: no array is made per call); aug float64
    (augment.N_HYPER,) the augmentation strengths (``Augmentation.vector()``) applied to
    each training image as it is gathered, or empty for none; split (parts, extra, units,
    col, inside) from ``engine.batch_split.plan``: with parts > 1, each layer's work shared
    by parts threads (``inside``), or a batch of at least parts * batch_split.MIN_ROWS rows
    has its gradient computed in parts on parallel threads."""
    gi, gf, loss_code = net
    parts, extra, units, col, inside = split
    sched_code, lr0, shp, sched_start, sched_epoch = sched
    grad, xb, yb, za, aa, ma, da, stats, cols, uoff = ws
    n = X.shape[0]
    K = Y.shape[1]
    L = gi.shape[0]
    out = uoff[L - 1]
    rate, moves, rmask = rates
    n_frozen = 0
    n_scaled = 0                        # rates other than 0 and 1
    for i in range(rate.size):          # branch-free, so it vectorises: a call's setup of a
        n_frozen += np.int64(rate[i] == 0.0)            # million-parameter network
        n_scaled += np.int64(rate[i] != 0.0) * np.int64(rate[i] != 1.0)
    frozen = n_frozen > 0
    scaled = n_scaled > 0
    late = reg[MAX_NORM] > 0.0          # max-norm spans blocks: after the update
    keep = params.copy() if frozen and late else params[:0]   # what max-norm must not move
    old = np.empty(params.size if scaled else 0, params.dtype)
    sums = np.zeros((2, step_update.n_blocks(params.size)))
    shape = (gi[0, G_CIN], gi[0, G_HIN], gi[0, G_WIN])
    tmp = np.empty(shape, X.dtype) if aug.size else np.empty((0, 0, 0), X.dtype)
    for s in range(n_steps):
        step, epoch, pos = state[STEP], state[EPOCH], state[POS]
        B = min(batch_size, n - pos)
        drop_key = rng.key(state[SEED], rng.DROPOUT, step)
        split_now = not inside and parts > 1 and B >= parts * batch_split.MIN_ROWS
        if split_now:
            loss = batch_split.split_gradient(params, buffers, extra, gi, gf, loss_code, X, Y,
                                              perm, pos, B, parts, aug, state[SEED], step,
                                              drop_key, ws, units, col)
        else:
            if aug.size:
                _gather_augmented(X, Y, perm, pos, B, xb, yb, aug, shape, state[SEED], step,
                                  tmp)
            else:
                _gather(X, Y, perm, pos, B, xb, yb)
            if inside:                  # each layer's work shared by the threads
                forward_threads(params, buffers, gi, gf, xb, B, za, aa, ma, stats, uoff,
                                drop_key, parts)
            else:
                forward(params, buffers, gi, gf, xb, B, za, aa, ma, stats, cols, uoff, True,
                        True, drop_key)
            loss = loss_and_delta(loss_code, gi[L - 1, G_ACT], za[out:out + B * K],
                                  aa[out:out + B * K], yb, B, K, da[out:out + B * K])
            if inside:
                backward_threads(params, grad, gi, gf, xb, B, za, aa, ma, da, stats, uoff,
                                 parts)
            else:
                backward(params, grad, gi, gf, xb, B, za, aa, ma, da, stats, cols, uoff, True)
        lr = scheduled_lr(sched_code, lr0, shp, sched_start, sched_epoch, step, epoch)
        gsq, fin = step_update.update_parameters(
            params, grad, extra if split_now else extra[:0], slots, opt, reg, lr,
            state[OPT_T] + 1, lr * reg[WEIGHT_DECAY], moves, frozen or scaled, rmask, rate,
            scaled, old, frozen, parts > 1, sums)
        if late:
            apply_max_norm(params, gi, reg[MAX_NORM])
            for i in range(keep.size):  # frozen values back where max-norm moved them
                if rate[i] == 0.0:
                    params[i] = keep[i]
            fin = step_update.finite_sum(params)
        losses[s] = loss
        lrs[s] = lr
        state[STEP] = step + 1
        state[OPT_T] += 1
        pos += B
        if pos >= n:
            pos = 0
            state[EPOCH] = epoch + 1
            rng.shuffled_indices(state[SEED], epoch + 1, perm)
        state[POS] = pos
        if not (math.isfinite(loss) and math.isfinite(gsq) and fin == 0.0):
            return s + 1, DIVERGED
    return n_steps, OK


@njit(**_KW)
def _load(X, Y, xb, yb):
    B = X.shape[0]
    for b in range(B):
        for i in range(X.shape[1]):
            xb[i * B + b] = X[b, i]
        for k in range(Y.shape[1]):
            yb[k * B + b] = Y[b, k]


@njit(**_KW)
def objective(params, grad, buffers, X, Y, gi, gf, loss_code, reg, wmask, drop_key, dropout, ws):
    """Full-batch objective (data loss + penalty) and its gradient into grad (n_params,).
    Batch norm uses the batch's statistics (as in training) and leaves ``buffers`` alone;
    with ``dropout`` true, dropout uses the fixed mask drawn from drop_key."""
    _, xb, yb, za, aa, ma, da, stats, cols, uoff = ws
    B = X.shape[0]
    K = Y.shape[1]
    L = gi.shape[0]
    out = uoff[L - 1]
    _load(X, Y, xb, yb)
    # batch norm in training mode whatever dropout does: train=True with p=0 layers unmasked
    if not dropout:
        gf = gf.copy()
        for l in range(L):
            gf[l, F_DROP] = 0.0
    forward(params, buffers, gi, gf, xb, B, za, aa, ma, stats, cols, uoff, True, False, drop_key)
    loss = loss_and_delta(loss_code, gi[L - 1, G_ACT], za[out:out + B * K], aa[out:out + B * K],
                          yb, B, K, da[out:out + B * K])
    backward(params, grad, gi, gf, xb, B, za, aa, ma, da, stats, cols, uoff, True)
    pen, _ = regularize(params, grad, wmask, reg)
    return loss + pen


@njit(**_KW)
def refresh_running_stats(params, buffers, gi, gf, X, ws):
    """One training-mode forward pass over all of X (n, n_inputs) that moves batch norm's
    running statistics once, without dropout (what full-batch second-order steps call)."""
    _, xb, yb, za, aa, ma, da, stats, cols, uoff = ws
    B = X.shape[0]
    for b in range(B):
        for i in range(X.shape[1]):
            xb[i * B + b] = X[b, i]
    gf = gf.copy()
    for l in range(gi.shape[0]):
        gf[l, F_DROP] = 0.0
    forward(params, buffers, gi, gf, xb, B, za, aa, ma, stats, cols, uoff, True, True,
            np.uint64(0))


def sizes(gi, kept=False):
    """(units per sample of each layer's output, im2col rows x columns per sample: of the
    largest conv layer, or with ``kept`` of all of them, as training keeps them for the
    backward pass)."""
    units = gi[:, G_COUT] * gi[:, G_HOUT] * gi[:, G_WOUT]
    conv = gi[:, G_KIND] == CONV2D
    col = (gi[:, G_CIN] * gi[:, G_K] ** 2 * gi[:, G_HOUT] * gi[:, G_WOUT])[conv]
    if not col.size:
        return units, 0
    return units, int(col.sum() if kept else col.max())


def make_workspace(gi, n_params, n_buffers, batch, dtype=np.float64):
    """Buffers for batches of up to ``batch`` samples:
    (grad, xb, yb, za, aa, ma, da, stats, cols, uoff), of type ``dtype`` (uoff int64); cols
    holds every conv layer's im2col columns (``forward`` in training keeps them)."""
    units, col = sizes(gi, kept=True)
    uoff = np.zeros(len(units), np.int64)
    uoff[1:] = np.cumsum(units[:-1]) * batch
    total = int(units.sum()) * batch
    n_in = int(gi[0, G_CIN] * gi[0, G_HIN] * gi[0, G_WIN])
    counts = (n_params, batch * n_in, batch * int(units[-1]), total, total, total, total,
              max(n_buffers, 1), max(col * batch, 1))
    return (*(np.zeros(n, dtype) for n in counts), uoff)


from engine import batch_split, step_update  # noqa: E402  (batch_split builds on the above)
