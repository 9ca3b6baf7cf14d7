"""Experiment files: one ZIP holding a JSON document and an NPZ archive of arrays.

An experiment file (``.nnp``) reopens exactly where it was left::

    spiral.nnp                  a ZIP archive
      experiment.json           format name and version, every setting of fields.FIELDS by name,
                                the training counters and a list of the arrays
      arrays.npz                numpy's NPZ: weights, optimizer state and history columns

``experiment.json`` (format version 4)::

    {"format": "nn-playground-experiment", "version": 2,
     "app": {"name": "NN Playground", "version": "0.1.0"}, "saved": "2026-01-31T12:00:00Z",
     "meta": {"title": "...", "description": "..."},
     "lesson": {"name": "...", "title": "...", "concept": "...", "look_at": "...",
                "formula": "...", "try_next": "...", "show_me": {setting: value}}
               (only in a lesson file: the explanation its panel shows; see
               ``file_sections.LESSON_KEYS``),
     "fields": {"dataset": "spiral", "layers": [{"units": 8, ...}], ...},
     "run": null  (a fresh network, built from the seed)
          | {"n_params": P, "seed": 1, "step": 1200, "epoch": 60, "position": 0,
             "optimizer_steps": 1200, "optimizer_iterations": 1200,
             "second_order": null | {"name": "lbfgs", "numbers": {...}}},
     "history": {"columns": ["step", "epoch", ...], "rows": 61},
     "arrays": {"params": {"dtype": "float64", "shape": [P]}, ...}}

``arrays.npz`` holds, when ``run`` is not null: ``params`` and ``initial_params`` float64 (P,),
``slots`` float64 (2, P) (first-order optimizers) or ``second_order.<key>`` arrays (Newton,
L-BFGS, CG), and ``buffers`` float64 (batch norm's running statistics) for a network with
batch norm; always ``history.<column>`` float64 (rows,) for every history column.

An experiment on the user's own images (data set "imported:<fingerprint>") also holds them, so
it opens where the original folder or IDX files are missing: an optional ``"imported"`` section
{"name", "title", "class_names", "image_shape", "n"} and the arrays ``imported.images`` (uint8
pixels or float64 values in [0, 1], (n, C, H, W)) and ``imported.labels`` int64 (n,)
(``playground.image_data.imported_section``).

This module holds the document: ``Document``, ``dumps``/``loads``, its header and the migrations;
the checks of each of its sections (settings, lesson, history, arrays, imported images, the run
against the settings) are ``playground.file_sections``, and the training run inside it (counters,
weights, optimizer state) is encoded and checked by ``playground.run_state``. The ZIP around it
is ``playground.container``: saving writes a temporary file in the same folder, flushes and
fsyncs it, then renames it over the target, so a crash leaves the old file whole; reading checks
sizes before it reads and never unpickles anything.

Loading checks everything (names, types, shapes, finiteness, the settings through the
experiment's own validation, and the counters against a trainer built from the settings) and
raises ``FileFormatError`` naming the problem; it returns plain data and changes nothing, so a bad
file never costs the experiment that is open.

Older format versions are brought up to date by the functions in ``MIGRATIONS``, one version
step each, before validation.
"""
from __future__ import annotations

import datetime
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine import kernels as K
from playground import comparison_file, container, disk, file_migrations, image_data, run_state
from playground import history as history_module
from playground.checks import is_whole_number
from playground.container import (  # noqa: F401  (the container's names stay importable here)
    ARRAYS_NAME,
    DOCUMENT_NAME,
    MAX_FILE_BYTES,
    FileFormatError,
    checked_array,
    json_object,
    json_type,
    one_line,
    quoted,
)
from playground.fields import FIELDS
from playground.file_sections import (
    HISTORY_PREFIX,
    check_consistency,
    check_manifest,
    history_from,
    history_header,
    imported_from,
    lesson_from,
    lesson_to_json,
    to_json,
    values_from,
)

