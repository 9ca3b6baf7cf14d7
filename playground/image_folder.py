"""Import a folder of images with one sub-folder per class, the way people sort their own photos.

    flowers/            -> class names "daisy", "rose" (sub-folder names, sorted)
      daisy/a.png
      rose/b.jpg

Every PNG or JPEG is read with Pillow, turned upright by its EXIF orientation, converted to grey
("L") or RGB, and resized (stretched) to the chosen height and width with Lanczos filtering.
Anything that cannot be used -- a file that is not an image, a broken or truncated one, a file
outside the class folders, a folder inside a class folder -- is skipped and reported as
(path relative to the folder, reason); hidden files and folders (".name") are ignored. A class
folder with no usable image, or no class folders at all, is an error: the import would silently
lose a class.

The result is an "imported" ImageData: an experiment stores its arrays, so it opens on a machine
without the folder.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from engine.shapes import MAX_IMAGES
from playground.image_data import ImageData

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MODES = {"grey": "L", "rgb": "RGB"}
MIN_SIDE, MAX_SIDE = 4, 128


@dataclass(frozen=True)
class FolderImport:
    """What ``read_image_folder`` found: the images, and each file it skipped with why."""

    data: ImageData
    skipped: tuple          # ((path relative to the folder, reason), ...)

    def skipped_text(self) -> str:
        """One line per skipped file, "path: reason" ("" when none were skipped)."""
        return "\n".join(f"{path}: {reason}" for path, reason in self.skipped)


def _check_size(size) -> tuple[int, int]:
    sides = (size, size) if isinstance(size, (int, np.integer)) and not isinstance(size, bool) \
        else tuple(size) if isinstance(size, (tuple, list)) else None
    if sides is None or len(sides) != 2 or any(
            isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not MIN_SIDE <= s <= MAX_SIDE
            for s in sides):
        raise ValueError(f"size must be a side or (height, width), each an integer in "
                         f"[{MIN_SIDE}, {MAX_SIDE}], got {size!r}")
    return int(sides[0]), int(sides[1])


def _read_one(path: Path, mode: str, height: int, width: int) -> np.ndarray:
    """uint8 (C, height, width); raises ValueError with a short reason."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
                image = ImageOps.exif_transpose(image).convert(mode)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError("not a readable PNG or JPEG image, or too large") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValueError(f"broken image ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") \
            from None
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    pixels = np.asarray(image, dtype=np.uint8)
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)


def read_image_folder(folder, size=28, mode="grey") -> FolderImport:
    """Read ``folder``'s class sub-folders of PNG/JPEG images.

    size : a side (square images) or (height, width), each 4..128 pixels
    mode : "grey" (1 channel) or "rgb" (3 channels)
    Returns FolderImport(data, skipped): data.images float32 (n, C, height, width) = pixel / 255,
    data.labels int64 (n,) indexing data.class_names (the sub-folder names, sorted).
    Raises ValueError (one line) for a missing folder, no class folders, fewer than 2 classes,
    a class folder without a usable image, or more than 70,000 images.
    """
    height, width = _check_size(size)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {tuple(MODES)}, got {mode!r}")
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"{root}: not a folder")
    skipped, classes = [], []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            classes.append(entry)
        else:
            skipped.append((entry.name, "not in a class folder"))
    if not classes:
        raise ValueError(f"{root.name}: no class folders (put each class's images in a "
                         f"sub-folder named after the class)")
    candidates = []
    for label, class_dir in enumerate(classes):
        for entry in sorted(class_dir.iterdir()):
            if entry.name.startswith("."):
                continue
            where = f"{class_dir.name}/{entry.name}"
            if entry.is_dir():
                skipped.append((where, "a folder inside a class folder (not read)"))
            elif entry.suffix.lower() not in IMAGE_SUFFIXES:
                skipped.append((where, "not a PNG or JPEG file"))
            else:
                candidates.append((label, entry, where))
    if len(candidates) > MAX_IMAGES:
        raise ValueError(f"{root.name}: {len(candidates)} images; at most {MAX_IMAGES} are imported")
    images, labels = [], []
    for label, path, where in candidates:
        try:
            images.append(_read_one(path, MODES[mode], height, width))
            labels.append(label)
        except ValueError as exc:
            skipped.append((where, str(exc)))
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(classes))
    empty = [classes[i].name for i in np.flatnonzero(counts == 0)]
    if empty:
        raise ValueError(f"{root.name}: class folder {empty[0]!r} has no usable image"
                         + (f" (nor {len(empty) - 1} more)" if len(empty) > 1 else ""))
    names = tuple(c.name for c in classes)
    data = ImageData(np.stack(images), np.asarray(labels, dtype=np.int64), names, "imported")
    return FolderImport(data, tuple(skipped))


