"""Exports for people who outgrow the playground: a standalone PyTorch script, the history as CSV.

``export_pytorch(document, folder, name)`` writes ``<name>.py`` and ``<name>.npz`` beside it. The
script needs only numpy and torch: it builds the same network (layer sizes, activations,
dropout, output), loads the trained weights, the input features and their scaling, the training
and test data and the optimizer's state from the NPZ, and continues training with the same
optimizer, hyperparameters, learning-rate schedule, regularization and gradient clipping, from
the same step and epoch. It computes in float64, as the playground does, so its predictions
match the playground's to rounding. Only the batch order and dropout masks differ (PyTorch's
random numbers are not the playground's).
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from engine import kernels as K
from engine.activations import ACTIVATION_PARAM_DEFAULT
from playground import files, pipeline
from playground.export_template import SCRIPT
from playground.history import COLUMNS, DECLARED


def write_history_csv(path: str | Path, history: dict) -> Path:
    """The history as CSV, one row per recorded frame; empty cells where a value does not
    exist (accuracy of a regression, test loss without test data). Returns the path."""
    path = Path(path)
    n = len(history.get("step", ()))
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        cols = [np.asarray(history.get(c, np.full(n, np.nan)), np.float64) for c in COLUMNS]
        for i in range(n):
            out.writerow([_cell(c, col[i]) for c, col in zip(COLUMNS, cols)])
    return path


def _cell(column: str, v: float) -> str:
    if not math.isfinite(v):
        return "" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return str(int(v)) if DECLARED[column].integer else repr(float(v))


def read_history_csv(path: str | Path) -> dict:
    """{column: float64 (n,)} from a file written by ``write_history_csv`` (empty -> NaN)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return {name: np.array([float(r[i]) if r[i] else np.nan for r in body], np.float64)
            for i, name in enumerate(header)}