FORMAT = "nn-playground-experiment"
VERSION = 5
EXTENSION = ".nnp"
APP_NAME = "NN Playground"
APP_VERSION = "0.1.0"


@dataclass
class Document:
    """Everything an experiment file holds, as plain data.

    values  : every field of ``fields.FIELDS`` by name (``layers`` as ``Layer`` objects)
    trainer : ``Trainer.state_dict()`` of the network, or None for a fresh network that is
              built from the seed (presets)
    history : {column: float64 (rows,)} for every column of ``history.COLUMNS``, or None (empty)
    meta    : free text kept with the file: ``title``, ``description``
    lesson  : the explanation of a lesson file ({key: text for
              ``file_sections.LESSON_TEXT_KEYS``, "show_me": {setting: JSON value}}), or None
              for a plain experiment
    comparison : a run comparison saved with the experiment (``playground.comparison_file``:
              steps/epochs and the variants with their settings, outcome and curves), or None
    """
    values: dict
    trainer: dict | None = None
    history: dict | None = None
    meta: dict = field(default_factory=dict)
    lesson: dict | None = None
    comparison: dict | None = None

    @property
    def step(self) -> int:
        return 0 if self.trainer is None else int(self.trainer["state"][K.STEP])

    @property
    def epoch(self) -> int:
        return 0 if self.trainer is None else int(self.trainer["state"][K.EPOCH])

    @property
    def title(self) -> str:
        return str(self.meta.get("title", ""))


# ---- migrations ---------------------------------------------------------------------------------
#: version -> function(document, arrays) -> (document, arrays) that turns a file of that version
#: into one of the next (``playground.file_migrations``, where a new one goes when VERSION goes
#: up).
MIGRATIONS = file_migrations.MIGRATIONS


def migrate(document: dict, arrays: dict) -> tuple[dict, dict]:
    """Bring a parsed file of any known older version up to ``VERSION``, one step at a time."""
    version = document["version"]
    while version < VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise FileFormatError(f"format version {version} is too old to be read by this "
                                  f"version of {APP_NAME} (it reads versions "
                                  f"{min(MIGRATIONS, default=VERSION)} to {VERSION}).")
        document, arrays = step(dict(document), dict(arrays))
        if document.get("version") != version + 1:
            raise RuntimeError(f"migration from version {version} did not produce "
                               f"version {version + 1}")
        version = document["version"]
    return document, arrays


#: The optional array of batch norm's running statistics (float64 (n_buffers,)), saved with
#: the run of a network that has batch norm; a run without it starts them afresh (means 0,
#: variances 1), as every file from before batch norm does.
BUFFERS = "buffers"


# ---- saving -------------------------------------------------------------------------------------
def dumps(doc: Document) -> bytes:
    """The bytes of an experiment file for ``doc``; raises ValueError if doc cannot be saved
    (non-finite weights, arrays of the wrong shape) before anything is written."""
    values = _checked_values_for_saving(doc.values)
    arrays: dict[str, np.ndarray] = {}
    run = None
    if doc.trainer is not None:
        run, run_arrays = run_state.encode(doc.trainer)
        arrays.update(run_arrays)
        if "buffers" in doc.trainer:        # batch norm's running statistics
            buffers = np.ascontiguousarray(doc.trainer["buffers"], dtype="<f8")
            if buffers.ndim != 1 or not np.isfinite(buffers).all():
                raise ValueError("cannot save batch-norm statistics that are NaN or infinite")
            arrays[BUFFERS] = buffers
    columns = history_module.COLUMNS
    hist = doc.history or {}
    rows = len(hist.get(columns[0], ())) if hist else 0
    for name in columns:
        column = np.ascontiguousarray(hist.get(name, np.zeros(0)), dtype="<f8")
        if column.shape != (rows,):
            raise ValueError(f"history column {quoted(name)} has shape {column.shape}, expected "
                             f"({rows},)")
        arrays[HISTORY_PREFIX + name] = column
    imported = None
    if image_data.is_imported(values["dataset"]):   # the user's images travel with the file
        imported, imported_arrays = image_data.imported_section(values["dataset"])
        arrays.update(imported_arrays)
    comparison = None
    if doc.comparison is not None:
        comparison, comparison_arrays = comparison_file.encode(doc.comparison)
        try:            # what a file holds is checked before it is written, as on opening
            comparison_file.decode(comparison, comparison_arrays, doc.values)
        except FileFormatError as error:
            raise ValueError(f"cannot save the comparison: {error.problem}") from None
        arrays.update(comparison_arrays)
    document = {
        "format": FORMAT, "version": VERSION,
        "app": {"name": APP_NAME, "version": APP_VERSION},
        "saved": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "meta": {str(k): str(v) for k, v in (doc.meta or {}).items()},
        **({} if doc.lesson is None else {"lesson": lesson_to_json(doc.lesson, doc.values)}),
        **({} if comparison is None else {"comparison": comparison}),
        **({} if imported is None else {"imported": imported}),
        "fields": values,
        "run": run,
        "history": {"columns": list(columns), "rows": rows},
        "arrays": {name: {"dtype": a.dtype.name, "shape": list(a.shape)}
                   for name, a in arrays.items()},
    }
    text = json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    return container.pack(text.encode("utf-8"), arrays)


