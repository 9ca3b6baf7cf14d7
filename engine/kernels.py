"""Compiled forward pass, backward pass, fused multi-step training and grid evaluation.

Everything works on the flat parameter vector and the layer tables of
``NetworkSpec.kernel_tables()``. A batch of B rows is laid out *feature-major* in flat
workspaces: unit j of sample b is at ``j*B + b``, so the inner loops run over the batch, are
contiguous and vectorise. Layer l's pre-activations, activations, dropout masks and deltas
start at offset ``uoff[l]`` (= B_max * units of the layers before l) in ``za``, ``aa``, ``ma``
and ``da``; the gathered inputs ``xb`` and targets ``yb`` use the same layout.

``train_steps`` runs N optimisation steps in one call that releases the GIL: gather a
mini-batch, forward, loss, backward, regularise, clip, look up the scheduled learning rate,
decay the parameters, apply the optimizer's update kernel, constrain (max-norm), check for
divergence, advance the counters. Randomness (shuffle, dropout) comes from ``engine.rng``'s
counter hash, so the result does not depend on how the steps are chunked.
"""
import math

import numpy as np
from numba import njit, prange

from engine import rng
from engine import _fastmath as fm
from engine.activations import SOFTMAX, activate, backprop_activation, softmax_columns
from engine.layer_ops import dense_backward_loops, dense_forward_loops
from engine.network import BCE, DENSE, SOFTMAX_CE
from engine.optimizers import apply_update_at
from engine.schedules import scheduled_lr

_KW = dict(cache=True, nogil=True, error_model="numpy")
# sums over the batch may be reassociated (vectorised); the order is fixed at compile time,
# so results stay bit-identical from run to run
_KW_SUM = dict(_KW, fastmath={"contract", "reassoc"})

# state vector indices (int64 array shared with Python)
STEP, EPOCH, POS, SEED, OPT_T = range(5)
N_STATE = 5
# regularisation vector indices (float64 array)
L1, L2, WEIGHT_DECAY, CLIP_NORM, MAX_NORM = range(5)
N_REG = 5
# status codes returned by train_steps
OK, DIVERGED = 0, 1


@njit(**_KW)
def forward(params, li, lf, xb, B, za, aa, ma, uoff, train, drop_key):
    """Forward pass of B rows (xb: flat (B*n_inputs,)). With ``train`` true, layers with a
    dropout rate p apply inverted dropout: a unit is kept with probability 1-p and scaled by
    1/(1-p); ``ma`` keeps the multiplier for the backward pass. Returns nothing: layer l's
    activations are in aa[uoff[l]:uoff[l] + B*n_out]."""
    L = li.shape[0]
    for l in range(L):
        n_in, n_out, w, code = li[l, 0], li[l, 1], li[l, 2], li[l, 3]
        if l == 0:
            inp = xb[:B * n_in]
        else:
            inp = aa[uoff[l - 1]:uoff[l - 1] + B * n_in]
        z = za[uoff[l]:uoff[l] + B * n_out]
        a = aa[uoff[l]:uoff[l] + B * n_out]
        if li[l, 4] == DENSE:
            dense_forward_loops(params, w, inp, z, n_in, n_out, B)
        if code == SOFTMAX:
            softmax_columns(z, a, n_out, B)
        else:
            activate(code, z, a, lf[l, 0])
        p = lf[l, 1]
        if train and p > 0.0 and l < L - 1:
            m = ma[uoff[l]:uoff[l] + B * n_out]
            k = rng.mix64(drop_key + np.uint64(l))
            scale = 1.0 / (1.0 - p)
            for i in range(B * n_out):
                m[i] = scale if rng.uniform(k, i) >= p else 0.0
                a[i] *= m[i]


@njit(inline="always", **_KW)
def loss_and_delta(loss_code, out_code, z, a, y, B, K, delta):
    """Mean loss over the B samples of the output layer (z, a, y: K x B) and dL/dz into delta
    (``loss_and_delta_part`` of the whole batch)."""
    return loss_and_delta_part(loss_code, out_code, z, a, y, B, K, delta, B)


