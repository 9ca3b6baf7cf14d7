"""The ``comparison`` section of an experiment file: a run comparison saved with its experiment.

    "comparison": {"steps": null, "epochs": 30,
                   "variants": [{"name": "optimizer=sgd", "changes": {"optimizer": "sgd"},
                                 "status": "done", "seconds": 0.41, "message": "",
                                 "outcome": {"steps": 600, "train_loss": 0.21, ...},
                                 "rows": 21}, ...]}

and one array per variant and history column, ``comparison.<i>.<column>`` float64 (rows,).

A variant that started from given weights (a transferred network, ``Variant.start``) keeps
them: its entry's ``"start"`` is the ``run`` object of that starting state (as the file's own
``run``, ``playground.run_state``) and its arrays are ``comparison.<i>.start.params``,
``.initial_params``, ``.slots`` (and ``.buffers`` with batch norm), so a reopened comparison
runs it again from the same numbers. ``"start"`` is null or absent for fresh weights (files
saved before it open unchanged).

The section is optional (files before comparisons were saved have none and open unchanged);
when present it is checked as strictly as the rest: every variant must be a valid experiment
of the file's own settings, its status one of the known ones, its curves of matching lengths.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from playground import run_state
from playground.checks import FileFormatError, is_whole_number, quoted
from playground.container import checked_array, json_object
from playground.file_sections import check_consistency, to_json

PREFIX = "comparison."
STATUSES = ("done", "diverged", "failed", "cancelled")
OUTCOME_KEYS = ("steps", "epochs", "steps_run", "seconds", "steps_per_second", "train_loss",
                "test_loss", "train_accuracy", "test_accuracy", "diverged", "stopped",
                "message")
MAX_VARIANTS = 64
MAX_ROWS = 1_000_000
MAX_TEXT = 2000


def encode(section: Mapping) -> tuple[dict, dict]:
    """(JSON data, arrays) of a comparison section (as ``Comparison.section()`` makes it)."""
    variants, arrays = [], {}
    for i, v in enumerate(section["variants"]):
        history = v.get("history") or {}
        rows = len(history.get("step", ()))
        for column, values in history.items():
            a = np.ascontiguousarray(values, dtype="<f8")
            if a.shape != (rows,):
                raise ValueError(f"comparison variant {i}: history column {quoted(column)} "
                                 f"has {a.shape[0]} rows, not {rows}")
            arrays[f"{PREFIX}{i}.{column}"] = a
        outcome = {k: _clean(v.get("outcome", {}).get(k)) for k in OUTCOME_KEYS
                   if k in v.get("outcome", {})}
        seconds = v.get("seconds")
        start = None
        if v.get("start_state") is not None:
            start, start_arrays = _encode_start(v["start_state"])
            arrays.update({f"{PREFIX}{i}{START}{k}": a for k, a in start_arrays.items()})
        variants.append({"name": str(v["name"]), "changes": to_json(dict(v["changes"])),
                         "status": v["status"],
                         "seconds": None if seconds is None or not math.isfinite(seconds)
                         else float(seconds),
                         "message": str(v.get("message", "")), "outcome": outcome,
                         "rows": rows, "start": start})
    return {"steps": section.get("steps"), "epochs": section.get("epochs"),
            "variants": variants}, arrays


def decode(section, arrays: Mapping, values: Mapping) -> dict:
    """The comparison section of a file, checked (FileFormatError naming the problem)."""
    from playground.experiment import Experiment, InvalidValue
    from playground.history import COLUMNS
    if not isinstance(section, dict):
        raise FileFormatError("'comparison' must be an object.")
    unknown = set(section) - {"steps", "epochs", "variants"}
    if unknown:
        raise FileFormatError(f"comparison has an unknown entry {quoted(sorted(unknown)[0])}.")
    for key in ("steps", "epochs"):
        v = section.get(key)
        if v is not None and not (is_whole_number(v) and 0 <= v <= 10**9):
            raise FileFormatError(f"comparison {key!r} must be a whole number or null, not "
                                  f"{quoted(v)}.")
    variants = section.get("variants")
    if not isinstance(variants, list) or not 1 <= len(variants) <= MAX_VARIANTS:
        raise FileFormatError(f"comparison 'variants' must list 1 to {MAX_VARIANTS} variants.")
    out = []
    for i, v in enumerate(variants):
        where = f"comparison variant {i + 1}"
        if not isinstance(v, dict) or set(v) - {"start"} != {"name", "changes", "status",
                                                             "seconds", "message", "outcome",
                                                             "rows"}:
            raise FileFormatError(f"{where} must hold name, changes, status, seconds, message, "
                                  f"outcome and rows (and start).")
        for key in ("name", "message"):
            if not isinstance(v[key], str) or len(v[key]) > MAX_TEXT:
                raise FileFormatError(f"{where}: {key!r} must be text of at most {MAX_TEXT} "
                                      f"characters.")
        if v["status"] not in STATUSES:
            raise FileFormatError(f"{where}: status {quoted(v['status'])} is unknown; it is one "
                                  f"of {', '.join(STATUSES)}.")
        if not isinstance(v["changes"], dict):
            raise FileFormatError(f"{where}: 'changes' must be an object.")
        try:
            changes = {k: Experiment({**values, k: val}).values()[k]
                       for k, val in v["changes"].items()}
            Experiment({**values, **changes})
        except InvalidValue as error:
            raise FileFormatError(f"{where}: setting {quoted(error.field)}: {error}") from None
        seconds = v["seconds"]
        if seconds is not None and not (isinstance(seconds, (int, float)) and
                                        not isinstance(seconds, bool) and
                                        math.isfinite(seconds) and seconds >= 0):
            raise FileFormatError(f"{where}: 'seconds' must be a number >= 0 or null.")
        if not isinstance(v["outcome"], dict) or set(v["outcome"]) - set(OUTCOME_KEYS):
            raise FileFormatError(f"{where}: 'outcome' holds an unknown entry.")
        rows = v["rows"]
        if not is_whole_number(rows) or not 0 <= rows <= MAX_ROWS:
            raise FileFormatError(f"{where}: 'rows' must be a whole number from 0 to "
                                  f"{MAX_ROWS}.")
        history = {}
        for column in COLUMNS:
            a = arrays.get(f"{PREFIX}{i}.{column}")
            if a is None:
                raise FileFormatError(f"{where}: its {column!r} curve is missing.")
            if a.dtype != np.float64 or a.shape != (rows,):
                raise FileFormatError(f"{where}: its {column!r} curve must be float64 "
                                      f"({rows},), not {a.dtype} {a.shape}.")
            history[column] = a
        start = None
        if v.get("start") is not None:
            prefix = f"{PREFIX}{i}{START}"
            own = {k[len(prefix):]: a for k, a in arrays.items() if k.startswith(prefix)}
            try:
                start = _decode_start(v["start"], own)
                check_start(start, {**values, **changes})
            except FileFormatError as error:
                raise FileFormatError(f"{where}: its starting network ({quoted(v['name'])}): "
                                      f"{error.problem}") from None
        out.append({"name": v["name"], "changes": changes, "status": v["status"],
                    "seconds": seconds, "message": v["message"], "outcome": dict(v["outcome"]),
                    "history": history, "start_state": start})
    return {"steps": section.get("steps"), "epochs": section.get("epochs"), "variants": out}


def array_names(section: Mapping | None) -> set:
    """The names of the arrays a decoded or encodable section owns."""
    from playground.history import COLUMNS
    if not section:
        return set()
    names = {f"{PREFIX}{i}.{c}" for i in range(len(section["variants"])) for c in COLUMNS}
    for i, v in enumerate(section["variants"]):
        if v.get("start_state") is not None:
            names |= {f"{PREFIX}{i}{START}{k}" for k in _encode_start(v["start_state"])[1]}
    return names


#: The infix of a variant's starting-network arrays: ``comparison.<i>.start.params``.
START = ".start."


def _encode_start(state: Mapping) -> tuple[dict, dict]:
    """(run object, arrays) of a variant's starting trainer state."""
    run, arrays = run_state.encode(state)
    if "buffers" in state:
        arrays["buffers"] = np.ascontiguousarray(state["buffers"], dtype="<f8")
    return run, arrays


def check_start(state: Mapping, values: Mapping) -> None:
    """A variant's starting trainer state must fit the variant's own network (settings
    ``values``): as many weights, its seed, optimizer state and data (the file's own run is
    held to the same, ``files`` checks both); FileFormatError naming the sizes otherwise."""
    from playground.experiment import Experiment
    check_consistency(Experiment(dict(values)).values(), state)


def _decode_start(run, arrays: Mapping) -> dict:
    arrays = dict(arrays)
    state = run_state.decode(json_object(run, "start"), arrays)
    if "buffers" in arrays:
        a = arrays["buffers"]
        state["buffers"] = checked_array(arrays, "buffers", (a.shape[0],) if a.ndim == 1
                                         else (-1,))
    return state


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
