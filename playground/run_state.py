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
from playground.container import (
    MAX_ARRAY_BYTES,
    FileFormatError,
    checked_array,
    json_object,
    json_type,
    quoted,
)

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
           "second_order": None}
    arrays = {"params": params, "initial_params": initial}
    if "second_order_state" in state:
        numbers = {}
        for key, v in state["second_order_state"].items():
            if isinstance(v, np.ndarray) and v.ndim > 0:
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
    return run, arrays


def decode(run: dict, arrays: dict) -> dict:
    """The ``run`` object and arrays of a file, checked, as ``Trainer.load_state_dict`` takes
    them; a FileFormatError names the first problem."""
    known = {"n_params", "seed", "step", "epoch", "position", "optimizer_steps",
             "optimizer_iterations", "second_order"}
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
    if "second_order" not in run:
        raise FileFormatError("'run' has no 'second_order'.")
    second = run["second_order"]
    if second is None:
        state["slots"] = checked_array(arrays, "slots", (2, n))
    else:
        second = json_object(second, "second_order")
        name, numbers = second.get("name"), json_object(second.get("numbers"), "numbers")
        if not isinstance(name, str) or not name:
            raise FileFormatError("run 'second_order' must name its method.")
        so = {"name": name}
        for key, value in numbers.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    not math.isfinite(value):
                raise FileFormatError(f"second-order state {quoted(key)} must be a finite number, "
                                      f"not {quoted(value)}.")
            so[key] = value
        for key in sorted(arrays):
            if key.startswith(SECOND_ORDER_PREFIX):
                short = key[len(SECOND_ORDER_PREFIX):]
                a = arrays[key]
                shape = (n,) if a.ndim == 1 else (min(a.shape[0], MAX_SECOND_ORDER_PAIRS), n)
                so[short] = checked_array(arrays, key, shape)
        state["second_order_state"] = so
    return state


def _whole_number(run: dict, key: str, low: int = 0, high: int = MAX_COUNTER) -> int:
    if key not in run:
        raise FileFormatError(f"'run' has no {quoted(key)}.")
    value = run[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise FileFormatError(f"run {quoted(key)} must be a whole number, not {json_type(value)}.")
    if not low <= value <= high:
        raise FileFormatError(f"run {quoted(key)} = {value} is out of range [{low}, {high}].")
    return value
