"""Training with a learning rate of its own for each parameter: lr_i = lr * scale_i.

Transfer learning fine-tunes copied layers slowly (scale 0.1) and a new output layer at the full
rate (scale 1); a frozen layer has scale 0. PyTorch does this with parameter groups, one ``lr``
per group.

Why scaling each parameter's step is exact, optimizer by optimizer (``engine.optimizers``): the
update of every first-order method is lr times a direction that does not depend on lr,

    SGD       x <- x - lr g                         RMSProp  x <- x - lr g / (sqrt(c) + eps)
    momentum  x <- x - lr v,  v <- rho v + g        AdaGrad  x <- x - lr g / (sqrt(c) + eps)
    Adam      x <- x - lr m^ / (sqrt(v^) + eps)     AdaDelta x <- x + lr dx
    decoupled weight decay  x <- x - lr decay x (applied with the update: scaled with it)

and their slots (v, c, m, E[g^2], E[dx^2]) never see lr. Nesterov's change-of-variables form keeps
v' = rho v - lr g: with lr * s every v is s times larger and so is every step, which is what
multiplying the step by s gives with the unscaled v. So one step here is

    x_old = x;  (decay and update with the base lr);  x <- x_old + s * (x - x_old)

then the max-norm constraint, as in the ordinary training loop (``layer_kernels.train_steps``).
Parameters with s = 0 never move and, as frozen ones do there, give no gradient to the
regularisers and the clipping norm; their optimizer slots stand still. Everything else (batches, dropout, augmentation, counters) is
exactly ``layer_kernels.train_steps``: the same run for the same seed, however it is chunked.
"""
import math

import numpy as np
from numba import njit

from engine import rng
from engine.kernels import (CLIP_NORM, DIVERGED, EPOCH, MAX_NORM, OK, OPT_T, POS, SEED, STEP,
                            WEIGHT_DECAY, clip_gradient, decay_parameters, loss_and_delta,
                            regularize, restore_frozen)
from engine.layer_kernels import (G_ACT, G_CIN, G_HIN, G_WIN, _gather, _gather_augmented,
                                  apply_max_norm, backward, forward)
from engine.optimizers import apply_update_at
from engine.schedules import scheduled_lr

_KW = dict(cache=True, nogil=True, error_model="numpy")


@njit(**_KW)
def train_steps_scaled(params, slots, buffers, X, Y, perm, state, net, opt, sched, reg, wmask,
                       scale, aug, batch_size, n_steps, losses, lrs, ws):
    """Run up to n_steps optimisation steps in place with per-parameter learning rates;
    return (steps done, status).

    As ``engine.layer_kernels.train_steps`` (same arguments, same workspace), with ``scale``
    float64 (P,) >= 0 in place of ``trainable``: parameter i moves with learning rate
    lr * scale[i] (0: frozen). ``lrs`` records the base rate lr."""
    gi, gf, loss_code = net
    opt_code, hyper, toff = opt
    sched_code, lr0, shp, sched_start, sched_epoch = sched
    grad, xb, yb, za, aa, ma, da, stats, cols, uoff = ws
    n = X.shape[0]
    K = Y.shape[1]
    L = gi.shape[0]
    out = uoff[L - 1]
    moves = np.empty(scale.size)
    for i in range(scale.size):
        moves[i] = 1.0 if scale[i] != 0.0 else 0.0
    rmask = wmask * moves
    old = np.empty(params.size, params.dtype)
    keep_slots = slots.copy()
    shape = (gi[0, G_CIN], gi[0, G_HIN], gi[0, G_WIN])
    tmp = np.empty(shape, X.dtype) if aug.size else np.empty((0, 0, 0), X.dtype)
    for s in range(n_steps):
        step, epoch, pos = state[STEP], state[EPOCH], state[POS]
        B = min(batch_size, n - pos)
        if aug.size:
            _gather_augmented(X, Y, perm, pos, B, xb, yb, aug, shape, state[SEED], step, tmp)
        else:
            _gather(X, Y, perm, pos, B, xb, yb)
        drop_key = rng.key(state[SEED], rng.DROPOUT, step)
        forward(params, buffers, gi, gf, xb, B, za, aa, ma, stats, cols, uoff, True, True,
                drop_key)
        loss = loss_and_delta(loss_code, gi[L - 1, G_ACT], za[out:out + B * K],
                              aa[out:out + B * K], yb, B, K, da[out:out + B * K])
        backward(params, grad, gi, gf, xb, B, za, aa, ma, da, stats, cols, uoff, True)
        for i in range(grad.size):
            grad[i] *= moves[i]
        _, gsq = regularize(params, grad, rmask, reg)
        clip_gradient(grad, gsq, reg[CLIP_NORM])
        lr = scheduled_lr(sched_code, lr0, shp, sched_start, sched_epoch, step, epoch)
        for i in range(params.size):
            old[i] = params[i]
        decay_parameters(params, lr * reg[WEIGHT_DECAY])
        apply_update_at(opt_code, params, grad, slots, hyper, lr, state[OPT_T] + 1, toff)
        for i in range(params.size):
            if scale[i] != 0.0:
                params[i] = old[i] + scale[i] * (params[i] - old[i])
        if reg[MAX_NORM] > 0.0:
            apply_max_norm(params, gi, reg[MAX_NORM])
        restore_frozen(params, old, slots, keep_slots, scale)
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
