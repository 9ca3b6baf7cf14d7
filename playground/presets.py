"""Ready experiments shipped in ``assets/presets``: the default and at least one per data set.

``PRESETS`` declares them (name, title, description, the settings that differ from the
defaults); the ``.nnp`` files are built from it by ``python -m playground.presets`` and opened
from File > Examples or by name on the command line (``python main.py run spiral``).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from playground import files
from playground.catalog import feature_label as _feature
from playground.fields import Layer
from playground.transfer import FEW_SHAPES, SHAPES_PLAN

PRESETS_DIR = Path(__file__).resolve().parent.parent / "assets" / "presets"


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    changes: dict = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return PRESETS_DIR / f"{self.name}{files.EXTENSION}"


def _layers(*units, activation="tanh", dropout=0.0) -> tuple:
    init = "he_normal" if activation == "relu" else "glorot_uniform"
    return tuple(Layer(u, activation, init, dropout) for u in units)


PRESETS: tuple[Preset, ...] = (
    Preset("default", "Default", "The experiment a new window starts with: two tanh layers of "
           "eight neurons learn the two-arm spiral with Adam.", {}),
    # Notes name features as the window writes them (X₁², X₁X₂): the engine's labels.
    Preset("circle", "Circle", "A ring around a disc. Four tanh neurons draw a closed boundary; "
           f"try it with one hidden neuron, then add the {_feature('x1^2')} and "
           f"{_feature('x2^2')} features instead.",
           {"dataset": "circle", "noise": 0.1, "layers": _layers(4), "optimizer": "sgd",
            "learning_rate": 0.1}),
    Preset("xor", "Exclusive or", "Opposite quadrants share a class. No straight line splits "
           f"them; a small hidden layer (or the {_feature('x1*x2')} feature) does.",
           {"dataset": "xor", "noise": 0.05, "layers": _layers(4, 2), "optimizer": "rmsprop",
            "learning_rate": 0.01}),
    Preset("gauss", "Gaussian clusters", "Two overlapping clouds. No hidden layer at all: a "
           "single sigmoid neuron, logistic regression, trained with L-BFGS on the full batch "
           "and a little L2 so the weights stay finite.",
           {"dataset": "gauss", "noise": 0.3, "layers": (), "optimizer": "lbfgs",
            "learning_rate": 1.0, "batch_size": 200, "l2": 0.001}),
    Preset("spiral", "Spiral, deep", "The hardest two-class set: three layers of ReLU neurons "
           f"with the {_feature('sin x1')} and {_feature('sin x2')} features, Adam and a "
           "cosine learning-rate schedule.",
           {"dataset": "spiral", "noise": 0.05, "features": ("x1", "x2", "sin x1", "sin x2"),
            "layers": _layers(12, 12, 8, activation="relu"), "optimizer": "adam",
            "learning_rate": 0.01, "schedule": "cosine",
            "schedule_params": {"decay_steps": 6000.0, "min_fraction": 0.05}}),
    Preset("moons", "Two moons", "Interleaved half circles with some noise, learned with "
           "momentum; a little dropout keeps the boundary smooth.",
           {"dataset": "moons", "noise": 0.15, "layers": _layers(10, 10, dropout=0.1),
            "optimizer": "momentum", "learning_rate": 0.03}),
    Preset("spiral_k", "Spiral, three classes", "Three spiral arms: a softmax output with one "
           "neuron per class, trained with softmax cross-entropy.",
           {"dataset": "spiral_k", "n_classes": 3, "noise": 0.05, "n_points": 600,
            "layers": _layers(16, 16, activation="relu"), "output_activation": "softmax",
            "loss": "softmax_ce", "optimizer": "adam", "learning_rate": 0.01}),
    Preset("blobs_k", "Four blobs", "Four clusters on a circle: one small hidden layer "
           "separates them. Watch where the softmax is unsure.",
           {"dataset": "blobs_k", "n_classes": 4, "noise": 0.1, "layers": _layers(6),
            "output_activation": "softmax", "loss": "softmax_ce", "optimizer": "adam",
            "learning_rate": 0.02}),
    Preset("reg_plane", "Plane (regression)", "A tilted plane: a linear output and the squared "
           "error. No hidden layer is needed, one linear neuron fits it exactly.",
           {"dataset": "reg_plane", "noise": 0.0, "layers": (), "output_activation": "linear",
            "loss": "mse", "optimizer": "sgd", "learning_rate": 0.03}),
    Preset("reg_gauss", "Bumps (regression)", "Six bumps up and down: a surface that needs "
           "hidden neurons, L2 regularization against overfitting.",
           {"dataset": "reg_gauss", "noise": 0.0, "layers": _layers(12, 12),
            "output_activation": "linear", "loss": "mse", "optimizer": "adam",
            "learning_rate": 0.02, "l2": 0.0005}),
    Preset("sigmoid_bn", "Sigmoid layers, batch norm", "Two sigmoid layers on the "
           "exclusive or with plain SGD. Batch norm after each layer (the BN bands) gives "
           "the next layer zero-mean, unit-variance input, so the network learns; turn Batch "
           "norm off in every header and the same network stalls at ln 2 \u2248 0.69.",
           {"dataset": "xor", "noise": 0.0,
            "layers": tuple(layer for _ in range(2)
                            for layer in (Layer(8, "sigmoid"), Layer.batch_norm())),
            "optimizer": "sgd", "learning_rate": 0.1, "batch_size": 10}),
)

#: Image experiments (conv nets on the digits and the shapes): File > Examples lists them in
#: their own section, and ``python main.py run NAME --json`` trains them headless. Each stops
#: at an epoch where it has learned its set.
_DENSE_HEAD = Layer(64, "relu", "he_normal")
IMAGE_PRESETS: tuple[Preset, ...] = (
    Preset("conv_digits", "Small conv net on digits", "Eight 3x3 filters, a 2x2 max-pool and "
           "the softmax output learn scikit-learn's 8x8 handwritten digits in a few seconds.",
           {"dataset": "digits", "train_ratio": 0.8,
            "layers": (Layer.conv(8, 3), Layer.pool(2), Layer.flatten()),
            "optimizer": "adam", "learning_rate": 0.005, "batch_size": 32,
            "steps_per_frame": 45, "stop_at_epoch": 5}),
    Preset("lenet_digits", "LeNet on digits", "Two conv and max-pool stages (16 and 32 3x3 "
           "filters), a dense layer of 64 ReLU units and the softmax output, on the 8x8 "
           "handwritten digits.",
           {"dataset": "digits", "train_ratio": 0.8,
            "layers": (Layer.conv(16, 3), Layer.pool(2), Layer.conv(32, 3), Layer.pool(2),
                       Layer.flatten(), _DENSE_HEAD),
            "optimizer": "adam", "learning_rate": 0.002, "batch_size": 32,
            "steps_per_frame": 45, "stop_at_epoch": 15}),
    Preset("lenet_shapes", "LeNet on shapes", "A LeNet (8 5x5 and 16 3x3 filters, each stage "
           "max-pooled, a dense layer of 64 ReLU units) tells apart lines at four angles, "
           "squares, circles, crosses and triangles drawn at 20x20 pixels with noise.",
           {"dataset": "shapes", "n_points": 1200, "noise": 0.1, "train_ratio": 0.75,
            "layers": (Layer.conv(8, 5), Layer.pool(2), Layer.conv(16, 3), Layer.pool(2),
                       Layer.flatten(), _DENSE_HEAD),
            "optimizer": "adam", "learning_rate": 0.002, "batch_size": 32,
            "steps_per_frame": 29, "stop_at_epoch": 6}),
    # The few-example task of ``playground.transfer.SHAPES_PLAN``: its ready comparison is
    # ``python main.py compare transfer_shapes`` (or Tools > Compare runs in the window).
    Preset("transfer_shapes", "Transfer: shapes from 3 examples", "Squares, circles, "
           "crosses and triangles in heavy noise, 3 training images of each. Learnt from "
           "scratch, the conv filters must find edges in 12 noisy pictures. Tools > Compare "
           "runs > Transfer vs from scratch puts beside it a network whose two conv layers, "
           "frozen, come from one that learnt the four lines: its test accuracy ends higher.",
           {**FEW_SHAPES, "steps_per_frame": 10, "stop_at_epoch": SHAPES_PLAN.steps}),
    # The downloaded sets (``python main.py download mnist``): all 60,000 training images, a
    # tenth of them held out as test images; a frame is one epoch (844 steps of 64), so a
    # headless run evaluates the whole splits once per epoch.
    *(Preset(f"lenet_{short}", f"LeNet on {title}", f"A LeNet (16 5x5 and 32 3x3 filters, each "
             f"stage max-pooled, a dense layer of 128 ReLU units) on the 28x28 {what}. Needs "
             f"the download: python main.py download {name}.",
             {"dataset": name, "n_points": 60_000, "train_ratio": 0.9,
              "layers": (Layer.conv(16, 5), Layer.pool(2), Layer.conv(32, 3), Layer.pool(2),
                         Layer.flatten(), Layer(128, "relu", "he_normal")),
              "optimizer": "adam", "learning_rate": 0.001, "batch_size": 64,
              "steps_per_frame": 844, "stop_at_epoch": epochs})
      for short, name, title, what, epochs in (
          ("mnist", "mnist", "MNIST", "MNIST handwritten digits", 2),
          ("fashion", "fashion_mnist", "Fashion-MNIST", "Fashion-MNIST clothing pictures", 3))),
)
#: the presets whose data set must be downloaded first (their files hold settings only)
DOWNLOADED_PRESETS = tuple(p.name for p in IMAGE_PRESETS
                           if p.changes.get("dataset") in ("mnist", "fashion_mnist"))
PRESETS_BY_NAME = {p.name: p for p in PRESETS + IMAGE_PRESETS}


def names() -> tuple[str, ...]:
    """The window's examples (File > Examples): the 2-D experiments."""
    return tuple(p.name for p in PRESETS)


