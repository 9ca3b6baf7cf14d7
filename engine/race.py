"""The optimizer race: one optimizer's path on a 2-D loss surface, step by step.

"An optimizer is one implementation that trains networks and races on loss surfaces": every
racer takes its steps through ``step(objective, x)`` with the Surface as the objective. The
first-order ones (``optimizers.Optimizer.step``: clip, decoupled weight decay, then the engine's
own update kernel ``apply_update``, the training loop's order) get the rate of each step from the
training loop's schedule kernel ``schedules.scheduled_lr``; Newton, L-BFGS and CG are the
classes of ``engine.second_order``.

    path = race("valley", "momentum", {"learning_rate": 0.03}, start=None, steps=100)
    path.xy        # (steps + 1, 2) the points, path.losses (steps + 1,) f there (exact)
"""
from __future__ import annotations

import math
import numbers
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from engine.line_search import NotDescentDirectionError
from engine.optimizers import N_SLOTS, OPTIMIZERS
from engine.schedules import SCHEDULES, Schedule, scheduled_lr, schedule_from_config
from engine.second_order import SECOND_ORDER
from engine.surfaces import SURFACES, Surface

#: The racers: name -> (engine optimizer, fixed settings). AdamW is Adam with decoupled weight
#: decay (``weight_decay``, default 0.01 here), "adam_no_bias" the course's "Adam (almost)".
RACERS = {
    "sgd": ("sgd", {}), "momentum": ("momentum", {}), "nesterov": ("nesterov", {}),
    "adagrad": ("adagrad", {}), "adadelta": ("adadelta", {}), "rmsprop": ("rmsprop", {}),
    "adam": ("adam", {}), "adam_no_bias": ("adam", {"bias_correction": False}),
    "adamw": ("adam", {"weight_decay": 0.01}),
    "newton": ("newton", {}), "lbfgs": ("lbfgs", {}), "cg": ("cg", {}),
}

#: What each row of a first-order optimizer's slots holds (engine/optimizers.py's table).
SLOT_NAMES = {"sgd": (), "momentum": ("velocity",), "nesterov": ("velocity",),
              "adagrad": ("sum of squared gradients",),
              "adadelta": ("mean squared gradient", "mean squared step"),
              "rmsprop": ("mean squared gradient",),
              "adam": ("first moment", "second moment")}


class Path(NamedTuple):
    """A race's record. ``steps`` rows per step, ``steps + 1`` per point.

    xy      float64 (steps + 1, 2)   the points (Nesterov: the stored look-ahead point)
    losses  float64 (steps + 1,)     the exact f at each point
    grads   float64 (steps, 2)       the gradient each step used (noisy, then clipped);
                                     second order: the method's own evaluations, here the
                                     exact gradient at the step's start
    slots   float64 (steps, N_SLOTS, 2)  the optimizer's slots after each step (zeros: none)
    slot_names tuple of str          what slots[:, i] holds, for the rows in use
    lrs     float64 (steps,)         the learning rate each step used (NaN: second order)
    n_evals int64 (steps,)           value_and_grad calls per step
    message str                      why a race stopped early: a second-order method that
                                     cannot go on (its rows after that repeat the point)
    diverged_at int                  the first step whose point, f or gradient was not finite
                                     (the rows after the last finite point are NaN); -1: none
    """
    xy: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    slots: np.ndarray
    slot_names: tuple
    lrs: np.ndarray
    n_evals: np.ndarray
    diverged_at: int
    message: str = ""                #: why the race stopped early ("" when it did not)


def race(surface, optimizer_name, config, start, steps, seed=0, schedule=None, clip=None):
    """Race ``optimizer_name`` (a key of RACERS) on ``surface`` for ``steps`` steps.

    surface : Surface or a key of SURFACES      config : dict, {"learning_rate": lr (first
              order), "weight_decay": wd (first order), **the optimizer's hyperparameters}
    start   : (x, y) or None (the surface's)    steps : int >= 0
    seed    : reseeds the surface's gradient noise (None: keep the surface's seed)
    schedule: None, a Schedule or its config dict; clip: None or the gradient norm bound
              (both first order only)
    -> Path. Bad input raises ValueError with a one-line message.
    """
    surface = _surface(surface, seed)
    if optimizer_name not in RACERS:
        raise ValueError(f"unknown optimizer {optimizer_name!r}; choose one of {list(RACERS)}")
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict, got {config!r}")
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, numbers.Integral) \
            or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    x0 = np.array(surface.start if start is None else start, dtype=np.float64)
    if x0.shape != (2,) or not np.all(np.isfinite(x0)):
        raise ValueError(f"start must be two finite numbers, got {start!r}")
    engine_name, fixed = RACERS[optimizer_name]
    settings = {**fixed, **config}
    if engine_name in SECOND_ORDER:
        if schedule is not None or clip is not None:
            raise ValueError(f"{optimizer_name}: schedules and clipping apply to first-order "
                             "optimizers only (second-order steps come from a line search)")
        method = SECOND_ORDER[engine_name](**settings)
        with np.errstate(over="ignore", invalid="ignore"):    # divergence is reported
            return _race_second_order(surface, method, x0, steps)
    with np.errstate(over="ignore", invalid="ignore"):
        return _race_first_order(surface, engine_name, settings, x0, steps, schedule, clip)


