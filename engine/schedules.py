"""Learning-rate schedules: lr as a function of the step (and epoch) counter.

    step  : 0-based count of updates already done (the update about to happen uses lr(step))
    epoch : 0-based count of completed epochs, = step // steps_per_epoch

Every schedule is lr0 times a factor that starts at 1, so changing the base learning rate
mid-run rescales the whole curve. ``hp`` (float64 (N_SCHED,)) follows each class's
``HYPERPARAMS`` order:

    code          hp[0]          hp[1]          lr
    CONSTANT      -              -              lr0
    STEP          factor         every_epochs   lr0 * factor ** (epoch // every_epochs)
    EXPONENTIAL   k              -              lr0 * exp(-k t)
    INVERSE_TIME  k              -              lr0 / (1 + k t)
    LINEAR        decay_steps    end_fraction   (1 - a) lr0 + a lr_tau,  a = min(t, tau) / tau,
                                                lr_tau = end_fraction * lr0   (the course's recipe)
    COSINE        decay_steps    min_fraction   lr_min + (lr0 - lr_min)(1 + cos(pi s / T)) / 2,
                                                s = min(t, T),  lr_min = min_fraction * lr0

``schedule_lr`` is the compiled dispatcher the training loop calls once per update; the classes
validate hyperparameters and draw curves ahead with ``lr_at``, which runs the same kernel.

A schedule may start later than the run (the playground restarts it when it is changed mid-run):
``scheduled_lr`` takes the update count ``start`` and the epoch count ``start_epoch`` at its start
and counts t and epoch from there; before its start a schedule gives its first rate, lr0.
"""
import math
import numbers

import numpy as np
from numba import njit

from engine.hyper import Configurable, Hyper, hyper_array

CONSTANT, STEP, EXPONENTIAL, INVERSE_TIME, LINEAR, COSINE = range(6)
N_SCHED = 4  # length of the hp vector

_KW = dict(cache=True, nogil=True, error_model="numpy")


