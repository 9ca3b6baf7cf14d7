"""One mini-batch's gradient computed in parts on parallel threads (data parallelism).

A training step of a large network is a chain of matrix products, one per layer and pass, with
element-wise work between them. Spread over the cores by BLAS, each product waits for its
slowest thread and the element-wise work runs on one core, and when another program (or the
window) takes a core, every product waits for it: a 16x256 network then trains 4-10x slower.
Here the batch of B rows is cut into ``parts`` slices of consecutive rows (rows
``p*B//parts`` to ``(p+1)*B//parts``); each thread gathers its slice, runs the forward and
backward passes on it with one-thread BLAS (the caller holds ``engine.blas.single_threaded()``)
and writes its own gradient; the gradients are then summed in part order (by the update,
``engine.step_update``). The loss of each
slice is its share of the batch's mean (``loss_and_delta_part``), so the sum is the batch's
gradient exactly, up to rounding.

What holds: a run is bit-identical for the same number of parts (``Trainer`` takes the numba
thread count), however it is chunked; with one part it is the unsplit step, bit for bit.
Dropout draws each slice's masks from its own key (``part_key``). Networks with batch
normalisation never split: its statistics are over the whole batch. Networks of dense,
batch-norm, flatten and dropout layers whose batch is too short for slices worth it (or that
have batch norm) share each layer's work between the threads instead (``engine.layer_pass``);
``plan`` chooses.
"""
import numpy as np
from numba import get_num_threads, njit, prange

from engine import rng
from engine.kernels import loss_and_delta_part
from engine.layer_kernels import (BATCHNORM, CONV2D, DENSE, DROPOUT, FLATTEN, G_ACT, G_CIN,
                                  G_COUT, G_HIN, G_HOUT, G_K, G_KIND, G_WIN, G_WOUT, _gather,
                                  _gather_augmented, backward, forward, sizes)

#: the fewest rows a slice may have: below it a step runs whole
MIN_ROWS = 16
#: rows per slice from which a network that could share its layers' work between the threads
#: (``engine.layer_pass``) cuts its batch into slices instead: with fewer, BLAS on each slice
#: runs below its speed and sharing each layer is faster (benchmarks.bench_conv, dense cases)
SLICE_ROWS = 128


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def part_key(drop_key, p):
    """The dropout key of slice p (slice 0 keeps the step's key)."""
    if p == 0:
        return drop_key
    return rng.mix64(drop_key ^ (np.uint64(p) * np.uint64(0x9E3779B97F4A7C15)))


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def split_gradient(params, buffers, extra, gi, gf, loss_code, X, Y, perm, pos, B, parts, aug,
                   seed, step, drop_key, ws, units, col):
    """Forward and backward passes of the batch perm[pos:pos + B] in ``parts`` slices at once;
    returns the batch's data loss. Its gradient is ws's grad (slice 0's) plus the rows of
    ``extra`` (the other slices', in slice order), which ``engine.step_update`` adds block by
    block as it updates the parameters.

    extra (parts - 1, P): units int64 (L,): each layer's
    units per sample; col: im2col rows x columns per sample of all conv layers
    (``layer_kernels.sizes(gi, kept=True)``);
    aug, seed, step: as ``layer_kernels.train_steps`` gathers (augmentation keyed by row)."""
    grad, xb, yb, za, aa, ma, da, stats, cols, uoff = ws
    L = gi.shape[0]
    K = Y.shape[1]
    n_in = X.shape[1]
    shape = (gi[0, G_CIN], gi[0, G_HIN], gi[0, G_WIN])
    losses = np.zeros(parts)
    for p in prange(parts):
        b0 = p * B // parts
        Bp = (p + 1) * B // parts - b0
        up = np.empty(L, np.int64)
        for l in range(L):
            up[l] = uoff[l] + units[l] * b0
        xp = xb[n_in * b0:]
        yp = yb[K * b0:]
        cp = cols[col * b0:]
        if aug.size:
            tmp = np.empty(shape, X.dtype)
            _gather_augmented(X, Y, perm, pos + b0, Bp, xp, yp, aug, shape, seed, step, tmp)
        else:
            _gather(X, Y, perm, pos + b0, Bp, xp, yp)
        forward(params, buffers, gi, gf, xp, Bp, za, aa, ma, stats, cp, up, True, True,
                part_key(drop_key, p))
        o = up[L - 1]
        losses[p] = loss_and_delta_part(loss_code, gi[L - 1, G_ACT], za[o:o + Bp * K],
                                        aa[o:o + Bp * K], yp, Bp, K, da[o:o + Bp * K], B)
        backward(params, grad if p == 0 else extra[p - 1], gi, gf, xp, Bp, za, aa, ma, da,
                 stats, cp, up, True)
    loss = losses[0]
    for p in range(1, parts):
        loss += losses[p]
    return loss


#: multiply-adds per step from which a batch is split (smaller steps lose more to starting the
#: threads than they gain)
MIN_WORK = 1 << 22


def step_work(gi, batch):
    """Multiply-adds of one forward pass of ``batch`` rows through the dense and conv layers."""
    work = 0
    for row in gi:
        if row[G_KIND] == DENSE:
            work += int(row[G_CIN] * row[G_HIN] * row[G_WIN]) * int(row[G_COUT])
        elif row[G_KIND] == CONV2D:
            work += int(row[G_COUT] * row[G_CIN] * row[G_K] ** 2 * row[G_HOUT] * row[G_WOUT])
    return work * int(batch)


def plan(gi, n_params, n_buffers, batch, threads=None, min_work=MIN_WORK, dtype=np.float64):
    """The ``split`` argument of ``layer_kernels.train_steps`` for batches of up to ``batch``
    rows: (parts, extra, units, col, inside). A step of at least ``min_work`` multiply-adds
    uses ``threads`` threads (default: numba's thread count), one way or the other:

    - slices: the batch cut into ``threads`` parts, when there is no batch norm and every
      part gets MIN_ROWS rows (SLICE_ROWS when the network could also share its layers);
    - inside (networks of dense, batch-norm, flatten and dropout layers only): each layer's
      work shared between the threads, the batch whole (``engine.layer_pass``).

    Else one part. ``dtype``: the precision of the run (the other parts' gradients take it)."""
    parts = get_num_threads() if threads is None else int(threads)
    family = set(int(k) for k in gi[:, G_KIND]) <= {DENSE, BATCHNORM, FLATTEN, DROPOUT}
    rows = SLICE_ROWS if family else MIN_ROWS
    inside = False
    if parts < 2 or step_work(gi, batch) < min_work:
        parts = 1
    elif n_buffers or batch < parts * rows:
        inside = family
        parts = parts if family else 1
    units, col = sizes(gi, kept=True)    # a slice's columns: as make_workspace lays them
    extra = np.zeros((0 if inside else parts - 1, n_params), dtype)
    return (parts, extra, units.astype(np.int64), col, inside)