def _surface(surface, seed):
    """A private copy of the surface (its noise counter is the race's own), reseeded."""
    if isinstance(surface, str):
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; choose one of {list(SURFACES)}")
        surface = SURFACES[surface]
    if not isinstance(surface, Surface):
        raise ValueError(f"surface must be a Surface or a key of SURFACES, got {surface!r}")
    if seed is None:
        return replace(surface)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) \
            or not 0 <= seed < 2**63:
        raise ValueError(f"seed must be an int in [0, 2^63), got {seed!r}")
    return replace(surface, seed=int(seed))


def _number(settings, name, default, low):
    v = settings.pop(name, default)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) \
            or not math.isfinite(v) or v < low:
        raise ValueError(f"{name} must be a finite number >= {low}, got {v!r}")
    return float(v)


def _race_first_order(surface, name, settings, x0, steps, schedule, clip):
    lr0 = _number(settings, "learning_rate", OPTIMIZERS[name].recommended_lr, 0.0)
    wd = _number(settings, "weight_decay", 0.0, 0.0)
    clip = 0.0 if clip is None else float(_number({"clip": clip}, "clip", 0.0, 0.0))
    opt = OPTIMIZERS[name](**settings)
    if schedule is None:
        schedule = SCHEDULES["constant"]()
    elif isinstance(schedule, dict):
        schedule = schedule_from_config(schedule)
    elif not isinstance(schedule, Schedule):
        raise ValueError(f"schedule must be None, a Schedule or its config, got {schedule!r}")
    hp = schedule.hyper_vector()
    opt.build(2)
    param = x0.copy()
    xy, losses = _nan((steps + 1, 2)), _nan((steps + 1,))
    grads, slot_rows, lrs = _nan((steps, 2)), _nan((steps, N_SLOTS, 2)), _nan((steps,))
    xy[0] = param
    diverged = -1
    for t in range(steps):
        surface.begin_step(t)
        lr = scheduled_lr(schedule.code, lr0, hp, 0, 0, t, t)   # one full batch per epoch
        info = opt.step(surface, param, lr, clip=clip, weight_decay=wd)
        losses[t] = info.f
        if not (math.isfinite(info.f) and np.all(np.isfinite(info.grad))):   # at param
            diverged = t
            break
        grads[t], slot_rows[t], lrs[t] = info.grad, opt.slots, lr
        if info.diverged:                                       # the step overflowed
            diverged = t + 1
            break
        param = info.x_new
        xy[t + 1] = param
    else:
        losses[steps] = surface.value(param)
        if not math.isfinite(losses[steps]):
            diverged, losses[steps] = steps, np.nan
    return Path(xy, losses, grads, slot_rows, SLOT_NAMES[name], lrs,
                np.ones(steps, dtype=np.int64), diverged)


def _race_second_order(surface, method, x0, steps):
    x = x0.copy()
    xy, losses, grads = _nan((steps + 1, 2)), _nan((steps + 1,)), _nan((steps, 2))
    n_evals = np.zeros(steps, dtype=np.int64)
    xy[0], losses[0] = x, surface.value(x)
    diverged = -1 if math.isfinite(losses[0]) else 0
    for t in range(steps if diverged < 0 else 0):
        surface.begin_step(t)
        grads[t] = surface.gradient(x)
        try:
            info = method.step(surface, x)
        except (NotDescentDirectionError, ValueError) as e:   # its line search gave up
            if not np.isfinite(np.linalg.norm(grads[t])):       # (e.g. f -> -inf on a saddle)
                diverged = t
                losses[t] = np.nan
                break
            xy[t + 1:], losses[t + 1:] = x, losses[t]
            return Path(xy, losses, grads, np.zeros((steps, N_SLOTS, 2)), (), _nan((steps,)),
                        n_evals, -1, f"{method.name} stopped at step {t}: {e}")
        n_evals[t] = info.n_evals
        if info.diverged:
            diverged = t
            losses[t] = np.nan
            break
        x = info.x_new
        xy[t + 1], losses[t + 1] = x, surface.value(x)
    return Path(xy, losses, grads, np.zeros((steps, N_SLOTS, 2)), (), _nan((steps,)), n_evals,
                diverged)


def _nan(shape):
    return np.full(shape, np.nan)
