"""The sections of an experiment file's document, each checked on its own (``playground.files``
puts them together into a ``Document``, and saves them).

- ``to_json``: a field value as the JSON data the ``fields`` section holds;
- ``values_from``: the ``fields`` section, checked by the experiment's own rules;
- ``lesson_from`` / ``lesson_to_json``: the ``lesson`` section of a lesson file;
- ``history_header`` / ``history_from``: the ``history`` section and its ``history.<column>``
  arrays;
- ``check_manifest``: the ``arrays`` section against the arrays ``arrays.npz`` holds;
- ``imported_from``: the optional ``imported`` section of the user's own images;
- ``check_consistency``: the run against a trainer built from the settings.

Each raises ``FileFormatError`` naming what is wrong and changes nothing.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine import kernels as K
from playground import history as history_module
from playground import image_data
from playground.checks import is_whole_number
from playground.container import (
    ARRAYS_NAME,
    DOCUMENT_NAME,
    FileFormatError,
    checked_array,
    json_object,
    json_type,
    one_line,
    quoted,
)
from playground.fields import FIELDS, FIELDS_BY_NAME, LAYER_SETTINGS, TRAINING_SETTINGS, Layer

MAX_HISTORY_ROWS = 2_000_000      # about nine hours of frames at 60 per second

HISTORY_PREFIX = "history."


def to_json(value):
    """A field value as JSON data: Layer -> dict, tuple -> list, numpy scalars -> Python."""
    if isinstance(value, Layer):
        return {k: to_json(v) for k, v in value.settings().items()}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def imported_from(document: dict, arrays: dict) -> str | None:
    """The data-set name of the imported images the file holds (its optional ``imported``
    section and the arrays ``imported.images`` and ``imported.labels``), registered so the
    settings can name them; None without the section. Registering changes nothing an open
    experiment uses: a name always means the same images (``image_data.fingerprint``)."""
    if "imported" not in document:
        return None
    try:
        return image_data.imported_from_section(document["imported"], arrays)
    except ValueError as error:
        raise FileFormatError(f"{one_line(error, 300)}.") from None


def check_manifest(manifest: dict, arrays: dict) -> None:
    """The ``arrays`` section lists exactly the arrays ``arrays`` holds, each with its dtype
    and shape."""
    for name in sorted(set(manifest) | set(arrays)):
        if name not in arrays:
            raise FileFormatError(f"array {quoted(name)} is listed in {DOCUMENT_NAME} but "
                                  f"missing from {ARRAYS_NAME}.")
        if name not in manifest:
            raise FileFormatError(f"{ARRAYS_NAME} holds an array {quoted(name)} that "
                                  f"{DOCUMENT_NAME} does not list.")
        entry, a = manifest[name], arrays[name]
        if not isinstance(entry, dict) or entry.get("dtype") != a.dtype.name or \
                entry.get("shape") != list(a.shape):
            raise FileFormatError(f"array {quoted(name)} is {a.dtype.name} "
                                  f"{tuple(a.shape)} but {DOCUMENT_NAME} lists it as "
                                  f"{quoted(entry)}.")


def values_from(fields: dict) -> dict:
    """Every setting, checked by the experiment's own rules; nothing filled in silently."""
    from playground.experiment import Experiment, InvalidValue

    unknown = [k for k in fields if k not in FIELDS_BY_NAME]
    if unknown:
        raise FileFormatError(f"unknown setting {quoted(unknown[0])}.")
    missing = [f.name for f in FIELDS if f.name not in fields]
    if missing:
        raise FileFormatError(f"setting {quoted(missing[0])} is missing.")
    layers = fields["layers"]
    if isinstance(layers, list):
        for i, layer in enumerate(layers, start=1):
            if isinstance(layer, dict):
                names = LAYER_SETTINGS.get(layer.get("kind", "dense"), ())
                missing = [n for n in names if n not in layer]
                if missing:
                    raise FileFormatError(f"setting 'layers': layer {i} has no "
                                          f"{quoted(missing[0])}.")
    try:
        values = Experiment(fields).values()
    except InvalidValue as error:
        raise FileFormatError(f"setting {quoted(error.field)}: {one_line(error, 300)}") \
            from None
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise FileFormatError(f"the settings are not valid ({one_line(error, 300)}).") \
            from None
    fields = _without_default_training(fields)
    for f in FIELDS:
        if not _same(to_json(values[f.name]), fields[f.name]):
            raise FileFormatError(
                f"setting {f.name!r} = {quoted(fields[f.name])} does not fit the other "
                f"settings (the playground would change it to "
                f"{quoted(to_json(values[f.name]))}).")
    return values


