"""The data pipeline: generate -> split -> features -> standardize, and the grids the views draw.

Grid points (for the decision boundary and the neuron maps) go through the same features and the
same standardizer as the training data, so the network sees them exactly as it saw the data.
"""
from dataclasses import dataclass

import numpy as np

from engine.datasets import DATASETS, data_range
from engine.datasets import generate as generate_dataset
from engine.datasets import train_test_split
from engine.features import make_features
from engine.layers import BatchNorm
from engine.network import LayerSpec, NetworkSpec
from engine.normalization import Standardizer
from engine.trainer import TrainConfig
from playground import catalog

BOUNDARY_RESOLUTION = 256
MAP_RESOLUTION = 48


@dataclass(frozen=True)
class PreparedData:
    """Everything the trainer and the views need from one data setting.

    points_train, points_test : (n, 2) raw 2-D points, for drawing
    labels_train, labels_test : (n,) class index (float) or regression target
    X_train, X_test           : (n, n_features) featurised and standardized network inputs
    Y_train, Y_test           : (n, n_outputs) targets as the loss wants them (one-hot, 0/1, value)
    extent                    : (x_min, x_max, y_min, y_max) of the square drawn region
    boundary_inputs           : (R*R, n_features) network inputs at the boundary grid, row-major
                                from (x_min, y_min); R = BOUNDARY_RESOLUTION
    map_inputs                : (M*M, n_features) the same at the neuron-map grid
    feature_maps              : (n_features, M, M) each input feature's value on the map grid
    modality                  : "points" (2-D points, everything above) or "images"
                                (``playground.image_pipeline``: X is each image flattened,
                                (n, C*H*W); no points, no grids: supports_boundary is False)
    input_shape               : (C, H, W) of an image, None for points
    class_names               : one name per class (images), () for points
    images_train, images_test : float32 (n, C, H, W) images for drawing, None for points
    """
    task: str
    n_classes: int
    features: tuple
    points_train: np.ndarray
    labels_train: np.ndarray
    points_test: np.ndarray
    labels_test: np.ndarray
    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    extent: tuple
    boundary_inputs: np.ndarray
    map_inputs: np.ndarray
    feature_maps: np.ndarray
    target_range: tuple
    modality: str = "points"
    input_shape: tuple | None = None
    class_names: tuple = ()
    images_train: np.ndarray | None = None
    images_test: np.ndarray | None = None

    @property
    def n_train(self) -> int:
        return len(self.X_train)

    @property
    def n_inputs(self) -> int:
        """Network inputs per example: the features for points, C*H*W for images."""
        return int(self.X_train.shape[1])

    @property
    def supports_boundary(self) -> bool:
        """True when the decision boundary and the neuron maps can be drawn (2-D points)."""
        return self.modality == "points"


def prepare(values: dict, boundary_resolution: int = BOUNDARY_RESOLUTION,
            map_resolution: int = MAP_RESOLUTION) -> PreparedData:
    """Run the data pipeline for the experiment field values ``values`` (an image data set:
    ``image_pipeline.prepare``; the grids' resolutions do not apply)."""
    if catalog.is_image_dataset(values["dataset"]):
        from playground import image_pipeline
        return image_pipeline.prepare(values)
    dataset = make_dataset(values)
    train, test = train_test_split(dataset, values["train_ratio"], seed=values["data_seed"])
    names = tuple(values["features"])
    standardizer = (Standardizer().fit(make_features(train.points, names))
                    if values["normalize"] else Standardizer.identity(len(names)))

    def inputs(points):
        return np.ascontiguousarray(standardizer.transform(make_features(points, names)))

    (x0, x1), (y0, y1) = data_range(dataset.points)
    extent = (x0, x1, y0, y1)
    map_inputs = inputs(grid_points(extent, map_resolution))
    targets = dataset.targets.astype(np.float64)
    return PreparedData(
        task=dataset.task, n_classes=dataset.n_classes, features=names,
        points_train=train.points, labels_train=train.targets.astype(np.float64),
        points_test=test.points, labels_test=test.targets.astype(np.float64),
        X_train=inputs(train.points), Y_train=train.target_matrix(),
        X_test=inputs(test.points), Y_test=test.target_matrix(),
        extent=extent, boundary_inputs=inputs(grid_points(extent, boundary_resolution)),
        map_inputs=map_inputs,
        feature_maps=np.ascontiguousarray(
            map_inputs.T.reshape(len(names), map_resolution, map_resolution), dtype=np.float32),
        target_range=(float(targets.min()), float(targets.max()))
        if dataset.task == "regression" else (0.0, 1.0),
    )


