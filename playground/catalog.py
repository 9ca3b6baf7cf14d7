"""What the engine offers, in the words the application needs: names, labels, hyperparameters.

Every choice list the experiment validates against and the panels offer comes from the engine's
registries through here, so that views never import the engine.
"""
from dataclasses import dataclass

import numpy as np

from engine.activations import ACTIVATION_LABELS, ACTIVATIONS
from engine.datasets import DATASETS
from engine.features import FEATURES
from engine.initializers import INITIALIZER_PARAMS, INITIALIZERS
from engine.network import LOSS_LABELS as ENGINE_LOSS_LABELS
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES
from engine.second_order import SECOND_ORDER
from playground.image_data import SHAPES_DEFAULTS as _SHAPES_DEFAULTS

TASKS = ("binary", "multiclass", "regression")

#: (output activation, loss) pairs that train on each task, the task's default first.
COMPATIBLE_HEADS = {
    "binary": (("sigmoid", "bce"), ("sigmoid", "mse"), ("tanh", "mse"), ("linear", "mse")),
    "multiclass": (("softmax", "softmax_ce"),),
    "regression": (("linear", "mse"), ("tanh", "mse")),
}
OUTPUT_ACTIVATION_LABELS = {"sigmoid": "Sigmoid", "softmax": "Softmax", "tanh": "Tanh",
                            "linear": "Linear"}
#: The engine's names of the losses ("Binary cross-entropy", "Softmax cross-entropy"...): one
#: distinct label each, used by every menu and message.
LOSS_LABELS = dict(ENGINE_LOSS_LABELS)
TASK_LABELS = {"binary": "two classes", "multiclass": "several classes",
               "regression": "regression"}
INITIALIZER_LABELS = {"zeros": "Zeros", "constant": "Constant", "random_normal": "Small normal",
                      "random_uniform": "Small uniform", "glorot_uniform": "Glorot U",
                      "glorot_normal": "Glorot N", "he_uniform": "He U", "he_normal": "He N",
                      "lecun_normal": "LeCun N"}
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
                    "adagrad": "AdaGrad", "adadelta": "AdaDelta", "rmsprop": "RMSProp",
                    "adam": "Adam", "newton": "Newton (full batch)",
                    "lbfgs": "L-BFGS (full batch)", "cg": "Conjugate gradient (full batch)"}


def label(key: str) -> str:
    """Display label for a registry key: 'leaky_relu' -> 'Leaky ReLU', 'rmsprop' -> 'RMSProp'."""
    return (ACTIVATION_LABELS.get(key) or OPTIMIZER_LABELS.get(key) or LOSS_LABELS.get(key)
            or INITIALIZER_LABELS.get(key)
            or ENGINE_LOSS_LABELS.get(key) or key.replace("_", " ").capitalize())


def dataset_names() -> tuple[str, ...]:
    return tuple(DATASETS)


def feature_names() -> tuple[str, ...]:
    return tuple(FEATURES)


def activation_names() -> tuple[str, ...]:
    return tuple(ACTIVATIONS)


def initializer_names() -> tuple[str, ...]:
    return tuple(INITIALIZERS)


def initializer_doc(name: str) -> str:
    return INITIALIZERS[name].doc


def initializer_takes_scale(name: str) -> bool:
    """True for the small-random initializers, whose spread is the experiment's init_scale."""
    return "scale" in INITIALIZER_PARAMS.get(name, {})


def initializer_params(name: str, scale: float) -> dict:
    """The engine parameters of initializer ``name`` for an experiment's init_scale."""
    return {"scale": float(scale)} if initializer_takes_scale(name) else {}


def activation_params(name: str, leaky_slope: float) -> float | None:
    """The shape parameter of hidden activation ``name`` (None: the engine's default)."""
    return float(leaky_slope) if name == "leaky_relu" else None


def optimizer_names() -> tuple[str, ...]:
    """First-order optimizers, then the full-batch second-order methods."""
    return tuple(OPTIMIZERS) + tuple(SECOND_ORDER)


def recommended_learning_rate(name: str) -> float | None:
    """The learning rate optimizer ``name`` is usually run with (its engine declaration); None
    for the full-batch methods, which search for their own step length, and unknown names."""
    return float(OPTIMIZERS[name].recommended_lr) if name in OPTIMIZERS else None


def _optimizer_class(name: str):
    return OPTIMIZERS[name] if name in OPTIMIZERS else SECOND_ORDER[name]


def schedule_names() -> tuple[str, ...]:
    return tuple(SCHEDULES)


@dataclass(frozen=True)
class HyperInfo:
    """One hyperparameter of an optimizer or schedule, as a panel shows it."""
    name: str
    default: float
    low: float
    high: float
    doc: str
    kind: str = "float"            # "float", "int" or "bool"
    low_inclusive: bool = True
    high_inclusive: bool = True


def _hypers(cls) -> tuple[HyperInfo, ...]:
    """The hyperparameters a panel can edit (ones whose default is None stay at it)."""
    return tuple(HyperInfo(h.name, float(h.default), float(h.low), float(h.high), h.doc,
                           h.kind, h.low_inclusive, h.high_inclusive)
                 for h in cls.HYPERPARAMS if h.default is not None)


def optimizer_hyperparams(name: str) -> tuple[HyperInfo, ...]:
    return _hypers(_optimizer_class(name))