def save(path: str | os.PathLike, doc: Document) -> Path:
    """Write ``doc`` to ``path`` atomically: a temporary file in the same folder, flushed and
    fsynced, then renamed over ``path``. Killed at any moment, ``path`` is either the old file
    or the new one, never a mix. Returns the path written."""
    return disk.write_atomically(path, dumps(doc))


def _checked_values_for_saving(values: Mapping) -> dict:
    missing = [f.name for f in FIELDS if f.name not in values]
    if missing:
        raise ValueError(f"cannot save: setting {quoted(missing[0])} has no value")
    return {f.name: to_json(values[f.name]) for f in FIELDS}


# ---- loading ------------------------------------------------------------------------------------
def load(path: str | os.PathLike) -> Document:
    """Read and check the experiment file at ``path``; raise FileFormatError saying what is
    wrong. Reading never changes anything outside the returned Document."""
    return loads(disk.read_file(path), path)


def loads(data: bytes, path: str | os.PathLike | None = None) -> Document:
    """Parse and check the bytes of an experiment file (see ``load``)."""
    try:
        return _loads(data)
    except FileFormatError as error:
        raise FileFormatError(error.problem, path) from None
    except (*container.ZIP_ERRORS, UnicodeDecodeError, RecursionError, MemoryError) as error:
        # the last net: each class is caught where it arises, with a better message
        raise FileFormatError(f"the file is damaged ({type(error).__name__}: "
                              f"{one_line(error, 200)}).", path) from None


def _loads(data: bytes) -> Document:
    with container.open_archive(data) as archive:
        infos = container.checked_members(archive, "the file", {DOCUMENT_NAME, ARRAYS_NAME})
        document = container.read_json(archive, infos[DOCUMENT_NAME])
        if not isinstance(document, dict):
            raise FileFormatError(f"{DOCUMENT_NAME} must hold a JSON object, not "
                                  f"{json_type(document)}.")
        version = _check_header(document)
        npz = container.read_member(archive, infos[ARRAYS_NAME], MAX_FILE_BYTES)
    arrays = container.read_npz(npz)
    if version < VERSION:
        document, arrays = migrate(document, arrays)
    return _document_from(document, arrays)


def _check_header(document: dict) -> int:
    fmt = document.get("format")
    if fmt != FORMAT:
        raise FileFormatError(f"this is not an NN Playground experiment (format "
                              f"{quoted(fmt)}, expected {quoted(FORMAT)}).")
    version = document.get("version")
    if not is_whole_number(version) or version < 1:
        raise FileFormatError(f"the format version must be a whole number from 1, not "
                              f"{quoted(version)}.")
    if version > VERSION:
        raise FileFormatError(f"the file was written by a newer version of {APP_NAME} (format "
                              f"version {version}; this version reads up to {VERSION}). Update "
                              f"{APP_NAME} to open it.")
    return version