def make_dataset(values: dict):
    """The engine Dataset for the data fields (n_classes only for the K-class sets)."""
    name = values["dataset"]
    k = values["n_classes"] if DATASETS[name].takes_n_classes else None
    return generate_dataset(name, values["n_points"], values["noise"], values["data_seed"], k)


def grid_points(extent: tuple, resolution: int) -> np.ndarray:
    """(R*R, 2) cell centres, row-major: row i is y, column j is x, from the minimum corner."""
    x0, x1, y0, y1 = extent
    dx, dy = (x1 - x0) / resolution, (y1 - y0) / resolution
    xs = x0 + dx * (np.arange(resolution) + 0.5)
    ys = y0 + dy * (np.arange(resolution) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def network_spec(values: dict, n_inputs: int, n_outputs: int) -> NetworkSpec:
    """The engine's NetworkSpec for the experiment's architecture fields: each layer's
    initializer takes the experiment's init_scale when it is a small-random one, leaky ReLU
    layers the experiment's leaky_slope, the output layer its own initializer; a batch-norm
    layer after a dense one is an engine BatchNorm (``point_layer_spec``). An image data
    set's network is ``image_pipeline.network_spec`` (its layers on the images' shape)."""
    if catalog.is_image_dataset(values["dataset"]):
        from playground import image_pipeline
        spec = image_pipeline.network_spec(values)
        if (spec.n_inputs, spec.n_outputs) != (n_inputs, n_outputs):
            raise ValueError(f"the images give {spec.n_inputs} inputs and {spec.n_outputs} "
                             f"classes, not {n_inputs} and {n_outputs}")
        return spec
    scale = values["init_scale"]
    hidden = tuple(point_layer_spec(l, values) for l in values["layers"])
    return NetworkSpec(n_inputs=n_inputs, hidden=hidden, n_outputs=n_outputs,
                       output_activation=values["output_activation"], loss=values["loss"],
                       output_init=values["output_init"],
                       output_init_params=catalog.initializer_params(values["output_init"],
                                                                     scale))


def point_layer_spec(layer, values: dict):
    """The engine layer of one hidden layer of a point network: a dense layer (``LayerSpec``,
    its activation applied: a = f(W^T x + b)) or the batch norm after one
    (``engine.layers.BatchNorm`` with the layer's momentum and no activation of its own: it
    normalizes the dense layer's activations a, y = gamma (a - mean) / sqrt(var + eps) + beta).
    Each experiment layer is one engine layer, so ``values["layers"][i]`` is
    ``spec.hidden[i]``."""
    if layer.kind == "batchnorm":
        return BatchNorm(momentum=float(layer.momentum))
    if layer.kind != "dense":
        raise ValueError(f"a {layer.kind} layer needs an image data set")
    return LayerSpec(units=layer.units, activation=layer.activation, dropout=layer.dropout,
                     init=layer.init,
                     init_params=catalog.initializer_params(layer.init, values["init_scale"]),
                     activation_param=catalog.activation_params(layer.activation,
                                                                values["leaky_slope"]))


def train_config(values: dict) -> TrainConfig:
    """The engine's TrainConfig for the experiment's live training fields, with each layer's
    learning-rate factor (0 for a frozen layer; the output layer trains at the base rate) and
    the augmentation of an image set's training images, in the experiment's precision."""
    return TrainConfig(optimizer=values["optimizer"],
                       optimizer_params=dict(values["optimizer_params"]),
                       learning_rate=values["learning_rate"], schedule=values["schedule"],
                       schedule_params=dict(values["schedule_params"]),
                       batch_size=values["batch_size"], l1=values["l1"], l2=values["l2"],
                       clip_norm=values["clip_norm"], weight_decay=values["weight_decay"],
                       max_norm=values["max_norm"], layer_scales=layer_scales(values),
                       augmentation=dict(values.get("augmentation") or {})
                       if catalog.is_image_dataset(values["dataset"]) else {},
                       precision=values.get("precision", "float64"))


def layer_scales(values: dict) -> tuple:
    """Each layer's learning-rate factor, the output layer last (a frozen layer: 0), or ()
    when every layer trains at the base rate. Experiment layer i is the network's layer i."""
    layers = values["layers"]
    if all(not l.frozen and l.lr_scale == 1.0 for l in layers):
        return ()
    return tuple(0.0 if l.frozen else float(l.lr_scale) for l in layers) + (1.0,)


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    return max(1, -(-n_train // batch_size))


def preview(dataset: str, n_classes: int = 3, n_points: int = 160) -> tuple:
    """(points (n, 2), labels (n,), task) of a small noiseless sample, for thumbnails."""
    ds = make_dataset({"dataset": dataset, "n_points": n_points, "noise": 0.0, "data_seed": 0,
                       "n_classes": n_classes})
    return ds.points, ds.targets.astype(np.float64), ds.task
