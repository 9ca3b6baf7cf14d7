"""The optimizer lab's races (Qt-free): every racer's whole path, and one step of it inspected.

``run_lab(setup)`` races every racer of a ``playground.lab_setup.LabSetup`` through
``engine.race`` (whole paths, ahead of any drawing); ``inspect(path, t)`` says what a racer did at
step t for the step-by-step view.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from engine.race import Path, race
from playground.lab_setup import LabSetup, is_second_order


def race_one(setup: LabSetup, index: int) -> Path:
    """The path of ``setup.racers[index]`` (engine.race with the setup's surface, start,
    steps and seed; the schedule and clipping for first-order racers)."""
    r = setup.racers[index]
    first = not is_second_order(r.optimizer)
    schedule = setup.schedule if first and setup.schedule["name"] != "constant" else None
    clip = setup.clip if first and setup.clip > 0.0 else None
    return race(setup.make_surface(), r.optimizer, dict(r.config), setup.start, setup.steps,
                seed=setup.seed, schedule=schedule, clip=clip)


def run_lab(setup: LabSetup) -> tuple:
    """Every racer's whole Path, in the order of ``setup.racers``."""
    return tuple(race_one(setup, i) for i in range(len(setup.racers)))


class Inspection(NamedTuple):
    """One racer at one step t (0-based) for the step-by-step view; vectors float64 (2,).

    point    : x_t          gradient : the gradient that step used (noisy, clipped)
    slots    : ((name, vector), ...) the optimizer's state after the step, as the engine
               keeps it (empty for second-order methods)
    moment   : the velocity (momentum, Nesterov) or first moment (Adam) in gradient units,
               pointing uphill like the gradient (the step goes against it); None: no moment.
               Nesterov keeps v' = rho v - lr g, a step: shown as -v / lr.
    cache    : the second-moment cache (AdaGrad's sum of g^2, RMSProp's and AdaDelta's mean
               g^2, Adam's v), per coordinate; None: none
    moment_name, cache_name : what the view calls them ("" when None)
    step     : x_{t+1} - x_t          lr : the rate that step used (NaN: second order)
    loss     : f(x_t)
    """
    t: int
    point: np.ndarray
    gradient: np.ndarray
    slots: tuple
    moment: np.ndarray | None
    moment_name: str
    cache: np.ndarray | None
    cache_name: str
    step: np.ndarray
    lr: float
    loss: float


_MOMENTS = {"velocity": "v", "first moment": "m"}
_CACHES = {"sum of squared gradients": "cache", "mean squared gradient": "cache",
           "second moment": "v"}


def inspect(path: Path, t: int, optimizer: str = "") -> Inspection:
    """What the racer of ``optimizer`` (a key of RACERS) whose race is ``path`` did at step t
    (clamped to the path's steps)."""
    n = len(path.grads)
    t = int(min(max(t, 0), max(n - 1, 0)))
    if n == 0:
        nan = np.full(2, np.nan)
        return Inspection(0, path.xy[0].copy(), nan, (), None, "", None, "", nan, math.nan,
                          float(path.losses[0]))
    slots = tuple((name, path.slots[t, i].copy()) for i, name in enumerate(path.slot_names))
    lr = float(path.lrs[t])
    moment, moment_name, cache, cache_name = None, "", None, ""
    for name, v in slots:
        if name in _MOMENTS and moment is None:
            moment_name = _MOMENTS[name]
            moment = v
            if optimizer == "nesterov":
                moment = -v / lr if lr > 0 else np.full(2, np.nan)
        elif name in _CACHES and cache is None:
            cache, cache_name = v, _CACHES[name]
    return Inspection(t, path.xy[t].copy(), path.grads[t].copy(), slots, moment, moment_name,
                      cache, cache_name, path.xy[t + 1] - path.xy[t], lr, float(path.losses[t]))
