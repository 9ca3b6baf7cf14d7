"""The parameter update of a training step, after its gradient, block by block on parallel
threads (``engine.layer_kernels.train_steps``).

Once the backward pass has the gradient, every parameter i goes through the same chain:
sum the batch slices' gradients (``engine.batch_split``), zero it where frozen, add the
penalty's gradient (``kernels.regularize``), clip by the global norm, decoupled weight decay,
the optimizer's update, the layer's learning-rate factor (``engine.layer_lr``); frozen
parameters skip the decay and the update, so their values and slots stay as they were (the
numbers of updating them and putting them back, without a copy of every parameter). Done as
one pass over all P parameters each, a million-parameter network reads and writes its arrays
six times from memory on one core. Here the chain runs on a block of BLOCK parameters at a
time, which stays in the core's cache, and the blocks run on numba's threads.

What holds: each parameter's arithmetic is the passes', in the same order, so the parameters
do not depend on BLOCK or on the thread count. The sums (the gradient's squared norm, the
finiteness check) are taken per block and the block sums added in block order: fixed for a
given P. Clipping needs the whole gradient's norm before any update, so with it on the chain
runs in two sweeps (gradient, then update).
"""
import math

from numba import njit, prange

from engine.kernels import _KW, _KW_SUM, CLIP_NORM, decay_parameters, regularize
from engine.optimizers import update_range

#: parameters per block: a block's parameters, gradient and two slots fill 512 KiB in float64
BLOCK = 1 << 14


@njit(**_KW)
def n_blocks(n):
    """How many blocks n parameters make."""
    return (n + BLOCK - 1) // BLOCK


@njit(**_KW_SUM)
def finite_sum(a):
    """0.0 when every entry of a is finite, NaN otherwise (the sum of a * 0: no overflow)."""
    s = 0.0
    for i in range(a.size):
        s += a[i] * 0.0
    return s


@njit(**_KW)
def _gradient_block(lo, hi, params, grad, extra, moves, masked, rmask, reg):
    """grad[lo:hi] += the other slices' rows of ``extra`` (in order), times ``moves`` when
    ``masked``, plus the penalty's gradient; returns the block's squared gradient norm."""
    g = grad[lo:hi]
    for q in range(extra.shape[0]):
        e = extra[q, lo:hi]
        for i in range(hi - lo):
            g[i] += e[i]
    if masked:
        m = moves[lo:hi]
        for i in range(hi - lo):
            g[i] *= m[i]
    _, gsq = regularize(params[lo:hi], g, rmask[lo:hi], reg)
    return gsq


@njit(**_KW)
def _update_block(lo, hi, params, grad, slots, opt, lr, t, decay, clip_f, rate, scaled, old,
                  skip):
    """Clip (clip_f != 1: grad times clip_f), decay, update and scale params[lo:hi]; with
    ``skip``, only the runs of parameters that are not frozen (rate 0) are decayed and
    updated, so frozen values and slots stay as they are; returns the block's finite_sum."""
    opt_code, hyper, toff = opt
    p, g = params[lo:hi], grad[lo:hi]
    if clip_f != 1.0:
        for i in range(hi - lo):
            g[i] *= clip_f
    if scaled:
        o = old[lo:hi]
        for i in range(hi - lo):
            o[i] = p[i]
    a = lo
    while a < hi:                   # [a, b): a run that moves (the whole block without skip)
        b = hi
        if skip:
            while a < hi and rate[a] == 0.0:
                a += 1
            b = a
            while b < hi and rate[b] != 0.0:
                b += 1
        if b > a:
            decay_parameters(params[a:b], decay)
            update_range(opt_code, params, grad, slots, hyper, lr, t, toff, a, b)
        a = b
    if scaled:                      # engine.layer_lr: x_old + rate (x - x_old); rate 1 exact
        r = rate[lo:hi]
        for i in range(hi - lo):
            if r[i] != 0.0 and r[i] != 1.0:
                p[i] = o[i] + r[i] * (p[i] - o[i])
    return finite_sum(p)


@njit(**_KW)
def _block(b, sweep, clip_f, chain):
    """Block b's part of a sweep: 0 the whole chain, 1 the gradient, 2 the update; chain:
    ``update_parameters``' arguments, ``opt`` unpacked (a parallel loop takes no nested
    tuple), and its per-block sums (gsqs, fins)."""
    (params, grad, extra, slots, opt_code, hyper, toff, reg, lr, t, decay, moves, masked, rmask,
     rate, scaled, old, skip, gsqs, fins) = chain
    opt = (opt_code, hyper, toff)
    lo, hi = b * BLOCK, min(params.size, (b + 1) * BLOCK)
    if sweep != 2:
        gsqs[b] = _gradient_block(lo, hi, params, grad, extra, moves, masked, rmask, reg)
    if sweep != 1:
        fins[b] = _update_block(lo, hi, params, grad, slots, opt, lr, t, decay, clip_f, rate,
                                scaled, old, skip)


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def _blocks_on_threads(nb, sweep, clip_f, chain):
    """The nb blocks of a sweep on numba's threads. Alone in its function: with
    parallel=True numba also turns array expressions (an np.zeros) into parallel loops, which
    wake the threads at every step even when the blocks run one after the other."""
    for b in prange(nb):
        _block(b, sweep, clip_f, chain)


@njit(**_KW)
def update_parameters(params, grad, extra, slots, opt, reg, lr, t, decay, moves, masked, rmask,
                      rate, scaled, old, skip, threads, sums):
    """One step's update after the backward pass, in place; returns (squared gradient norm
    after the penalty, finite_sum of the new parameters).

    params, grad (P,); extra (parts - 1, P) the other slices' gradients, or (0, P);
    slots (N_SLOTS, P); opt (code, hyper, toff) as ``optimizers.apply_update_at``; reg the
    regularisation vector (``kernels.L1`` ...); lr the step's rate; t the update's index;
    decay lr * weight decay; moves (P,) 1/0 multiplying the gradient when ``masked``; rmask
    (P,) the weights the penalty covers; rate (P,) each parameter's rate factor (applied when
    ``scaled``, through old (P,)); skip: parameters with rate 0 are not decayed or updated.
    threads: the blocks on numba's threads (else one after the other, the same numbers): only
    while BLAS runs on one thread, as numba's threads and a multi-threaded OpenBLAS spinning
    between its calls take each other's cores (a step then waits for the scheduler).
    sums float64 (2, n_blocks(P)): room for the blocks' sums, the caller's (no allocation per
    step: a tiny network's step takes a few microseconds).
    """
    nb = n_blocks(params.size)
    gsqs = sums[0]
    fins = sums[1]
    chain = (params, grad, extra, slots, *opt, reg, lr, t, decay, moves, masked, rmask, rate,
             scaled, old, skip, gsqs, fins)
    clip = reg[CLIP_NORM]
    two = clip > 0.0                # clipping: the gradient's norm before any update
    gsq = 0.0
    for sweep in range(1 if two else 0, 3 if two else 1):
        clip_f = 1.0
        if sweep == 2 and gsq > clip * clip:
            clip_f = clip / math.sqrt(gsq)
        if threads:
            _blocks_on_threads(nb, sweep, clip_f, chain)
        else:
            for b in range(nb):
                _block(b, sweep, clip_f, chain)
        if sweep != 2:
            for b in range(nb):
                gsq += gsqs[b]
    fin = 0.0
    for b in range(nb):
        fin += fins[b]
    return gsq, fin
