"""The loss axis's range: one rule for the window's Curves panel and the headless loss picture.

The loss axis runs from 0 to the next nice number past the largest loss on show (log scale: the
whole decades around the losses on show). After a divergence, losses above BLOW_UP_FACTOR times
the run's first loss are the blow-up: the axis stops there (the curve leaves through the top)
instead of reaching 1e277, and the views mark the divergence step with a dashed line.
"""
from __future__ import annotations

import numpy as np

#: After a divergence, losses above this many times the run's first loss are left off the axis.
BLOW_UP_FACTOR = 100.0
NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
#: The log axis's range when no positive loss is on show yet: 0.01 to 1.
EMPTY_LOG_RANGE = (-2.0, 0.0)


def nice_ceil(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at or above value (an axis end
    that stays put while the data grows towards it, so the axes are not redrawn at every
    refresh); 1 for a value that is not positive and finite."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(value))
    return float(next(m for m in NICE_STEPS if m * scale >= value * (1 - 1e-12)) * scale)


def losses_on_show(steps: np.ndarray, train: np.ndarray, test: np.ndarray,
                   diverged_at: int | None) -> tuple[float, float]:
    """(smallest, largest) finite loss the axis must show, (0, 0) when there is none.

    steps, train, test : (n,) the history's step, train_loss and test_loss columns (NaN where
        a value is missing)
    diverged_at : the step at which the run diverged, or None. Then losses above
        BLOW_UP_FACTOR times the run's first finite training loss (the one at the smallest
        step) are left out; at least that first loss itself stays.
    """
    steps = np.asarray(steps, np.float64)
    train, test = np.asarray(train, np.float64), np.asarray(test, np.float64)
    if not (len(steps) == len(train) == len(test)):
        raise ValueError(f"steps, train and test differ in length: "
                         f"{len(steps)}, {len(train)}, {len(test)}")
    losses = np.concatenate([train, test])
    losses = losses[np.isfinite(losses)]
    if not len(losses):
        return 0.0, 0.0
    if diverged_at is not None:
        order = np.argsort(steps, kind="stable")
        first = train[order][np.isfinite(train[order])]
        limit = BLOW_UP_FACTOR * abs(float(first[0] if len(first) else losses[0]))
        kept = losses[losses <= limit]
        losses = kept if len(kept) else losses[:1]
    return float(losses.min()), float(losses.max())


def loss_range(steps: np.ndarray, train: np.ndarray, test: np.ndarray,
               diverged_at: int | None, log: bool) -> tuple[float, float]:
    """(low, high) of the loss axis, without padding: linear, 0 to ``nice_ceil`` of the largest
    loss on show; log, in log10 units, the whole decades around the positive losses on show
    (at least one decade). Arguments as for ``losses_on_show``."""
    lo, hi = losses_on_show(steps, train, test, diverged_at)
    if not log:
        return 0.0, nice_ceil(hi)
    if hi <= 0:
        return EMPTY_LOG_RANGE
    lo = lo if lo > 0 else hi / 100.0
    lo, hi = float(np.floor(np.log10(lo))), float(np.ceil(np.log10(hi)))
    return lo + 0.0, max(hi, lo + 1.0) + 0.0        # + 0.0: no -0.0