def image_names() -> tuple[str, ...]:
    """The image experiments (File > Examples shows them in a section of their own)."""
    return tuple(p.name for p in IMAGE_PRESETS)


def document(preset: Preset) -> files.Document:
    """A fresh document for ``preset`` (settings only: the network is built from the seed)."""
    from playground.experiment import Experiment
    values = Experiment(preset.changes or None).values()
    return files.Document(values, meta={"title": preset.title, "description": preset.description,
                                        "preset": preset.name})


def load(name: str) -> files.Document:
    """The shipped file of preset ``name``; FileFormatError if it is missing or damaged."""
    if name not in PRESETS_BY_NAME:
        raise KeyError(f"no example named {name!r}; examples: "
                       f"{', '.join(names() + image_names())}")
    return files.load(PRESETS_BY_NAME[name].path)


def resolve(name_or_path: str | os.PathLike) -> tuple[files.Document, str, Path | None]:
    """(document, short name, path or None for a preset) for a file path or a preset name.

    A path that exists wins over a preset of the same name. Raises FileFormatError for a bad
    file and FileNotFoundError naming the presets when it is neither."""
    path = Path(name_or_path)
    if path.exists():
        return files.load(path), path.stem, path
    if str(name_or_path) in PRESETS_BY_NAME:
        return load(str(name_or_path)), str(name_or_path), None
    raise FileNotFoundError(f"{str(name_or_path)!r} is neither an experiment file nor an "
                            f"example (examples: {', '.join(names() + image_names())}; see "
                            f"'nn-playground list').")


def build(folder: Path = PRESETS_DIR) -> list[Path]:
    """Write every preset's file into ``folder``: settings, the network at step 0 (weights and
    optimizer state drawn from the seed) and the first history row; the presets of downloaded
    sets (``DOWNLOADED_PRESETS``) hold their settings only, so building needs no download."""
    from playground.headless import HeadlessRun
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for preset in PRESETS + IMAGE_PRESETS:
        path = folder / f"{preset.name}{files.EXTENSION}"
        if preset.name in DOWNLOADED_PRESETS:   # settings only: built wherever it is opened
            written.append(files.save(path, document(preset)))
            continue
        run = HeadlessRun(document(preset), resolution=2)
        written.append(files.save(path, run.document()))
    return written


if __name__ == "__main__":
    for p in build(Path(sys.argv[1]) if len(sys.argv) > 1 else PRESETS_DIR):
        print(p)