# ---- PyTorch -----------------------------------------------------------------------------------
def export_pytorch(document: files.Document, folder: str | Path, name: str = "model") -> tuple:
    """Write ``<name>.py`` and ``<name>.npz`` into ``folder``; returns (script path, npz path)."""
    if not name.isidentifier():
        raise ValueError(f"the export name must be a Python identifier (letters, digits, _), "
                         f"not {name!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    values = document.values
    data = pipeline.prepare(values, boundary_resolution=2, map_resolution=2)
    n_outputs = data.n_classes if data.task == "multiclass" else 1
    spec = pipeline.network_spec(values, len(data.features), n_outputs)
    mean, std = input_scaling(values)
    if document.trainer is not None:
        params = np.asarray(document.trainer["params"], np.float64)
        state = np.asarray(document.trainer["state"], np.int64)
        slots = document.trainer.get("slots")
        schedule_start = (int(document.trainer.get("schedule_start", 0)),
                          int(document.trainer.get("schedule_start_epoch", 0)))
    else:
        from engine.trainer import initial_parameters
        params, state, slots = initial_parameters(spec, values["seed"]), np.zeros(K.N_STATE,
                                                                                  np.int64), None
        schedule_start = (0, 0)
    arrays = {"mean": mean, "std": std,
              "X_train": data.X_train, "Y_train": data.Y_train,
              "X_test": data.X_test, "Y_test": data.Y_test,
              "points_train": data.points_train, "points_test": data.points_test}
    for i, (W, b) in enumerate(spec.views(params)):
        arrays[f"layer{i}.weight"] = np.ascontiguousarray(W.T)   # torch keeps (out, in)
        arrays[f"layer{i}.bias"] = b.copy()
    if slots is not None and np.any(slots):
        for k in range(2):
            for i, (W, b) in enumerate(spec.views(np.asarray(slots[k], np.float64))):
                arrays[f"slot{k}.layer{i}.weight"] = np.ascontiguousarray(W.T)
                arrays[f"slot{k}.layer{i}.bias"] = b.copy()
    npz = folder / f"{name}.npz"
    np.savez(npz, **arrays)
    script = folder / f"{name}.py"
    script.write_text(pytorch_script(values, spec, name, state, document.title,
                                     schedule_start), encoding="utf-8")
    return script, npz


def input_scaling(values: dict) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) float64 (n_features,) the pipeline standardizes the inputs with."""
    from engine.datasets import train_test_split
    from engine.features import make_features
    from engine.normalization import Standardizer
    names = tuple(values["features"])
    if not values["normalize"]:
        return np.zeros(len(names)), np.ones(len(names))
    train, _ = train_test_split(pipeline.make_dataset(values), values["train_ratio"],
                                seed=values["data_seed"])
    s = Standardizer().fit(make_features(train.points, names))
    return np.asarray(s.mean, np.float64), np.asarray(s.std, np.float64)


def _hidden(spec) -> list:
    return [(h.units, h.activation, float(h.dropout),
             float(ACTIVATION_PARAM_DEFAULT.get(h.activation, 0.0)
                   if h.activation_param is None else h.activation_param))
            for h in spec.hidden]


def pytorch_script(values: dict, spec, name: str, state: np.ndarray, title: str = "",
                   schedule_start: tuple = (0, 0)) -> str:
    """The text of the standalone script (see the module docstring). ``schedule_start``:
    the (step, epoch) at which the run's schedule started (playground.schedule_start)."""
    from playground import catalog
    opt_params = dict(catalog_defaults(values["optimizer"], catalog.optimizer_hyperparams))
    opt_params.update(values["optimizer_params"])
    sched_params = dict(catalog_defaults(values["schedule"], catalog.schedule_hyperparams))
    sched_params.update(values["schedule_params"])
    n_train = len(pipeline.prepare(values, 2, 2).X_train)
    heading = title or f"{values['dataset']} network"
    settings = "\n".join([
        f"FEATURES = {list(values['features'])!r}",
        f"HIDDEN = {_hidden(spec)!r}  # (units, activation, dropout, activation parameter)",
        f"N_INPUTS = {spec.n_inputs}",
        f"N_OUTPUTS = {spec.n_outputs}",
        f"OUTPUT_ACTIVATION = {spec.output_activation!r}",
        f"LOSS = {spec.loss!r}",
        f"OPTIMIZER = {values['optimizer']!r}",
        f"OPTIMIZER_PARAMS = {_plain(opt_params)!r}",
        f"LEARNING_RATE = {values['learning_rate']!r}",
        f"SCHEDULE = {values['schedule']!r}",
        f"SCHEDULE_PARAMS = {_plain(sched_params)!r}",
        f"BATCH_SIZE = {min(values['batch_size'], n_train)!r}",
        f"L1 = {values['l1']!r}",
        f"L2 = {values['l2']!r}",
        f"CLIP_NORM = {values['clip_norm']!r}",
        f"WEIGHT_DECAY = {values['weight_decay']!r}  # decoupled, on every parameter (AdamW's)",
        f"MAX_NORM = {values['max_norm']!r}  # cap on each neuron's incoming weight norm (0: off)",
        f"START_STEP = {int(state[K.STEP])}  # updates done in the playground",
        f"START_EPOCH = {int(state[K.EPOCH])}",
        f"SCHEDULE_START = {int(schedule_start[0])}  # the schedule counts from this update",
        f"SCHEDULE_START_EPOCH = {int(schedule_start[1])}",
        f"OPTIMIZER_STEPS = {int(state[K.OPT_T])}  # the optimizer's own update count",
    ])
    return (SCRIPT.replace("@TITLE@", heading).replace("@NAME@", name)
            .replace("@SETTINGS@", settings))


def catalog_defaults(kind: str, hyperparams) -> dict:
    return {h.name: (bool(h.default) if h.kind == "bool" else
                     int(h.default) if h.kind == "int" else float(h.default))
            for h in hyperparams(kind)}


def _plain(d: dict) -> dict:
    return {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in d.items()}