@njit(**_KW_SUM)
def loss_and_delta_part(loss_code, out_code, z, a, y, B, K, delta, n_batch):
    """The loss of B samples of a batch of n_batch (z, a, y: K x B) as their share of the
    batch's mean (their sum / n_batch), and its dL/dz into delta. With B == n_batch it is the
    mean loss over the batch.

    BCE and softmax CE are computed from the logits z (log-sum-exp), never from log(a):
      BCE:        l = max(z,0) - z*y + log1p(exp(-|z|)),   dl/dz = sigmoid(z) - y
      softmax CE: l = logsumexp(z) - sum_k y_k z_k,        dl/dz = softmax(z) - y
      MSE:        l = mean_k (a_k - y_k)^2,                dl/dz = 2 (a - y) f'(z) / K
    """
    total = 0.0
    n = B * K
    if loss_code == BCE:
        for i in range(n):
            zi = z[i]
            total += max(zi, 0.0) - zi * y[i] + fm.log1p_unit(fm.exp_nonpos(-abs(zi)))
            delta[i] = (a[i] - y[i]) / n_batch
    elif loss_code == SOFTMAX_CE:
        for b in range(B):  # column b holds sample b's K logits, stride B
            m = z[b]
            for j in range(1, K):
                m = max(m, z[j * B + b])
            s = 0.0
            yz = 0.0
            for j in range(K):
                s += fm.exp_nonpos(z[j * B + b] - m)
                yz += y[j * B + b] * z[j * B + b]
            total += m + math.log(s) - yz
        for i in range(n):
            delta[i] = (a[i] - y[i]) / n_batch
    else:  # MSE
        n_all = n_batch * K
        for i in range(n):
            d = a[i] - y[i]
            total += d * d
            delta[i] = 2.0 * d / n_all
        backprop_activation(out_code, z, a, 0.0, delta)
        return total / n_all
    return total / n_batch


@njit(**_KW_SUM)
def backward(params, grad, li, lf, xb, B, za, aa, ma, da, uoff, train):
    """Backpropagation. On entry da holds dL/dz of the output layer; on exit grad (n_params,)
    holds dL/dparams of the data loss (grad is overwritten, not accumulated)."""
    L = li.shape[0]
    for l in range(L - 1, -1, -1):
        n_in, n_out, w = li[l, 0], li[l, 1], li[l, 2]
        if l == 0:
            inp = xb[:B * n_in]
        else:
            inp = aa[uoff[l - 1]:uoff[l - 1] + B * n_in]
        d = da[uoff[l]:uoff[l] + B * n_out]
        dp = da[uoff[l - 1]:uoff[l - 1] + B * n_in] if l > 0 else da[:0]
        dense_backward_loops(params, grad, w, inp, d, dp, n_in, n_out, B)
        if l == 0:
            break
        # through the previous layer's dropout and activation
        zp = za[uoff[l - 1]:uoff[l - 1] + B * n_in]
        ap = aa[uoff[l - 1]:uoff[l - 1] + B * n_in]
        p = lf[l - 1, 1]
        if train and p > 0.0:
            mp = ma[uoff[l - 1]:uoff[l - 1] + B * n_in]
            for i in range(B * n_in):
                dp[i] *= mp[i]
                # the activation derivative needs the activation before dropout scaled it;
                # dropped units have dp == 0, so what is stored for them does not matter
                ap[i] = ap[i] / mp[i] if mp[i] != 0.0 else 0.0
        backprop_activation(li[l - 1, 3], zp, ap, lf[l - 1, 0], dp)


@njit(**_KW_SUM)
def regularize(params, grad, wmask, reg):
    """Add the penalty gradients to grad; return (penalty, squared gradient norm).
    Penalty = l2/2 * sum w^2 + l1 * sum |w| over weights (wmask == 1), not biases."""
    l1, l2 = reg[L1], reg[L2]
    pen = 0.0
    gsq = 0.0
    if l1 != 0.0 or l2 != 0.0:
        for i in range(params.size):
            p = params[i] * wmask[i]
            pen += 0.5 * l2 * p * p + l1 * abs(p)
            grad[i] += l2 * p + l1 * (1.0 if p > 0.0 else (-1.0 if p < 0.0 else 0.0))
    for i in range(grad.size):
        gsq += grad[i] * grad[i]
    return pen, gsq


@njit(**_KW)
def decay_parameters(params, rate):
    """Decoupled weight decay (Loshchilov & Hutter 2019), x <- x - rate * x with rate =
    lr * weight_decay, on every parameter (weights and biases, as AdamW does). The training
    loop applies it to the parameters the gradient was taken at, just before the optimizer's
    update, so Adam with it is AdamW exactly: x' = x - lr wd x - lr m^ / (sqrt(v^) + eps)."""
    if rate != 0.0:
        for i in range(params.size):
            params[i] -= rate * params[i]


