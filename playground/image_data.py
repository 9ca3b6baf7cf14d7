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
  travel beside it, so the experiment opens where the original files are missing. An experiment
  learns one under the data-set name "imported:<fingerprint>" (``register_imported``); its file
  holds the arrays (``imported_section`` / ``imported_from_section``).

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


def idx_files_data(images_path, labels_path, class_names=None) -> ImageData:
    """An "imported" set from one IDX file of images and one of labels, named as the user
    likes (gzipped or not): images uint8 (n, height, width) or (n, C, height, width) with C 1 or
    3, scaled by 1/255 (or floats in [0, 1]); labels integers (n,) from 0. class_names : one per
    class (default "0".."K-1" for the largest label K-1). ValueError (one line, naming the
    file) for a corrupt, truncated or mismatched file."""
    from pathlib import Path

    from engine.idx import read_idx
    images, labels = read_idx(images_path), read_idx(labels_path)
    images_name, labels_name = Path(images_path).name, Path(labels_path).name
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[1] not in CHANNELS):
        raise ValueError(f"{images_name}: expected images of shape (n, height, width) or (n, 1 "
                         f"or 3, height, width), got {images.shape}")
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"{labels_name}: expected integer labels of shape (n,), got "
                         f"{labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{images_name} holds {len(images)} images but {labels_name} "
                         f"{len(labels)} labels")
    if labels.size and labels.min() < 0:
        raise ValueError(f"{labels_name}: label {int(labels.min())} is negative")
    if images.dtype.kind == "f" and images.size and (images.min() < 0 or images.max() > 1):
        raise ValueError(f"{images_name}: float pixels must lie in [0, 1]")
    if images.dtype.kind not in "uf" or (images.dtype.kind == "u" and images.dtype != np.uint8):
        raise ValueError(f"{images_name}: expected uint8 or float pixels, got {images.dtype}")
    try:
        return imported_data(images, labels.astype(np.int64), class_names)
    except ValueError as error:
        raise ValueError(f"{images_name}: {error}") from None


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


# ---- imported sets in experiments ----------------------------------------------------------------
#: An experiment learns an imported set under the data-set name "imported:<fingerprint>": the
#: fingerprint is a hash of the images, labels, class names and title, so one name always means
#: the same images, and registering a set (on import, or when a file holding it is opened) can
#: never change what an open experiment learns.
IMPORTED_PREFIX = "imported:"
#: the least images an imported set holds (the number-of-points setting's own minimum)
MIN_IMPORTED = 20
IMPORTED_ARRAYS = ("imported.images", "imported.labels")
_IMPORTED: dict[str, tuple[ImageData, str]] = {}


def is_imported(name) -> bool:
    """Whether ``name`` is the data-set name of an imported set (registered or not)."""
    return isinstance(name, str) and name.startswith(IMPORTED_PREFIX)


def fingerprint(data: ImageData, title: str) -> str:
    """The data-set name of ``data`` imported under ``title``: "imported:" + 16 hex digits of
    the SHA-256 of its images (float32), labels, class names and title."""
    import hashlib
    h = hashlib.sha256()
    h.update(repr((tuple(data.images.shape), data.class_names, str(title))).encode("utf-8"))
    h.update(np.ascontiguousarray(data.images, dtype="<f4").tobytes())
    h.update(np.ascontiguousarray(data.labels, dtype="<i8").tobytes())
    return IMPORTED_PREFIX + h.hexdigest()[:16]


def register_imported(data: ImageData, title: str) -> str:
    """Make ``data`` (an "imported" set) a data set experiments can learn; returns its name
    (``fingerprint``). Its shape, class count and label go into ``playground.catalog`` so the
    layer rules and the network spec use them. ValueError for fewer than 20 images."""
    from playground import catalog
    if data.source != "imported":
        raise ValueError(f"only imported sets are registered, not {data.source!r}")
    if len(data) < MIN_IMPORTED:
        raise ValueError(f"an imported set needs at least {MIN_IMPORTED} images, got {len(data)}")
    title = " ".join(str(title).split())[:60] or "images"
    name = fingerprint(data, title)
    if name not in _IMPORTED:
        _IMPORTED[name] = (data, title)
        _, h, w = data.image_shape
        label = f"Imported: {title} ({len(data)} images, {h}x{w})"
        catalog.register_imported_dataset(name, data.image_shape, len(data.class_names), label,
                                          len(data))
    return name


