"""An image data set as an experiment describes it: where the images come from and how they split.

Sources:
- "shapes": drawn by ``engine.shapes.make_shapes`` from settings (n, size, noise, jitter, seed,
  classes); the settings are the whole description, so a saved experiment regenerates the same
  images bit for bit.
- "digits": the 1,797 8x8 handwritten digits that ship inside scikit-learn (no network), pixel
  values 0..16 scaled to [0, 1]; the name is the whole description.
- "mnist", "fashion_mnist": one part ("train" or "test") of a downloaded set, checked against its
  published SHA-256 (``playground.downloads``); described by name, part and ``limit`` (the first
  ``limit`` images, or all), rebuilt from the download cache.
- "imported": arrays handed over by the caller (IDX files the user has, a folder of images:
  ``playground.image_folder``); the description carries their shape and class names, the arrays
  travel beside it, so the experiment opens where the original files are missing.

``ImageData.split(train_fraction, seed)`` cuts it into train and test deterministically and
stratified: each class is shuffled with its own draws and contributes round(count * fraction)
images to train (at least one to each side when it has two or more).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.shapes import MAX_IMAGES, SHAPES, make_shapes

MODALITY = "images"
IMAGE_SOURCES = ("shapes", "digits", "mnist", "fashion_mnist", "imported")
DOWNLOADED_SOURCES = ("mnist", "fashion_mnist")
DIGITS_CLASSES = tuple(str(i) for i in range(10))
CHANNELS = (1, 3)                # grey or RGB
SHAPES_DEFAULTS = {"n": 800, "size": 20, "noise": 0.1, "jitter": 2.0, "seed": 0,
                   "classes": tuple(SHAPES)}
MIN_FRACTION, MAX_FRACTION = 0.1, 0.9


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class ImageData:
    """Images with their class labels and where they came from; arrays are read-only copies.

    images : float32 (n, C, height, width) in [0, 1], C = 1 (grey) or 3 (RGB)
    labels : int64 (n,) in 0..len(class_names)-1
    class_names : tuple of str, one per class
    source : one of IMAGE_SOURCES
    settings : the ``make_shapes`` arguments for "shapes"; {"part", "limit"} for "mnist" and
      "fashion_mnist"; empty for "digits" and "imported"
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple
    source: str
    settings: dict = field(default_factory=dict)
    modality = MODALITY

    def __post_init__(self):
        if self.source not in IMAGE_SOURCES:
            raise ValueError(f"source must be one of {IMAGE_SOURCES}, got {self.source!r}")
        names = tuple(str(c) for c in self.class_names)
        if len(names) < 2:
            raise ValueError(f"an image set needs at least 2 classes, got {len(names)}")
        images = np.asarray(self.images)
        if images.ndim == 3:
            images = images[:, None]
        if images.ndim != 4 or images.shape[1] not in CHANNELS:
            raise ValueError(f"images must have shape (n, 1, height, width) (grey), (n, 3, height, "
                             f"width) (RGB) or (n, height, width), got {images.shape}")
        if images.dtype == np.uint8:
            images = images.astype(np.float32) / np.float32(255.0)
        elif images.dtype.kind == "f":
            images = images.astype(np.float32)
            if not np.isfinite(images).all():
                raise ValueError("images contain NaN or inf")
            if images.size and (images.min() < 0 or images.max() > 1):
                raise ValueError(f"image values must lie in [0, 1], got [{images.min()}, {images.max()}]")
        else:
            raise ValueError(f"images must be uint8 or floating point, got {images.dtype}")
        n = len(images)
        if not 2 <= n <= MAX_IMAGES:
            raise ValueError(f"an image set holds 2 to {MAX_IMAGES} images, got {n}")
        labels = np.asarray(self.labels)
        if labels.shape != (n,):
            raise ValueError(f"labels must have shape ({n},), got {labels.shape}")
        if labels.dtype.kind not in "iu":
            raise ValueError(f"labels must be integers, got {labels.dtype}")
        if labels.min() < 0 or labels.max() >= len(names):
            raise ValueError(f"labels must lie in 0..{len(names) - 1} (one per class name), "
                             f"got {labels.min()}..{labels.max()}")
        object.__setattr__(self, "images", _read_only(images.copy()))
        object.__setattr__(self, "labels", _read_only(labels.astype(np.int64)))
        object.__setattr__(self, "class_names", names)
        object.__setattr__(self, "settings", dict(self.settings))

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        _, _, h, w = self.images.shape
        return (f"ImageData({self.source}, {len(self)} images {h}x{w}, "
                f"{len(self.class_names)} classes)")

    @property
    def image_shape(self) -> tuple:
        """(channels, height, width): channels first."""
        return self.images.shape[1:]

    def class_counts(self) -> np.ndarray:
        """int64 (n_classes,): images per class."""
        return np.bincount(self.labels, minlength=len(self.class_names))

    def get_config(self) -> dict:
        """A plain dict describing the set. For "shapes", "digits", "mnist" and "fashion_mnist"
        it rebuilds the images (``image_data_from_config``); for "imported" it records what the
        arrays were."""
        config = {"modality": MODALITY, "source": self.source}
        if self.source == "shapes":
            config.update(self.settings, classes=list(self.settings["classes"]))
        elif self.source in DOWNLOADED_SOURCES:
            config.update(self.settings)
        elif self.source == "imported":
            config.update(n=len(self), image_shape=list(self.image_shape),
                          class_names=list(self.class_names))
        return config

    def subset(self, indices) -> "ImageData":
        return ImageData(self.images[indices], self.labels[indices], self.class_names,
                         self.source, self.settings)

    def split(self, train_fraction: float = 0.8, seed: int = 0) -> tuple["ImageData", "ImageData"]:
        """(train, test), stratified by class and deterministic for ``seed``.

        train_fraction : 0.1..0.9 of each class goes to train (rounded)
        """
        if isinstance(train_fraction, bool) or not isinstance(train_fraction, (int, float)) \
                or not MIN_FRACTION <= train_fraction <= MAX_FRACTION:
            raise ValueError(f"train_fraction must be in [{MIN_FRACTION}, {MAX_FRACTION}], "
                             f"got {train_fraction!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        rng = np.random.Generator(np.random.PCG64(int(seed)))
        train, test = [], []
        for label in range(len(self.class_names)):
            members = rng.permutation(np.flatnonzero(self.labels == label))
            cut = int(round(len(members) * train_fraction))
            if len(members) >= 2:
                cut = min(max(cut, 1), len(members) - 1)
            train.append(members[:cut])
            test.append(members[cut:])
        train, test = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
        if len(train) < 2 or len(test) < 2:
            raise ValueError(f"{len(self)} images are too few to split at {train_fraction}")
        return self.subset(train), self.subset(test)


def shapes_data(**settings) -> ImageData:
    """The "shapes" source: ``make_shapes`` with ``SHAPES_DEFAULTS`` updated by ``settings``.

    Unknown setting names raise ValueError naming them; bad values raise make_shapes' own.
    """
    unknown = sorted(set(settings) - set(SHAPES_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown shapes setting {unknown[0]!r}; valid: {', '.join(SHAPES_DEFAULTS)}")
    full = {**SHAPES_DEFAULTS, **settings}
    full["classes"] = (full["classes"],) if isinstance(full["classes"], str) else tuple(full["classes"])
    images, labels, names = make_shapes(**full)
    return ImageData(images, labels, names, "shapes", full)


def digits_data() -> ImageData:
    """The "digits" source: scikit-learn's 1,797 8x8 handwritten digits (about 180 per class),
    float32 (1797, 1, 8, 8) = pixel / 16, labels 0..9, class names "0".."9"."""
    from sklearn.datasets import load_digits          # bundled with scikit-learn: no download
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    return ImageData(images, digits.target.astype(np.int64), DIGITS_CLASSES, "digits")


def imported_data(images, labels, class_names=None) -> ImageData:
    """The "imported" source: arrays from elsewhere (``engine.idx.load_mnist_folder``, say).

    images : uint8 or float (n, 1, h, w) or (n, h, w); floats in [0, 1], uint8 scaled by 1/255
    labels : int (n,); class_names : one per class (default "0", "1", ... up to the largest label)
    """
    if class_names is None:
        labels_array = np.asarray(labels)
        top = int(labels_array.max()) if labels_array.size and labels_array.dtype.kind in "iu" else 1
        class_names = tuple(str(i) for i in range(max(top + 1, 2)))
    return ImageData(images, labels, class_names, "imported")


def idx_folder_data(folder, class_names=None) -> tuple[ImageData, ImageData]:
    """(train, test): MNIST-format IDX files the user already has (``engine.idx.load_mnist_folder``:
    the four standard names, gzipped or not), as two "imported" sets -- their arrays are saved
    with the experiment. class_names : one per class, default "0".."9"."""
    from engine.idx import load_mnist_folder
    X_train, y_train, X_test, y_test = load_mnist_folder(folder)
    names = DIGITS_CLASSES if class_names is None else class_names
    return (ImageData(X_train, y_train, names, "imported"),
            ImageData(X_test, y_test, names, "imported"))


def imported_from_config(config: dict, images, labels) -> ImageData:
    """Rebuild an "imported" set from its ``get_config()`` dict and the arrays saved beside it,
    refusing arrays that do not fit the description (count, image shape, class names)."""
    if not isinstance(config, dict) or config.get("modality") != MODALITY \
            or config.get("source") != "imported":
        raise ValueError("not the description of an imported image set")
    unknown = sorted(set(config) - {"modality", "source", "n", "image_shape", "class_names"})
    if unknown:
        raise ValueError(f"unknown imported-set setting {unknown[0]!r}")
    names = config.get("class_names")
    if not isinstance(names, (list, tuple)) or not all(isinstance(c, str) for c in names):
        raise ValueError(f"class_names must be a list of strings, got {names!r}")
    data = ImageData(images, labels, tuple(names), "imported")
    if config.get("n") != len(data) or list(config.get("image_shape", ())) != list(data.image_shape):
        raise ValueError(f"the saved arrays hold {len(data)} images of shape {data.image_shape}, "
                         f"the description says {config.get('n')} of {config.get('image_shape')}")
    return data


def image_data_from_config(config: dict, cache=None) -> ImageData:
    """Rebuild a set from ``get_config()``'s dict: "shapes" and "digits" from nothing, "mnist"
    and "fashion_mnist" from the download cache (``cache``: its folder, default
    ``playground.downloads.cache_folder()``; nothing is downloaded here: a missing download is a
    ValueError saying so). Imported sets need their arrays: use ``imported_data``."""
    if not isinstance(config, dict):
        raise ValueError(f"an image set description is a dict, got {type(config).__name__}")
    if config.get("modality") != MODALITY:
        raise ValueError(f"modality must be {MODALITY!r}, got {config.get('modality')!r}")
    source = config.get("source")
    settings = {k: v for k, v in config.items() if k not in ("modality", "source")}
    if source == "shapes":
        return shapes_data(**settings)
    if source == "digits":
        if settings:
            raise ValueError(f"the digits set has no settings, got {sorted(settings)}")
        return digits_data()
    if source in DOWNLOADED_SOURCES:
        from playground.downloads import downloaded_data
        unknown = sorted(set(settings) - {"part", "limit"})
        if unknown:
            raise ValueError(f"unknown {source} setting {unknown[0]!r}; valid: part, limit")
        return downloaded_data(source, settings.get("part", "train"), settings.get("limit"),
                               folder=cache, download=False)
    raise ValueError(f"only shapes, digits, mnist and fashion_mnist sets rebuild from their "
                     f"description, got source {source!r}")
