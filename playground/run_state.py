"""The training run inside an experiment file: counters, weights and optimizer state.

``encode`` turns ``Trainer.state_dict()`` into the JSON ``run`` object (counters, seed, the
second-order method's numbers) and NPZ arrays (``params``, ``initial_params``, ``slots`` or
``second_order.<key>``); ``decode`` checks a file's ``run`` and arrays and gives the state back.
See ``playground.files`` for the whole document.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from engine import kernels as K
from playground import container
from playground.container import (
    MAX_ARRAY_BYTES,
    FileFormatError,
    checked_array,
    json_object,
    json_type,
    quoted,
)
from playground.checks import is_number, is_whole_number

MAX_COUNTER = 2**62
MAX_SECOND_ORDER_PAIRS = 1000     # L-BFGS memory rows
SECOND_ORDER_PREFIX = "second_order."


def encode(state: Mapping) -> tuple[dict, dict]:
    """``Trainer.state_dict()`` as the file's ``run`` object and its arrays; refuses weights
    or optimizer state that are NaN or infinite."""
    params = np.ascontiguousarray(state["params"], dtype="<f8")
    initial = np.ascontiguousarray(state["initial_params"], dtype="<f8")
    counters = np.asarray(state["state"], dtype=np.int64)
    n = params.size
    if params.shape != (n,) or initial.shape != (n,):
        raise ValueError("params and initial_params must be 1-D arrays of one length")
    if not (np.isfinite(params).all() and np.isfinite(initial).all()):
        raise ValueError("cannot save weights that are NaN or infinite (the run diverged); "
                         "reset the network first")
    run = {"n_params": int(n), "seed": int(state["seed"]),
           "step": int(counters[K.STEP]), "epoch": int(counters[K.EPOCH]),
           "position": int(counters[K.POS]), "optimizer_steps": int(counters[K.OPT_T]),
           "optimizer_iterations": int(state.get("optimizer_iterations", counters[K.OPT_T])),
           "schedule_start": int(state.get("schedule_start", 0)),
           "schedule_start_epoch": int(state.get("schedule_start_epoch", 0)),
           "second_order": None}
    arrays = {"params": params, "initial_params": initial}
    if "second_order_state" in state:
        numbers = {}
        for key, v in state["second_order_state"].items():
            if isinstance(v, np.ndarray) and v.ndim > 0:
                if v.ndim == 2 and v.size * 8 > container.MAX_ARRAY_BYTES:
                    keep = max(container.MAX_ARRAY_BYTES // (8 * max(v.shape[1], 1)), 0)
                    raise ValueError(f"cannot save: the {state['second_order_state']['name']} "
                                     f"history of {v.shape[0]} pairs of {v.shape[1]} weights "
                                     f"would take {v.size * 8 / 2**20:.0f} MiB, more than a "
                                     f"file may hold ({container.MAX_ARRAY_BYTES >> 20} MiB); "
                                     f"keep at most {keep} pairs (its 'history' setting)")
                arrays[SECOND_ORDER_PREFIX + key] = np.ascontiguousarray(v, dtype="<f8")
            elif isinstance(v, str):
                numbers[key] = v
            else:
                v = v.item() if isinstance(v, np.generic) else v
                if isinstance(v, float) and not math.isfinite(v):
                    raise ValueError(f"second-order state {quoted(key)} is not finite")
                numbers[key] = v
        run["second_order"] = {"name": numbers.pop("name", ""), "numbers": numbers}
    else:
        slots = np.ascontiguousarray(state["slots"], dtype="<f8")
        if not np.isfinite(slots).all():
            raise ValueError("cannot save an optimizer state that is NaN or infinite")
        arrays["slots"] = slots
    if "optimizer_step_offset" in state:     # updates each parameter sat out frozen (Adam)
        arrays[STEP_OFFSET] = np.ascontiguousarray(state["optimizer_step_offset"], dtype="<i8")
    return run, arrays


#: The optional array of the updates each parameter sat out while frozen (int64 (n_params,)):
#: Adam's bias correction counts a parameter's own updates, as PyTorch does. Saved only when
#: some layer sat out updates; without it every parameter counts every update.
STEP_OFFSET = "optimizer_step_offset"


def decode(run: dict, arrays: dict) -> dict:
    """The ``run`` object and arrays of a file, checked, as ``Trainer.load_state_dict`` takes
    them; a FileFormatError names the first problem."""
    known = {"n_params", "seed", "step", "epoch", "position", "optimizer_steps",
             "optimizer_iterations", "second_order", "schedule_start", "schedule_start_epoch"}
    unknown = sorted(set(run) - known)
    if unknown:
        raise FileFormatError(f"'run' has an unknown entry {quoted(unknown[0])}.")
    n = _whole_number(run, "n_params", 1, MAX_ARRAY_BYTES // 8)
    counters = np.zeros(K.N_STATE, np.int64)
    counters[K.STEP] = _whole_number(run, "step")
    counters[K.EPOCH] = _whole_number(run, "epoch")
    counters[K.POS] = _whole_number(run, "position")
    counters[K.SEED] = _whole_number(run, "seed", 0, 2**31 - 1)
    counters[K.OPT_T] = _whole_number(run, "optimizer_steps")
    if counters[K.EPOCH] > counters[K.STEP]:
        raise FileFormatError(f"run 'epoch' ({counters[K.EPOCH]}) cannot exceed 'step' "
                              f"({counters[K.STEP]}).")
    state = {"params": checked_array(arrays, "params", (n,)),
             "initial_params": checked_array(arrays, "initial_params", (n,)),
             "state": counters, "seed": int(counters[K.SEED]),
             "optimizer_iterations": _whole_number(run, "optimizer_iterations")}
    # Where the learning-rate schedule started (playground.schedule_start); files saved
    # before starts were kept have none: their schedules started at step 0.
    for key, counter in (("schedule_start", K.STEP), ("schedule_start_epoch", K.EPOCH)):
        state[key] = _whole_number(run, key, 0, int(counters[counter])) if key in run else 0
    if "second_order" not in run:
        raise FileFormatError("'run' has no 'second_order'.")
    second = run["second_order"]
    if second is None:
        state["slots"] = checked_array(arrays, "slots", (2, n))
    else:
        state["second_order_state"] = _second_order_state(
            json_object(second, "second_order"), arrays, n, state["optimizer_iterations"])
    if STEP_OFFSET in arrays:
        offset = checked_array(arrays, STEP_OFFSET, (n,), np.int64)
        if offset.size and (offset.min() < 0 or offset.max() > counters[K.OPT_T]):
            raise FileFormatError(f"array {quoted(STEP_OFFSET)} must hold whole numbers from 0 "
                                  f"to the optimizer's steps ({counters[K.OPT_T]}).")
        state["optimizer_step_offset"] = offset
    return state


#: The second-order state's numbers that are counters or flags: (low, high) beyond being a
#: whole number; "n" and "iterations" are checked against the run. Other numbers are finite
#: floats, with the signs of ``_SIGNS``.
_COUNTS = {"has_point": (0, 1), "has_direction": (0, 1), "since_restart": (0, MAX_COUNTER)}
_SIGNS = {"lam": (">= 0", lambda v: v >= 0.0), "last_decrease": ("<= 0", lambda v: v <= 0.0)}


def _second_order_state(second: dict, arrays: dict, n: int, iterations: int) -> dict:
    """The ``second_order`` object and ``second_order.<key>`` arrays checked against the state
    the engine's method of that name keeps (``state_dict()`` of a fresh one: the same keys,
    whole numbers where it has ints, finite floats where it has floats, float64 (n,) or
    (k, n) arrays where it has arrays) and the ranges these values can take."""
    from engine.second_order import SECOND_ORDER

    unknown = sorted(set(second) - {"name", "numbers"})
    if unknown:
        raise FileFormatError(f"run 'second_order' has an unknown entry {quoted(unknown[0])}.")
    name, numbers = second.get("name"), json_object(second.get("numbers"), "numbers")
    if name not in SECOND_ORDER:
        raise FileFormatError(f"run 'second_order' names method {quoted(name)}; known are "
                              f"{', '.join(SECOND_ORDER)}.")
    template = SECOND_ORDER[name]().state_dict()
    template.pop("name")
    kept = {k[len(SECOND_ORDER_PREFIX):] for k in arrays if k.startswith(SECOND_ORDER_PREFIX)}
    expected_arrays = {k for k, v in template.items() if isinstance(v, np.ndarray)}
    for key in sorted(set(numbers) | kept):
        if key not in template:
            raise FileFormatError(f"the {name} state has an unknown entry {quoted(key)}.")
    so: dict = {"name": name}
    for key, like in template.items():
        what = f"{name} state {key!r}"
        if key in expected_arrays:
            if key in numbers or key not in kept:
                raise FileFormatError(f"{what} must be an array ({SECOND_ORDER_PREFIX}{key}), "
                                      f"not {'a number' if key in numbers else 'missing'}.")
            a = arrays[SECOND_ORDER_PREFIX + key]
            # (n,) vectors; (k, n) pairs, k up to MAX_SECOND_ORDER_PAIRS (what else is
            # refused by the shape it is expected to have)
            rows = min(a.shape[0], MAX_SECOND_ORDER_PAIRS) if a.ndim == 2 else 0
            shape = (rows, n) if like.ndim == 2 else (n,)
            so[key] = checked_array(arrays, SECOND_ORDER_PREFIX + key, shape)
            continue
        if key in kept:
            raise FileFormatError(f"{what} must be a number, not an array.")
        if key not in numbers:
            raise FileFormatError(f"{what} is missing.")
        value = numbers[key]
        if isinstance(like, (int, np.integer)):
            low, high = _COUNTS.get(key, (0, MAX_COUNTER))
            if not is_whole_number(value) or not low <= value <= high:
                raise FileFormatError(f"{what} must be a whole number from {low} to {high}, "
                                      f"not {quoted(value)}.")
        else:
            sign, ok = _SIGNS.get(key, ("", lambda v: True))
            if not is_number(value) or not ok(value):
                raise FileFormatError(f"{what} must be a finite number"
                                      f"{(' ' + sign) if sign else ''}, not {quoted(value)}.")
            value = float(value)
        so[key] = value
    if so.get("n") != n:
        raise FileFormatError(f"the {name} state is for {so.get('n')} weights, not {n}.")
    if so.get("iterations") != iterations:
        raise FileFormatError(f"the {name} state counts {so.get('iterations')} iterations but "
                              f"the run {iterations}.")
    if so.get("since_restart", 0) > iterations:
        raise FileFormatError(f"the {name} state has {so['since_restart']} iterations since a "
                              f"restart, more than the {iterations} it has made.")
    if "s" in so:
        _check_pairs(so["s"], so.get("y"), name)
    return so


def _check_pairs(s: np.ndarray, y: np.ndarray, name: str) -> None:
    """L-BFGS pairs: as many s as y, each with s'y > eps y'y (the engine keeps no other)."""
    if y is None or s.shape != y.shape:
        raise FileFormatError(f"the {name} state holds {len(s)} steps 's' but "
                              f"{0 if y is None else len(y)} gradient changes 'y'.")
    sy, yy = np.einsum("ij,ij->i", s, y), np.einsum("ij,ij->i", y, y)
    bad = np.flatnonzero(~(sy > np.finfo(np.float64).eps * yy))
    if bad.size:
        raise FileFormatError(f"the {name} state's pair {int(bad[0])} has no positive "
                              f"curvature (s'y = {sy[bad[0]]:.3g}); L-BFGS never keeps one.")


def _whole_number(run: dict, key: str, low: int = 0, high: int = MAX_COUNTER) -> int:
    if key not in run:
        raise FileFormatError(f"'run' has no {quoted(key)}.")
    value = run[key]
    if not is_whole_number(value):
        raise FileFormatError(f"run {quoted(key)} must be a whole number, not {json_type(value)}.")
    if not low <= value <= high:
        raise FileFormatError(f"run {quoted(key)} = {value} is out of range [{low}, {high}].")
    return value