# ---- importing into an experiment ---------------------------------------------------------------
#: The largest side offered for imported images: a network takes at most 3 x 64 x 64 inputs.
MAX_IMPORT_SIDE = 64


@dataclass(frozen=True)
class ImportReport:
    """What an import gave: the data-set name to learn it under, the images, what was skipped."""

    name: str               # "imported:<fingerprint>" (playground.image_data.register_imported)
    title: str
    data: ImageData
    skipped: tuple = ()     # ((path, reason), ...)

    def summary(self) -> str:
        """A few lines for the user: how many images of which classes, at what size, and each
        skipped file with why."""
        data = self.data
        c, h, w = data.image_shape
        counts = ", ".join(f"{name} {n}" for name, n in zip(data.class_names, data.class_counts()))
        lines = [f"Imported {len(data)} images of {len(data.class_names)} classes from "
                 f"{self.title} ({h}x{w}, {'grey' if c == 1 else 'RGB'}): {counts}."]
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)} file{'s' if len(self.skipped) > 1 else ''}:")
            lines += [f"  {path}: {reason}" for path, reason in self.skipped]
        else:
            lines.append("Nothing was skipped.")
        return "\n".join(lines)


def import_folder(folder, size=28, mode="grey") -> ImportReport:
    """Read a folder of class sub-folders (``read_image_folder``) and register it as a data set
    (at most 64 pixels a side). ValueError (one line) when it cannot be imported."""
    from playground.image_data import register_imported
    height, width = _check_size(size)
    if max(height, width) > MAX_IMPORT_SIDE:
        raise ValueError(f"size must be at most {MAX_IMPORT_SIDE} pixels a side for a network "
                         f"input, got {height}x{width}")
    found = read_image_folder(folder, size, mode)
    title = Path(folder).name
    return ImportReport(register_imported(found.data, title), title, found.data, found.skipped)


def import_idx(images_path, labels_path, class_names=None) -> ImportReport:
    """Read an IDX file of images and one of labels (``image_data.idx_files_data``) and
    register them as a data set. ValueError (one line, naming the file) otherwise."""
    from engine.network import MAX_IMAGE_INPUTS
    from playground.image_data import idx_files_data, register_imported
    data = idx_files_data(images_path, labels_path, class_names)
    if int(np.prod(data.image_shape)) > MAX_IMAGE_INPUTS:
        c, h, w = data.image_shape
        raise ValueError(f"{Path(images_path).name}: {c}x{h}x{w} images are larger than a "
                         f"network takes ({MAX_IMAGE_INPUTS} values)")
    title = Path(images_path).name.split(".")[0]
    return ImportReport(register_imported(data, title), title, data)


def default_image_layers() -> tuple:
    """The layers an experiment gets when its own do not fit the imported images."""
    from playground.fields import Layer
    return (Layer.conv(8, 3), Layer.pool(2), Layer.flatten())


def experiment_changes(values: dict, name: str) -> dict:
    """The settings that make an experiment with ``values`` learn the imported set ``name``:
    the data set, and its layers kept when they fit the images (as the experiment would adapt
    them), else ``default_image_layers`` (a conv layer too large for small images, say)."""
    from playground import image_pipeline
    from playground.experiment import Experiment, InvalidValue
    try:
        adapted = Experiment(values)
        adapted.update({"dataset": name})
        if image_pipeline.explain_layers(adapted.values()) is None:
            return {"dataset": name}
    except (InvalidValue, ValueError):
        pass
    return {"dataset": name, "layers": default_image_layers()}