def _without_default_training(fields: dict) -> dict:
    """The stored fields with a layer's ``frozen``/``lr_scale`` left out where a file states
    the default (saving leaves them out; stating them is no error)."""
    layers = fields.get("layers")
    if not isinstance(layers, list):
        return fields
    return {**fields, "layers": [
        {k: v for k, v in layer.items()
         if not (k in TRAINING_SETTINGS and _same(v, TRAINING_SETTINGS[k]))}
        if isinstance(layer, dict) else layer for layer in layers]}


def _same(a, b) -> bool:
    """JSON equality where 1 == 1.0 but True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b and type(a) in (int, float, str, type(None)) and type(b) in (
        int, float, str, type(None))


# ---- the lesson section ---------------------------------------------------------------------
#: The text of a lesson's explanation, in the order its panel shows it; ``show_me`` holds the
#: settings its "Show me" step applies (may be empty). A file without the section is a plain
#: experiment (every file before lessons existed opens unchanged).
LESSON_TEXT_KEYS = ("name", "title", "concept", "look_at", "formula", "try_next")
LESSON_KEYS = LESSON_TEXT_KEYS + ("show_me",)
MAX_LESSON_TEXT = 4000


def lesson_to_json(lesson: Mapping, values: Mapping) -> dict:
    """The ``lesson`` section for saving; ValueError saying what is wrong before anything is
    written (a key missing or unknown, text too long, a Show me setting the experiment
    refuses)."""
    try:
        return lesson_from(to_json(dict(lesson)), values)
    except FileFormatError as error:
        raise ValueError(f"cannot save the lesson: {error.problem}") from None


def lesson_from(section, values: Mapping) -> dict:
    section = json_object(section, "lesson")
    for key in section:
        if key not in LESSON_KEYS:
            raise FileFormatError(f"lesson has an unknown entry {quoted(key)}.")
    for key in LESSON_KEYS:
        if key not in section:
            raise FileFormatError(f"lesson has no {key!r}.")
    for key in LESSON_TEXT_KEYS:
        text = section[key]
        if not isinstance(text, str):
            raise FileFormatError(f"lesson {key!r} must be text, not {json_type(text)}.")
        if len(text) > MAX_LESSON_TEXT:
            raise FileFormatError(f"lesson {key!r} is {len(text)} characters long; at most "
                                  f"{MAX_LESSON_TEXT} are allowed.")
    if not section["title"].strip():
        raise FileFormatError("lesson 'title' is empty.")
    show_me = json_object(section["show_me"], "lesson 'show_me'")
    if show_me:
        from playground.experiment import Experiment, InvalidValue
        try:
            Experiment(values).update(show_me)
        except InvalidValue as error:
            raise FileFormatError(f"lesson 'show_me': setting {quoted(error.field)}: "
                                  f"{one_line(error, 300)}") from None
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise FileFormatError(f"lesson 'show_me' is not valid ({one_line(error, 300)}).") \
                from None
    return {**{key: section[key] for key in LESSON_TEXT_KEYS}, "show_me": dict(show_me)}


def history_header(header) -> tuple[int, tuple]:
    """(rows, the columns stored): any declared columns (``history.DECLARED``), step and epoch
    among them; a column declared later than the file is simply absent."""
    header = json_object(header, "history")
    columns = header.get("columns")
    declared = history_module.DECLARED
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise FileFormatError(f"history 'columns' must be a list of names, not "
                              f"{quoted(columns)}.")
    unknown = [c for c in columns if c not in declared]
    if unknown:
        raise FileFormatError(f"history column {quoted(unknown[0])} is unknown (this version "
                              f"knows {', '.join(declared)}).")
    if len(set(columns)) != len(columns):
        raise FileFormatError("history lists a column twice.")
    missing = [c for c in history_module.REQUIRED if c not in columns]
    if missing:
        raise FileFormatError(f"history has no {missing[0]!r} column.")
    rows = header.get("rows")
    if not is_whole_number(rows) or not 0 <= rows <= MAX_HISTORY_ROWS:
        raise FileFormatError(f"history 'rows' must be a whole number from 0 to "
                              f"{MAX_HISTORY_ROWS}, not {quoted(rows)}.")
    return rows, tuple(columns)


def history_from(arrays: dict, rows: int, columns: tuple, trainer: dict | None) -> dict:
    """Every declared column: the stored ones checked, the others NaN."""
    history = {c: (checked_array(arrays, HISTORY_PREFIX + c, (rows,), finite=False)
                   if c in columns else np.full(rows, np.nan))
               for c in history_module.COLUMNS}
    last_step = 0 if trainer is None else int(trainer["state"][K.STEP])
    last_epoch = 0 if trainer is None else int(trainer["state"][K.EPOCH])
    for name, last in (("step", last_step), ("epoch", last_epoch)):
        c = history[name]
        if not np.isfinite(c).all() or (c < 0).any() or (c != np.floor(c)).any():
            raise FileFormatError(f"history {name!r} must hold whole numbers >= 0.")
        if rows and (np.diff(c) < 0).any():
            raise FileFormatError(f"history {name!r} must never decrease.")
        if rows and c[-1] > last:
            raise FileFormatError(f"history goes to {name} {int(c[-1])}, past the network's "
                                  f"{name} {last}.")
    return history


def check_consistency(values: dict, trainer: dict | None) -> None:
    """Build the data and a trainer from the settings and load the state into it: the weights
    must fit the architecture and the counters the data."""
    if trainer is None:
        return
    from engine.trainer import Trainer
    from playground import pipeline

    if trainer["seed"] != values["seed"]:
        raise FileFormatError(f"the network was built with seed {trainer['seed']} but the "
                              f"settings say seed {values['seed']}.")
    try:
        data = pipeline.prepare(values, boundary_resolution=2, map_resolution=2)
    except ValueError as error:
        raise FileFormatError(f"the data cannot be made from these settings "
                              f"({one_line(error, 300)}).") \
            from None
    n_outputs = data.n_classes if data.task == "multiclass" else 1
    spec = pipeline.network_spec(values, data.n_inputs, n_outputs)
    n = len(trainer["params"])
    if n != spec.n_params:
        raise FileFormatError(f"the weights hold {n} numbers but the network the settings "
                              f"describe has {spec.n_params}.")
    second = "second_order_state" in trainer
    from playground import catalog
    if second != catalog.is_second_order(values["optimizer"]):
        raise FileFormatError(f"the optimizer state does not belong to optimizer "
                              f"{quoted(values['optimizer'])}.")
    if trainer["state"][K.POS] >= len(data.X_train):
        raise FileFormatError(f"the batch position {trainer['state'][K.POS]} is past the "
                              f"{len(data.X_train)} training points.")
    try:
        t = Trainer(spec, pipeline.train_config(values), data.X_train, data.Y_train,
                    seed=values["seed"])
        t.load_state_dict(trainer)
    except (ValueError, KeyError, TypeError) as error:
        raise FileFormatError(f"the saved network does not fit its settings "
                              f"({one_line(error, 300)}).") \
            from None