# ---- checking the contents ----------------------------------------------------------------------
def _document_from(document: dict, arrays: dict) -> Document:
    for key in ("fields", "history", "arrays", "meta", "run"):
        if key not in document:
            raise FileFormatError(f"{DOCUMENT_NAME} has no {key!r} section.")
    known = {"format", "version", "app", "saved", "meta", "lesson", "comparison", "imported",
             "fields",
             "run", "history", "arrays"}
    unknown = sorted(set(document) - known)
    if unknown:
        raise FileFormatError(f"{DOCUMENT_NAME} has an unknown section "
                              f"{quoted(unknown[0])}.")
    meta = json_object(document["meta"], "meta")
    meta = {str(k): v for k, v in meta.items()}
    for key, value in meta.items():
        if not isinstance(value, str):
            raise FileFormatError(f"meta {quoted(key)} must be text, not {json_type(value)}.")
    check_manifest(json_object(document["arrays"], "arrays"), arrays)
    imported = imported_from(document, arrays)
    values = values_from(json_object(document["fields"], "fields"))
    if imported is not None and values["dataset"] != imported:
        raise FileFormatError(f"the file holds imported images ({quoted(imported)}) that are "
                              f"not its data set ({quoted(values['dataset'])}).")
    lesson = lesson_from(document["lesson"], values) if "lesson" in document else None
    rows, stored = history_header(document["history"])
    run = document["run"]
    if isinstance(run, dict) and "second_order" in run:
        from playground import catalog
        if (run["second_order"] is not None) != catalog.is_second_order(values["optimizer"]):
            raise FileFormatError(f"the optimizer state does not belong to optimizer "
                                  f"{quoted(values['optimizer'])}.")
    trainer = None if run is None else run_state.decode(json_object(run, "run"), arrays)
    if trainer is not None and BUFFERS in arrays:
        a = arrays[BUFFERS]
        trainer["buffers"] = checked_array(arrays, BUFFERS, (a.shape[0],) if a.ndim == 1
                                           else (-1,))
    history = history_from(arrays, rows, stored, trainer)
    check_consistency(values, trainer)
    comparison = (comparison_file.decode(document["comparison"], arrays, values)
                  if "comparison" in document else None)
    expected = {HISTORY_PREFIX + c for c in stored}
    expected |= set(image_data.IMPORTED_ARRAYS) if imported is not None else set()
    expected |= comparison_file.array_names(comparison)
    if trainer is not None:
        expected |= {"params", "initial_params"} | ({BUFFERS} if "buffers" in trainer else set())
        expected |= {run_state.STEP_OFFSET} if run_state.STEP_OFFSET in trainer else set()
        expected |= ({run_state.SECOND_ORDER_PREFIX + k
                      for k, v in trainer["second_order_state"].items()
                      if isinstance(v, np.ndarray)} if "second_order_state" in trainer
                     else {"slots"})
    extra = sorted(set(arrays) - expected)
    if extra:
        raise FileFormatError(f"{ARRAYS_NAME} holds an unexpected array "
                              f"{quoted(extra[0])}.")
    return Document(values, trainer, history, meta, lesson, comparison)


# ---- small helpers for callers --------------------------------------------------------------
def with_extension(path: str | os.PathLike) -> Path:
    """``path`` with ``.nnp`` added when it has no extension of ours."""
    path = Path(path)
    return path if path.suffix.lower() == EXTENSION else path.with_name(path.name + EXTENSION)


def summary(doc: Document) -> str:
    """One line about a document: data set, architecture, step."""
    v = doc.values
    layers = "-".join(str(layer.units) if layer.is_dense else layer.kind
                      for layer in v["layers"]) or "no hidden layer"
    return (f"{v['dataset']}, {layers}, {v['optimizer']} lr {v['learning_rate']:g}, "
            f"step {doc.step}, epoch {doc.epoch}")