def schedule_hyperparams(name: str) -> tuple[HyperInfo, ...]:
    return _hypers(SCHEDULES[name])


def validate_optimizer(name: str, params: dict) -> None:
    """Raise ValueError (naming the parameter) when params do not fit optimizer name."""
    _optimizer_class(name)(**params)


def validate_schedule(name: str, params: dict) -> None:
    SCHEDULES[name](**params)


def schedule_preview(name: str, params: dict, lr0: float, steps: np.ndarray,
                     steps_per_epoch: int, start: tuple = (0, 0)) -> np.ndarray:
    """Learning rate at each of ``steps`` (int array) under schedule ``name`` started at
    ``start`` = (step, epoch) (playground.schedule_start)."""
    schedule = SCHEDULES[name](**params)
    return np.asarray(schedule.lr_at(np.asarray(steps, dtype=np.int64), int(steps_per_epoch),
                                     float(lr0), int(start[0]), int(start[1])), dtype=float)


#: Image data sets an experiment can learn (``playground.image_data``): name -> (input shape
#: (C, H, W), number of classes, label). "shapes" is drawn at its default size of 20 px;
#: "mnist" and "fashion_mnist" open only where their files are in the download cache.
IMAGE_DATASETS = {
    "digits": ((1, 8, 8), 10, "Handwritten digits (8x8)"),
    "shapes": ((1, _SHAPES_DEFAULTS["size"], _SHAPES_DEFAULTS["size"]),
               len(_SHAPES_DEFAULTS["classes"]), "Shapes (20x20)"),
    # only where the download cache holds them (playground.downloads; never fetched here)
    "mnist": ((1, 28, 28), 10, "MNIST digits (28x28)"),
    "fashion_mnist": ((1, 28, 28), 10, "Fashion-MNIST (28x28)"),
}


#: Image sets of a fixed size (the experiment's number of points follows it).
IMAGE_COUNTS = {"digits": 1797}
#: Image sets that may use more images than the number-of-points setting's usual limit: the
#: downloaded sets (up to their 60,000 training images).
IMAGE_MAX_POINTS = {"mnist": 60_000, "fashion_mnist": 60_000}


#: Image sets the user imported (``playground.image_data.register_imported``), by their data-set
#: name "imported:<fingerprint>": name -> (input shape, number of classes, label), as in
#: IMAGE_DATASETS. They are data sets an experiment can learn, but not among the built-in ones
#: (``image_dataset_names``).
IMPORTED_DATASETS: dict = {}


def register_imported_dataset(name: str, shape, n_classes: int, label: str, count: int) -> None:
    """Declare an imported set: its shape and classes for the network, its number of images
    for the experiment (which then takes all of them)."""
    IMPORTED_DATASETS[name] = (tuple(int(v) for v in shape), int(n_classes), str(label))
    IMAGE_COUNTS[name] = int(count)
    IMAGE_MAX_POINTS[name] = max(int(count), 20)


def _image_entry(name: str) -> tuple:
    return IMAGE_DATASETS[name] if name in IMAGE_DATASETS else IMPORTED_DATASETS[name]


def max_points(name: str, default: int) -> int:
    """The most images (or points) data set ``name`` takes: ``default`` (the setting's own
    limit) but for the sets of ``IMAGE_MAX_POINTS``."""
    return IMAGE_MAX_POINTS.get(name, default) if isinstance(name, str) else default


def image_dataset_names() -> tuple[str, ...]:
    return tuple(IMAGE_DATASETS)


def all_dataset_names() -> tuple[str, ...]:
    """The 2-D point sets, then the image sets, then the imported ones: every value the
    data-set setting takes."""
    return dataset_names() + image_dataset_names() + tuple(IMPORTED_DATASETS)


def is_image_dataset(name) -> bool:
    return name in IMAGE_DATASETS or name in IMPORTED_DATASETS


def image_input_shape(name: str) -> tuple:
    """(channels, height, width) of image data set ``name``."""
    return _image_entry(name)[0]


def image_class_count(name: str) -> int:
    return _image_entry(name)[1]


def dataset_task(name: str) -> str:
    """'binary', 'multiclass' or 'regression' for dataset ``name`` (image sets: multiclass)."""
    return "multiclass" if is_image_dataset(name) else DATASETS[name].task


def dataset_takes_classes(name: str) -> bool:
    """True when dataset ``name`` takes a number of classes (the K-class sets)."""
    return False if is_image_dataset(name) else DATASETS[name].takes_n_classes


def is_second_order(optimizer: str) -> bool:
    """Full-batch methods: one step is one pass over all the training data."""
    return optimizer in SECOND_ORDER


def feature_label(name: str) -> str:
    """How a feature is written on screen: 'x1^2' -> 'X₁²'."""
    return FEATURES[name].label if name in FEATURES else name


_SHORT_DATASET_LABELS = {"xor": "XOR", "gauss": "Gauss", "moons": "Moons",
                         "spiral_k": "K spirals", "blobs_k": "K blobs", "reg_plane": "Plane",
                         "reg_gauss": "Bumps"}


def dataset_label(name: str, short: bool = False) -> str:
    """The data set's name on screen; ``short`` for thumbnails."""
    if is_image_dataset(name):
        return _image_entry(name)[2]
    return _SHORT_DATASET_LABELS.get(name, DATASETS[name].label) if short \
        else DATASETS[name].label