@njit(**_KW)
def schedule_lr(code, lr0, hp, step, epoch):
    """Learning rate for the update after ``step`` updates, in epoch ``epoch`` (both 0-based).

    lr0 : float   hp : float64 (N_SCHED,)   step, epoch : int >= 0   -> float
    """
    if code == CONSTANT:
        return lr0
    elif code == STEP:
        return lr0 * hp[0] ** (epoch // int(hp[1]))
    elif code == EXPONENTIAL:
        return lr0 * math.exp(-hp[0] * step)
    elif code == INVERSE_TIME:
        return lr0 / (1.0 + hp[0] * step)
    elif code == LINEAR:
        tau = hp[0]
        if step >= tau:
            return hp[1] * lr0
        # (1 - a) lr0 + a lr_tau, written so rounding can never lift it above lr0
        a = step / tau
        return lr0 - a * (lr0 - hp[1] * lr0)
    elif code == COSINE:
        period = hp[0]
        lr_min = hp[1] * lr0
        return lr_min + (lr0 - lr_min) * (1.0 + math.cos(math.pi * min(float(step), period)
                                                         / period)) / 2.0
    raise ValueError("schedule_lr: unknown schedule code")


@njit(**_KW)
def scheduled_lr(code, lr0, hp, start, start_epoch, step, epoch):
    """``schedule_lr`` of a schedule started after ``start`` updates, in epoch ``start_epoch``:
    its own step and epoch counts are step - start and epoch - start_epoch (0 before it).

    start, start_epoch, step, epoch : int >= 0   -> float
    """
    return schedule_lr(code, lr0, hp, max(step - start, 0), max(epoch - start_epoch, 0))


@njit(**_KW)
def schedule_lrs(code, lr0, hp, steps, steps_per_epoch, start, start_epoch):
    """float64 (n,): ``scheduled_lr`` at each of ``steps`` (int64 (n,)), epoch = step // spe."""
    out = np.empty(steps.size)
    for i in range(steps.size):
        out[i] = scheduled_lr(code, lr0, hp, start, start_epoch, steps[i],
                              steps[i] // steps_per_epoch)
    return out


class Schedule(Configurable):
    """Base class: validated hyperparameters; ``lr_at`` evaluates the kernel over many steps."""
    name = ""
    code = -1
    HYPERPARAMS: tuple = ()

    def hyper_vector(self):
        """float64 (N_SCHED,): the hyperparameters as ``schedule_lr`` reads them."""
        return hyper_array(self.HYPERPARAMS, self.hyper, N_SCHED)

    def lr_at(self, steps, steps_per_epoch, lr0=1.0, start=0, start_epoch=None):
        """Learning rates at ``steps`` (int or int array, 0-based), same shape, float64.

        epoch = steps // steps_per_epoch. With the default lr0 = 1.0 this is the factor that
        multiplies the base learning rate. ``start``: the update count at which the schedule
        started, ``start_epoch`` the epoch count then (default start // steps_per_epoch).
        Exactly the numbers ``scheduled_lr`` gives in training.
        """
        s = np.asarray(steps)
        if s.dtype.kind not in "iu" or (s.size and s.min() < 0):
            raise ValueError(f"{self.name}: steps must be non-negative integers")
        if isinstance(steps_per_epoch, (bool, np.bool_)) \
                or not isinstance(steps_per_epoch, numbers.Integral) or steps_per_epoch < 1:
            raise ValueError(f"{self.name}: steps_per_epoch must be an int >= 1, "
                             f"got {steps_per_epoch!r}")
        if not isinstance(lr0, numbers.Real) or not math.isfinite(lr0):
            raise ValueError(f"{self.name}: lr0 must be a finite number, got {lr0!r}")
        if start_epoch is None:
            start_epoch = start // steps_per_epoch if isinstance(start, numbers.Integral) else -1
        for name, v in (("start", start), ("start_epoch", start_epoch)):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 0:
                raise ValueError(f"{self.name}: {name} must be an int >= 0, got {v!r}")
        flat = np.ascontiguousarray(s, dtype=np.int64).ravel()
        out = schedule_lrs(self.code, float(lr0), self.hyper_vector(), flat, int(steps_per_epoch),
                           int(start), int(start_epoch))
        return out.reshape(s.shape) if s.ndim else float(out[0])


_DECAY_STEPS = Hyper("decay_steps", 2500, 1, 10**9, "Steps over which the rate falls to its "
                     "end value (the course's tau: about 100 passes through the data).",
                     kind="int")


class Constant(Schedule):
    """lr = lr0 at every step."""
    name, code = "constant", CONSTANT
    HYPERPARAMS = ()


class StepDecay(Schedule):
    """Multiply the rate by ``factor`` every ``every_epochs`` epochs (course: halve it)."""
    name, code = "step", STEP
    HYPERPARAMS = (
        Hyper("factor", 0.5, 0.0, 1.0, "Multiplier applied at each drop (0.5 = halve).",
              low_inclusive=False),
        Hyper("every_epochs", 100, 1, 10**6, "Epochs between drops.", kind="int"),
    )


class ExponentialDecay(Schedule):
    """lr = lr0 exp(-k t)."""
    name, code = "exponential", EXPONENTIAL
    HYPERPARAMS = (Hyper("k", 1e-3, 0.0, 1.0, "Decay rate per step."),)


class InverseTimeDecay(Schedule):
    """lr = lr0 / (1 + k t)  (the course's 1/t decay)."""
    name, code = "inverse_time", INVERSE_TIME
    HYPERPARAMS = (Hyper("k", 1e-3, 0.0, 1.0, "Decay rate per step."),)


class LinearDecay(Schedule):
    """Linear from lr0 to lr_tau = end_fraction * lr0 over tau steps, then constant."""
    name, code = "linear", LINEAR
    HYPERPARAMS = (
        _DECAY_STEPS,
        Hyper("end_fraction", 0.01, 0.0, 1.0, "Final rate as a fraction of the initial rate "
              "(course: about 1%)."),
    )


class CosineDecay(Schedule):
    """Half a cosine from lr0 down to lr_min = min_fraction * lr0 over T steps, then constant."""
    name, code = "cosine", COSINE
    HYPERPARAMS = (
        _DECAY_STEPS._replace(doc="Steps T over which the rate follows half a cosine down to "
                              "its minimum."),
        Hyper("min_fraction", 0.0, 0.0, 1.0, "Final rate as a fraction of the initial rate."),
    )


SCHEDULES = {cls.name: cls for cls in
             (Constant, StepDecay, ExponentialDecay, InverseTimeDecay, LinearDecay, CosineDecay)}


def schedule_from_config(cfg):
    """Build a schedule from ``{"name": ..., **hyper}`` (as written by ``get_config``)."""
    if not isinstance(cfg, dict) or "name" not in cfg:
        raise ValueError(f"schedule config must be a dict with a 'name', got {cfg!r}")
    name = cfg["name"]
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; known: {list(SCHEDULES)}")
    return SCHEDULES[name].from_config(cfg)
