"""The one declared table of every experiment field: its type, default, valid range and effect.

An experiment is the values of these fields. Files store them by name, panels offer them, and
``Experiment.set`` validates against them. ``effect`` says what a change does to a training run:

- ``"live"``: applied to the running trainer between compiled calls, weights kept;
- ``"network"``: rebuilds the network (new weights from the seed), keeps the data;
- ``"data"``: regenerates or re-featurises the data, then rebuilds the network;
- ``"control"``: how the run is driven (speed, stop conditions); the network is untouched;
- ``"view"``: how the views draw; training is untouched.
"""
from dataclasses import dataclass, replace
from typing import Callable

from engine.precision import PRECISIONS
from playground import catalog

MAX_LAYERS = 16
MAX_UNITS = 256
MAX_STEPS_PER_FRAME = 10_000


#: The layer kinds an experiment can hold, with the settings a layer of each kind keeps (what
#: a file stores for it). Dense layers are stored as before image layers existed (no "kind"
#: key), so every older file opens unchanged; the other kinds store "kind" first.
LAYER_SETTINGS = {
    "dense": ("units", "activation", "init", "dropout"),
    "conv2d": ("filters", "kernel_size", "stride", "padding", "activation", "init", "dropout"),
    "maxpool2d": ("size",),
    "avgpool2d": ("size",),
    "flatten": (),
    "batchnorm": ("momentum",),
}
LAYER_KIND_LABELS = {"dense": "dense", "conv2d": "conv", "maxpool2d": "max-pool",
                     "avgpool2d": "average-pool", "flatten": "flatten",
                     "batchnorm": "batch-norm"}
PADDINGS = ("same", "valid")
#: The kinds whose layers hold trainable parameters: only these can be frozen or given their
#: own learning-rate factor (``Layer.frozen``, ``Layer.lr_scale``).
PARAMETER_KINDS = ("dense", "conv2d", "batchnorm")
#: How a layer trains, beside what it is: stored in a file only when not the default, so a
#: layer that trains as usual is stored as it always was.
TRAINING_SETTINGS = {"frozen": False, "lr_scale": 1.0}
MAX_LR_SCALE = 10.0


@dataclass(frozen=True)
class Layer:
    """One hidden layer as the experiment stores it (string keys only, as in a file).

    ``kind`` says which settings count (``LAYER_SETTINGS``): dense layers use units,
    activation, init and dropout; conv layers filters, kernel_size, stride, padding
    ("same"/"valid"), activation, init and dropout; pooling layers their window ``size``;
    batch norm its ``momentum``; flatten none. Build the image kinds with ``Layer.conv``,
    ``Layer.pool``, ``Layer.flatten`` and ``Layer.batch_norm``.

    How a layer with parameters (``PARAMETER_KINDS``) trains: ``frozen`` keeps its weights as
    they are (transfer learning's fixed features); ``lr_scale`` multiplies the learning rate
    for its parameters, lr_layer = lr * lr_scale (fine-tuning copied layers slowly)."""
    units: int = 8
    activation: str = "tanh"
    init: str = "glorot_uniform"
    dropout: float = 0.0
    kind: str = "dense"
    filters: int = 8
    kernel_size: int = 3
    stride: int = 1
    padding: str = "same"
    size: int = 2
    momentum: float = 0.1
    frozen: bool = False
    lr_scale: float = 1.0

    def with_(self, **changes) -> "Layer":
        return replace(self, **changes)

    @classmethod
    def conv(cls, filters: int, kernel_size: int = 3, stride: int = 1, padding: str = "same",
             activation: str = "relu", init: str = "he_uniform",
             dropout: float = 0.0) -> "Layer":
        return cls(kind="conv2d", filters=filters, kernel_size=kernel_size, stride=stride,
                   padding=padding, activation=activation, init=init, dropout=dropout)

    @classmethod
    def pool(cls, size: int = 2, average: bool = False) -> "Layer":
        return cls(kind="avgpool2d" if average else "maxpool2d", size=size)

    @classmethod
    def flatten(cls) -> "Layer":
        return cls(kind="flatten")

    @classmethod
    def batch_norm(cls, momentum: float = 0.1) -> "Layer":
        return cls(kind="batchnorm", momentum=momentum)

    @property
    def is_dense(self) -> bool:
        return self.kind == "dense"

    @property
    def has_parameters(self) -> bool:
        return self.kind in PARAMETER_KINDS

    def settings(self) -> dict:
        """What a file stores for this layer: its kind's settings ("kind" first, except for
        dense layers, which are stored as they always were), then ``frozen`` and ``lr_scale``
        where they are not the default."""
        names = LAYER_SETTINGS.get(self.kind, ())
        head = {} if self.is_dense else {"kind": self.kind}
        training = {n: getattr(self, n) for n, default in TRAINING_SETTINGS.items()
                    if getattr(self, n) != default}
        return {**head, **{n: getattr(self, n) for n in names}, **training}