def imported_set(name) -> ImageData:
    """The registered imported set ``name``; ValueError when it is not registered (a file that
    names it without holding its images)."""
    if name not in _IMPORTED:
        raise ValueError(f"the imported images {name!r} are not loaded (the experiment file "
                         f"that holds them was not opened)")
    return _IMPORTED[name][0]


def imported_title(name) -> str:
    imported_set(name)
    return _IMPORTED[name][1]


def imported_section(name) -> tuple[dict, dict]:
    """(JSON section, arrays) that store the registered imported set ``name`` in an experiment
    file: its title, class names, image shape and count; ``imported.images`` as uint8 pixels
    (n, C, H, W) when they are whole 1/255 steps (folders, IDX files), float64 otherwise, and
    ``imported.labels`` int64 (n,)."""
    data = imported_set(name)
    pixels = np.round(data.images * np.float32(255.0))
    exact = np.array_equal(pixels.astype(np.uint8).astype(np.float32) / np.float32(255.0),
                           data.images)
    images = pixels.astype(np.uint8) if exact else data.images.astype("<f8")
    section = {"name": name, "title": _IMPORTED[name][1], "class_names": list(data.class_names),
               "image_shape": list(data.image_shape), "n": len(data)}
    return section, {"imported.images": images, "imported.labels": data.labels.astype("<i8")}


def imported_from_section(section, arrays: dict) -> str:
    """Register the set a file's imported section and arrays hold; returns its name. ValueError
    (one line) when the section is malformed, the arrays do not fit it, or the images are not
    the ones the name promises."""
    if not isinstance(section, dict):
        raise ValueError("the imported section must be a JSON object")
    keys = {"name", "title", "class_names", "image_shape", "n"}
    if set(section) != keys:
        extra, missing = sorted(set(section) - keys), sorted(keys - set(section))
        raise ValueError(f"the imported section has an unknown entry {extra[0]!r}" if extra
                         else f"the imported section has no {missing[0]!r}")
    name, title = section["name"], section["title"]
    if not is_imported(name) or not isinstance(title, str):
        raise ValueError(f"the imported section's name must be 'imported:...' and its title "
                         f"text, got {name!r} and {title!r}")
    for key in IMPORTED_ARRAYS:
        if key not in arrays:
            raise ValueError(f"the imported images are missing (array {key!r})")
    images, labels = arrays["imported.images"], arrays["imported.labels"]
    if images.dtype != np.uint8 and images.dtype != np.float64:
        raise ValueError(f"imported.images must be uint8 or float64, not {images.dtype}")
    if labels.dtype != np.int64:
        raise ValueError(f"imported.labels must be int64, not {labels.dtype}")
    config = {"modality": MODALITY, "source": "imported", "n": section["n"],
              "image_shape": section["image_shape"], "class_names": section["class_names"]}
    data = imported_from_config(config, images, labels)
    registered = register_imported(data, title)
    if registered != name:
        raise ValueError(f"the imported images are not the ones named {name!r} (the file was "
                         f"changed)")
    return name


def carried(values: dict) -> dict:
    """What a worker process needs besides ``values`` to learn their data set: for an imported
    set, {"imported": (section, arrays)} (``imported_section``; a spawned process has no
    registered sets), else {}."""
    name = values.get("dataset")
    return {"imported": imported_section(name)} if is_imported(name) else {}


def register_carried(payload: dict) -> None:
    """In the worker process: register the imported set ``carried`` put into ``payload``."""
    if "imported" in payload:
        section, arrays = payload["imported"]
        imported_from_section(section, arrays)
