"""Exports for people who outgrow the playground: a standalone PyTorch script, the history as CSV.

``export_pytorch(document, folder, name)`` writes ``<name>.py`` and ``<name>.npz`` beside it. The
script needs only numpy and torch: it builds the same network, layer by layer (dense, conv with
same/valid padding and stride, max and average pooling, flatten, dropout, batch norm with its
momentum, eps and running statistics; activations, the output and its loss), loads the trained
weights, the input features and their scaling (2-D points) or the images, the training and test
data and the optimizer's state from the NPZ, and continues training with the same optimizer,
hyperparameters, learning-rate schedule, regularization, gradient clipping, frozen layers and
per-layer learning-rate factors, from the same step and epoch. It computes in the experiment's
precision (float64 or float32), as the playground does, so its predictions match the
playground's to rounding; training images are
augmented as the playground augments them. Only the batch order, dropout masks and augmentation
draws differ (PyTorch's random numbers are not the playground's).
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from engine import kernels as K
from playground import files, pipeline
from playground.export_template import IMAGES_USAGE, POINTS_USAGE, SCRIPT
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
    """Write ``<name>.py`` and ``<name>.npz`` into ``folder``; returns (script path, npz path).

    The NPZ holds, per layer i with parameters (the playground's layers in order, the output
    layer last), ``layer{i}.weight`` and ``layer{i}.bias`` in PyTorch's layout (a dense kernel
    transposed to (out, in); a conv kernel (O, C, k, k) as it is; batch norm's gamma and beta),
    ``layer{i}.running_mean`` / ``running_var`` for batch norm, the optimizer's slots as
    ``slot{k}.layer{i}.weight`` / ``bias``, and the data: X_train, Y_train, X_test, Y_test
    (images as (n, C, H, W)), with the input scaling and the 2-D points for point data."""
    if not name.isidentifier():
        raise ValueError(f"the export name must be a Python identifier (letters, digits, _), "
                         f"not {name!r}")
    folder = Path(folder)
    values = document.values
    data = pipeline.prepare(values, boundary_resolution=2, map_resolution=2)
    n_outputs = data.n_classes if data.task == "multiclass" else 1
    spec = pipeline.network_spec(values, data.n_inputs, n_outputs)
    trainable = None
    if document.trainer is not None:
        params = np.asarray(document.trainer["params"], np.float64)
        state = np.asarray(document.trainer["state"], np.int64)
        slots = document.trainer.get("slots")
        buffers = np.asarray(document.trainer.get("buffers", spec.initial_buffers()), np.float64)
        if "trainable" in document.trainer:
            trainable = np.asarray(document.trainer["trainable"], np.float64)
        schedule_start = (int(document.trainer.get("schedule_start", 0)),
                          int(document.trainer.get("schedule_start_epoch", 0)))
    else:
        from engine.trainer import initial_parameters
        params, state, slots = initial_parameters(spec, values["seed"]), np.zeros(K.N_STATE,
                                                                                  np.int64), None
        buffers = spec.initial_buffers()
        schedule_start = (0, 0)
    if spec.input_shape is not None:        # images: (n, C, H, W), no scaling, no points
        shape = spec.input_shape
        arrays = {"X_train": data.X_train.reshape(-1, *shape),
                  "X_test": data.X_test.reshape(-1, *shape)}
    else:
        mean, std = input_scaling(values)
        arrays = {"mean": mean, "std": std, "X_train": data.X_train, "X_test": data.X_test,
                  "points_train": data.points_train, "points_test": data.points_test}
    arrays.update(Y_train=data.Y_train, Y_test=data.Y_test)
    arrays.update(torch_arrays(spec, params, buffers))
    if slots is not None and np.any(slots):
        for k in range(2):
            arrays.update(torch_arrays(spec, np.asarray(slots[k], np.float64), prefix=f"slot{k}."))
    layers = layer_entries(spec, values["layers"], trainable)
    text = pytorch_script(values, spec, name, state, document.title, schedule_start, layers,
                          n_train=len(data.X_train))
    folder.mkdir(parents=True, exist_ok=True)
    npz = folder / f"{name}.npz"
    np.savez(npz, **arrays)
    script = folder / f"{name}.py"
    script.write_text(text, encoding="utf-8")
    return script, npz


def torch_arrays(spec, params: np.ndarray, buffers: np.ndarray | None = None,
                 prefix: str = "") -> dict:
    """{"<prefix>layer{i}.weight": array, ...}: the flat vector ``params`` (n_params,) (or
    anything laid out like it: optimizer slots) per layer in PyTorch's layout, and batch norm's
    running statistics from ``buffers`` (n_buffers,) when given."""
    out = {}
    for i, (layer, views) in enumerate(zip(spec.layers, spec.named_views(params))):
        if "kernel" in views:        # dense (n_in, n_out) -> torch (out, in); conv as it is
            kernel = views["kernel"]
            out[f"{prefix}layer{i}.weight"] = np.ascontiguousarray(
                kernel.T if layer.kind == "dense" else kernel)
            out[f"{prefix}layer{i}.bias"] = views["bias"].copy()
        elif "gamma" in views:
            out[f"{prefix}layer{i}.weight"] = views["gamma"].copy()
            out[f"{prefix}layer{i}.bias"] = views["beta"].copy()
    if buffers is not None:
        for i, views in enumerate(spec.buffer_views(np.asarray(buffers, np.float64))):
            for key, view in views.items():
                out[f"{prefix}layer{i}.{key}"] = view.copy()
    return out


def layer_entries(spec, layer_settings=(), trainable: np.ndarray | None = None) -> list:
    """One plain dict per layer (the output layer last) for the script's LAYERS: its kind and
    what PyTorch needs to build it (sizes, padding in pixels, pooling stride, batch norm's
    momentum and eps and whether it normalises maps or a vector), its activation and dropout,
    ``frozen`` (from ``trainable``, float64 (n_params,) 0 = frozen, or the layer's setting)
    and ``lr_scale`` (the layer's setting, 1 without one)."""
    entries = []
    shapes = spec.shapes()
    slices = spec.layer_slices()
    maps = spec.input_shape is not None      # the tensor is (n, C, H, W) until a flatten
    layer_settings = tuple(layer_settings)
    for i, (layer, shape) in enumerate(zip(spec.layers, shapes[:-1])):
        output = i == len(spec.hidden)
        kind = layer.kind
        e = {"kind": kind}
        if kind == "dense":
            e.update(n_in=int(np.prod(shape)), units=int(layer.units))
            if maps:               # a dense layer on 1x1 maps: flatten them first
                e["flatten_first"] = True
            maps = False
        elif kind == "conv2d":
            e.update(in_channels=int(shape[0]), filters=int(layer.filters),
                     kernel_size=int(layer.kernel_size), stride=int(layer.stride),
                     padding=int(layer.pad))
        elif kind in ("maxpool2d", "avgpool2d"):
            e.update(size=int(layer.size), stride=int(layer.step))
        elif kind == "flatten":
            maps = False
        elif kind == "dropout":
            e["rate"] = float(layer.rate)
        elif kind == "batchnorm":
            e.update(channels=int(shape[0]), maps=maps, momentum=float(layer.momentum),
                     eps=float(layer.eps))
        if kind in ("dense", "conv2d", "batchnorm"):
            e["activation"] = "linear" if output else layer.activation
            e["param"] = 0.0 if output else float(layer.param)
        if kind in ("dense", "conv2d") and not output:
            e["dropout"] = float(layer.dropout)
        setting = layer_settings[i] if not output and i < len(layer_settings) else None
        start, stop = slices[i]
        frozen_mask = trainable is not None and stop > start and not trainable[start:stop].any()
        if stop > start:
            e["frozen"] = bool(frozen_mask or getattr(setting, "frozen", False))
            e["lr_scale"] = float(getattr(setting, "lr_scale", 1.0))
        entries.append(e)
    return entries


def augmentation_strengths(values: dict) -> dict:
    """{strength name: value} of the experiment's augmentation (``engine.augment.TRANSFORMS``),
    0 for a transform that is off; all 0 for points or without augmentation."""
    from engine.augment import TRANSFORMS, Augmentation
    settings = values.get("augmentation") or {}
    vector = Augmentation(**settings).vector()
    return {strength: float(v) for strength, v in zip(TRANSFORMS.values(), vector)}


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


def _layers_text(layers: list) -> str:
    return "LAYERS = [  # one per playground layer, the output layer last\n" + "".join(
        f"    {entry!r},\n" for entry in layers) + "]"


def pytorch_script(values: dict, spec, name: str, state: np.ndarray, title: str = "",
                   schedule_start: tuple = (0, 0), layers: list | None = None,
                   n_train: int | None = None) -> str:
    """The text of the standalone script (see the module docstring). ``schedule_start``:
    the (step, epoch) at which the run's schedule started (playground.schedule_start);
    ``layers``: ``layer_entries`` (default: from ``spec`` and the experiment's layers);
    ``n_train``: training examples (default: from the data pipeline)."""
    from playground import catalog
    opt_params = dict(catalog_defaults(values["optimizer"], catalog.optimizer_hyperparams))
    opt_params.update(values["optimizer_params"])
    sched_params = dict(catalog_defaults(values["schedule"], catalog.schedule_hyperparams))
    sched_params.update(values["schedule_params"])
    if n_train is None:
        n_train = len(pipeline.prepare(values, 2, 2).X_train)
    if layers is None:
        layers = layer_entries(spec, values["layers"])
    images = spec.input_shape is not None
    heading = title or f"{values['dataset']} network"
    settings = "\n".join([
        f"FEATURES = {[] if images else list(values['features'])!r}",
        f"INPUT_SHAPE = {list(spec.input_shape) if images else None!r}  # (C, H, W) of an image",
        _layers_text(layers),
        f"N_INPUTS = {spec.n_inputs}",
        f"N_OUTPUTS = {spec.n_outputs}",
        f"OUTPUT_ACTIVATION = {spec.output_activation!r}",
        f"PRECISION = {_precision(values)!r}  # the number type of the weights and the data",
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
        f"AUGMENTATION = {augmentation_strengths(values)!r}  # of training images (0: off)",
        f"START_STEP = {int(state[K.STEP])}  # updates done in the playground",
        f"START_EPOCH = {int(state[K.EPOCH])}",
        f"SCHEDULE_START = {int(schedule_start[0])}  # the schedule counts from this update",
        f"SCHEDULE_START_EPOCH = {int(schedule_start[1])}",
        f"OPTIMIZER_STEPS = {int(state[K.OPT_T])}  # the optimizer's own update count",
    ])
    usage = IMAGES_USAGE if images else POINTS_USAGE
    return (SCRIPT.replace("@USAGE@", usage).replace("@TITLE@", heading)
            .replace("@NAME@", name).replace("@SETTINGS@", settings))


def _precision(values: dict) -> str:
    """The number type the run trains in: the experiment's precision, float64 for a
    second-order method (as engine.trainer.TrainConfig.dtype says)."""
    from engine.trainer import TrainConfig
    config = TrainConfig(optimizer=values["optimizer"],
                         precision=values.get("precision", "float64"))
    return config.dtype.__name__


def catalog_defaults(kind: str, hyperparams) -> dict:
    return {h.name: (bool(h.default) if h.kind == "bool" else
                     int(h.default) if h.kind == "int" else float(h.default))
            for h in hyperparams(kind)}


def _plain(d: dict) -> dict:
    return {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in d.items()}