@njit(**_KW)
def apply_max_norm(params, li, c):
    """Rescale each unit's incoming weight vector (a column of W) to norm <= c."""
    for l in range(li.shape[0]):
        n_in, n_out, w = li[l, 0], li[l, 1], li[l, 2]
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


@njit(**_KW)
def _gather(X, Y, perm, pos, B, xb, yb):
    n_in, K = X.shape[1], Y.shape[1]
    for b in range(B):
        r = perm[pos + b]
        for i in range(n_in):
            xb[i * B + b] = X[r, i]
        for k in range(K):
            yb[k * B + b] = Y[r, k]


@njit(**_KW)
def clip_gradient(grad, gsq, clip):
    """Gradient clipping by global norm, in place: grad (n,) whose squared norm is gsq is
    scaled to norm ``clip`` when it is longer (clip <= 0: off)."""
    if clip > 0.0 and gsq > clip * clip:
        f = clip / math.sqrt(gsq)
        for i in range(grad.size):
            grad[i] *= f


@njit(**_KW)
def restore_frozen(params, keep, slots, keep_slots, trainable):
    """Put back the values and optimizer slots of the parameters where trainable is 0 (as
    they were when the call began): a frozen parameter's state stands still, as PyTorch's
    does for a parameter without a gradient."""
    for i in range(params.size):
        if trainable[i] == 0.0:
            params[i] = keep[i]
            for r in range(slots.shape[0]):
                slots[r, i] = keep_slots[r, i]


@njit(**_KW)
def train_steps(params, slots, X, Y, perm, state, net, opt, sched, reg, wmask, trainable,
                batch_size, n_steps, losses, lrs, ws):
    """Run up to n_steps optimisation steps in place; return (steps done, status).

    params  float64 (P,)   slots float64 (N_SLOTS, P)   X (n, n_in), Y (n, K) training data
    perm    int64 (n,)     this epoch's shuffled order (regenerated at every epoch boundary)
    state   int64 (N_STATE,) step, epoch, position in perm, seed, optimizer step count
    net     (layers_i, layers_f, loss code)
    opt     (code, hyper, toff): toff int64 (P,) or (0,), ``optimizers.apply_update_at``
    sched   (code, lr0, hp, start, start_epoch): the schedule, started after ``start`` updates
    reg     float64 (N_REG,)   wmask float64 (P,) 1 on weights
    trainable float64 (P,): parameters where it is 0 (frozen) never move: their gradient is
            zeroed and their values and slots restored after decay, update and max-norm
    losses, lrs  float64 (n_steps,): the batch's data loss before the step, and the lr used
    ws      workspace tuple from ``make_workspace``
    Dense networks with a large layer (``Trainer`` decides: n_in * n_out * batch >=
    engine.layer_kernels.BLAS_MIN) train in ``engine.layer_kernels`` instead, through BLAS.
    Stops at the first step whose loss, gradient or new parameters are not finite.
    """
    li, lf, loss_code = net
    opt_code, hyper, toff = opt
    sched_code, lr0, shp, sched_start, sched_epoch = sched
    grad, xb, yb, za, aa, ma, da, uoff = ws
    n = X.shape[0]
    K = Y.shape[1]
    L = li.shape[0]
    out = uoff[L - 1]
    frozen = False
    for i in range(trainable.size):
        if trainable[i] == 0.0:
            frozen = True
    keep = params.copy() if frozen else params[:0]
    keep_slots = slots.copy() if frozen else slots[:, :0]
    rmask = wmask * trainable if frozen else wmask
    for s in range(n_steps):
        step, epoch, pos = state[STEP], state[EPOCH], state[POS]
        B = min(batch_size, n - pos)
        _gather(X, Y, perm, pos, B, xb, yb)
        drop_key = rng.key(state[SEED], rng.DROPOUT, step)
        forward(params, li, lf, xb, B, za, aa, ma, uoff, True, drop_key)
        loss = loss_and_delta(loss_code, li[L - 1, 3], za[out:out + B * K], aa[out:out + B * K],
                              yb, B, K, da[out:out + B * K])
        backward(params, grad, li, lf, xb, B, za, aa, ma, da, uoff, True)
        if frozen:
            for i in range(grad.size):
                grad[i] *= trainable[i]
        _, gsq = regularize(params, grad, rmask, reg)
        clip_gradient(grad, gsq, reg[CLIP_NORM])
        lr = scheduled_lr(sched_code, lr0, shp, sched_start, sched_epoch, step, epoch)
        decay_parameters(params, lr * reg[WEIGHT_DECAY])
        apply_update_at(opt_code, params, grad, slots, hyper, lr, state[OPT_T] + 1, toff)
        if reg[MAX_NORM] > 0.0:
            apply_max_norm(params, li, reg[MAX_NORM])
        if frozen:
            restore_frozen(params, keep, slots, keep_slots, trainable)
        psum = 0.0
        for i in range(params.size):
            psum += params[i]
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
        if not (math.isfinite(loss) and math.isfinite(gsq) and math.isfinite(psum)):
            return s + 1, DIVERGED
    return n_steps, OK