@dataclass(frozen=True)
class Field:
    """One saved field. ``choices`` is a tuple or a function returning one (engine registries)."""
    name: str
    kind: type
    default: object
    effect: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: Callable[[], tuple] | tuple | None = None
    label: str = ""

    def allowed(self) -> tuple | None:
        return self.choices() if callable(self.choices) else self.choices

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


DEFAULT_LAYERS = (Layer(8, "tanh"), Layer(8, "tanh"))

#: The window's panels a teacher can hide (``hidden_panels``), by the name files store.
PANELS = ("network", "data", "training", "output", "curves", "toolbar", "status")

FIELDS: tuple[Field, ...] = (
    # data
    Field("dataset", str, "spiral", "data", "Which data set to learn: 2-D points or images",
          choices=catalog.all_dataset_names, label="Data set"),
    Field("n_classes", int, 3, "data", "Number of classes the points fall into (multi-class data sets only): the output has "
          "one softmax unit per class",
          low=2, high=10, label="Classes"),
    Field("noise", float, 0.0, "data",
          "How far each point is pushed at random from its clean place: more noise, more "
          "overlap between the classes", low=0.0, high=0.5),
    Field("n_points", int, 400, "data", "Number of points generated, training and test points together", low=20, high=5000,
          label="Points"),
    Field("train_ratio", float, 0.5, "data", "Share of the points the network learns from; the others are test points, which "
          "show how well it does on points it has never seen",
          low=0.1, high=0.9, label="Training share"),
    Field("data_seed", int, 0, "data", "Seed of the data generator", low=0, high=2**31 - 1,
          label="Data seed"),
    Field("features", tuple, ("x1", "x2"), "data", "Input features fed to the network",
          choices=catalog.feature_names),
    Field("classes", tuple, (), "data",
          "Which classes of the image set to learn, by number (empty: all of them); the "
          "output has one softmax unit per chosen class, in this order (image sets only)",
          label="Classes used"),
    Field("per_class", int, 0, "data",
          "At most this many training images of each class (0: all); the test images stay "
          "as they are (image sets only: learning from a few examples)",
          low=0, high=100_000, label="Training images per class"),
    Field("normalize", bool, True, "data", "Standardize each input with the training set's mean \u03bc and standard deviation "
          "\u03c3, x \u2190 (x - \u03bc) / \u03c3, so every feature has a similar scale"),
    # network
    Field("layers", tuple, DEFAULT_LAYERS, "network", "Hidden layers, input side first"),
    Field("output_activation", str, "sigmoid", "network", "Activation of the output layer",
          choices=tuple(catalog.OUTPUT_ACTIVATION_LABELS), label="Output"),
    Field("loss", str, "bce", "network", "Loss minimised during training",
          choices=tuple(catalog.LOSS_LABELS)),
    Field("seed", int, 1, "network", "Seed of the initial weights and the batch order",
          low=0, high=2**31 - 1),
    Field("output_init", str, "glorot_uniform", "network",
          "How the output layer's weights start (its biases start at 0)",
          choices=catalog.initializer_names, label="Output initializer"),
    Field("init_scale", float, 0.01, "network",
          "Scale of the small random initial weights, in every layer that uses them: "
          "W ~ N(0, scale\u00b2) (small normal) or U[-scale, scale] (small uniform)",
          low=1e-4, high=10.0, label="Initial scale"),
    Field("leaky_slope", float, 0.01, "network",
          "Slope of leaky ReLU below zero, in every leaky ReLU layer: f(z) = z if z > 0, "
          "else slope \u00b7 z (the course uses 0.1; 0 is plain ReLU)",
          low=0.0, high=1.0, label="Leaky slope"),
    # training, applied live
    Field("optimizer", str, "adam", "live", "Update rule", choices=catalog.optimizer_names),
    Field("optimizer_params", dict, {}, "live",
          "Hyperparameters of the optimizer (missing ones take their default)",
          label="Optimizer settings"),
    Field("learning_rate", float, 0.01, "live", "Step size \u03b7 of each update: plain SGD moves every weight by "
          "w \u2190 w - \u03b7 \u00b7 \u2202L/\u2202w; the other optimizers scale their own "
          "step by it",
          low=1e-6, high=10.0, label="Learning rate"),
    Field("schedule", str, "constant", "live", "How the learning rate changes over time",
          choices=catalog.schedule_names),
    Field("schedule_params", dict, {}, "live", "Parameters of the schedule",
          label="Schedule settings"),
    Field("batch_size", int, 10, "live", "Examples per update (1 up to the training set): each step averages the gradient "
          "over a batch B, g = (1/|B|) \u03a3 \u2207L\u1d62 over i in B; small batches give "
          "quick, noisy steps, the whole set exact but slow ones",
          low=1, high=5000, label="Batch size"),
    Field("l1", float, 0.0, "live", "L1 regularization rate \u03bb\u2081: adds \u03bb\u2081 \u00b7 \u03a3|w| over the "
          "weights (not the biases) to the loss, whose gradient \u03bb\u2081 \u00b7 sign(w) "
          "pushes small weights to exactly 0 (sparse weights)", low=0.0, high=1.0, label="L1"),
    Field("l2", float, 0.0, "live", "L2 regularization rate \u03bb\u2082: adds \u03bb\u2082/2 \u00b7 \u03a3w\u00b2 over "
          "the weights (not the biases) to the loss, whose gradient \u03bb\u2082 \u00b7 w "
          "keeps the weights small (weight decay)", low=0.0, high=1.0, label="L2"),
    Field("clip_norm", float, 0.0, "live", "Gradient clipping by global norm c: when \u2016g\u2016 > c the whole gradient is "
          "scaled back, g \u2190 g \u00b7 c / \u2016g\u2016, so one steep batch cannot throw "
          "the weights far (0: off)",
          low=0.0, high=1000.0, label="Gradient clip"),
    Field("weight_decay", float, 0.0, "live",
          "Decoupled weight decay (AdamW's, Loshchilov & Hutter): before each update every "
          "weight and bias shrinks, w \u2190 w - lr \u00b7 decay \u00b7 w, apart from the "
          "gradient (Adam with it is AdamW; first-order optimizers only; 0: off)",
          low=0.0, high=1.0, label="Weight decay"),
    Field("max_norm", float, 0.0, "live",
          "Max-norm constraint: after each update, a neuron whose incoming weights w are "
          "longer than c is scaled back, w \u2190 w \u00b7 c / \u2016w\u2016 "
          "(first-order optimizers only; 0: off)",
          low=0.0, high=100.0, label="Max-norm"),
    Field("augmentation", dict, {}, "live",
          "Data augmentation of the training images (engine.augment.Augmentation's settings: "
          "shift, flip, rotate, contrast, brightness, noise; empty: off); each training image "
          "changes a little every time it is used, test images never (image sets only)",
          label="Augmentation"),
    Field("precision", str, "float64", "live",
          "Number type of the weights, gradients, optimizer state and data while training: "
          "float32 (about 7 digits) is faster on large networks, float64 (about 16) is exact "
          "enough for any lesson; Newton, L-BFGS and CG always use float64",
          choices=tuple(PRECISIONS), label="Precision"),
    # how the run is driven
    Field("steps_per_frame", int, 30, "control", "Training steps between two frames",
          low=1, high=MAX_STEPS_PER_FRAME, label="Speed"),
    Field("stop_at_epoch", int, 0, "control", "Pause at this epoch (0: never)",
          low=0, high=10**7, label="Stop at epoch"),
    Field("stop_at_test_loss", float, 0.0, "control",
          "Pause when the test loss falls below this (0: never)", low=0.0, high=100.0,
          label="Stop at test loss"),
    # views
    Field("discretize", bool, False, "view", "Show the boundary as hard class regions (the most probable class at each point) "
          "instead of probabilities"),
    Field("show_test", bool, True, "view", "Show the test points (outlined), which the network never trains on",
          label="Show test data"),
    Field("log_loss", bool, False, "view", "Loss axis on a log scale, labelled in decades (0.01, 0.1, 1): slow progress late "
          "in a run stays visible", label="Log scale"),
    Field("hidden_panels", tuple, (), "view",
          "Panels hidden from the class (a teacher's choice, saved with the experiment or "
          "lesson)", choices=PANELS, label="Hidden panels"),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


def defaults() -> dict:
    """A fresh dict of every field's default value."""
    return {f.name: (dict(f.default) if f.kind is dict else f.default) for f in FIELDS}