@njit(**_KW)
def objective(params, grad, X, Y, li, lf, loss_code, reg, wmask, drop_key, train, ws):
    """Full-batch objective: data loss + penalty, and its gradient into grad (n_params,).
    With ``train`` true, dropout uses the fixed mask drawn from drop_key (gradient checking)."""
    _, xb, yb, za, aa, ma, da, uoff = ws
    B = X.shape[0]
    K = Y.shape[1]
    L = li.shape[0]
    out = uoff[L - 1]
    for b in range(B):
        for i in range(X.shape[1]):
            xb[i * B + b] = X[b, i]
        for k in range(K):
            yb[k * B + b] = Y[b, k]
    forward(params, li, lf, xb, B, za, aa, ma, uoff, train, drop_key)
    loss = loss_and_delta(loss_code, li[L - 1, 3], za[out:out + B * K], aa[out:out + B * K],
                          yb, B, K, da[out:out + B * K])
    backward(params, grad, li, lf, xb, B, za, aa, ma, da, uoff, train)
    pen, _ = regularize(params, grad, wmask, reg)
    return loss + pen


def make_workspace(li, n_params, batch, dtype=np.float64):
    """Buffers for batches of up to ``batch`` rows: (grad, xb, yb, za, aa, ma, da, uoff), of
    type ``dtype`` (uoff int64)."""
    n_out = li[:, 1]
    uoff = np.zeros(len(n_out), np.int64)
    uoff[1:] = np.cumsum(n_out[:-1]) * batch
    total = int(n_out.sum()) * batch
    sizes = (n_params, batch * int(li[0, 0]), batch * int(n_out[-1]), total, total, total, total)
    return (*(np.zeros(n, dtype) for n in sizes), uoff)


_CHUNK = 256
OUTPUTS, LOGITS, ALL_UNITS = 0, 1, 2


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def predict_all(params, li, lf, X, out, mode):
    """Evaluate every row of X (n, n_in) without dropout, rows in parallel chunks; params, X
    and out all float64 or all float32 (the precision of the evaluation).

    mode OUTPUTS: out (n, n_outputs) gets the output activations; LOGITS: the output layer's
    pre-activations; ALL_UNITS: out (n, total units) gets every unit's activation, the layers
    side by side (output layer last)."""
    n, n_in = X.shape
    L = li.shape[0]
    total = 0
    for l in range(L):
        total += li[l, 1]
    K = li[L - 1, 1]
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        r0 = c * _CHUNK
        B = min(_CHUNK, n - r0)
        uoff = np.zeros(L, np.int64)
        for l in range(1, L):
            uoff[l] = uoff[l - 1] + _CHUNK * li[l - 1, 1]
        xb = np.empty(_CHUNK * n_in, X.dtype)
        za = np.empty(_CHUNK * total, X.dtype)
        aa = np.empty(_CHUNK * total, X.dtype)
        for b in range(B):
            for i in range(n_in):
                xb[i * B + b] = X[r0 + b, i]
        forward(params, li, lf, xb, B, za, aa, aa, uoff, False, np.uint64(0))
        if mode == ALL_UNITS:
            col = 0
            for l in range(L):
                w = li[l, 1]
                for b in range(B):
                    for j in range(w):
                        out[r0 + b, col + j] = aa[uoff[l] + j * B + b]
                col += w
        else:
            o = uoff[L - 1]
            src = za if mode == LOGITS else aa
            for b in range(B):
                for j in range(K):
                    out[r0 + b, j] = src[o + j * B + b]
