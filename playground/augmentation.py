"""What the augmentation preview shows: augmented versions of one image laid out as a grid, and
the words and slider steps for each transform's strength. Qt-free; ``widgets.augment_preview``
draws it (views take ``Augmentation`` and ``TRANSFORMS`` from here: they never import the
engine).
"""
from __future__ import annotations

import numpy as np

from engine.augment import TRANSFORMS, Augmentation, augment_previews
from playground.image_data import ImageData

LABELS = {"flip": "Flip left-right", "rotate": "Rotate", "shift": "Shift", "contrast": "Contrast",
          "brightness": "Brightness", "noise": "Noise"}
#: The values a strength slider offers, each within the Augmentation range.
STEPS = {
    "flip_probability": (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0),
    "rotate_degrees": (0.0, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 25.0, 30.0, 45.0),
    "shift_pixels": tuple(range(9)),
    "contrast_delta": (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "brightness_delta": (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5),
    "noise_std": (0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5),
}
_TEXT = {
    "flip_probability": lambda v: f"p {v:.2f}",
    "rotate_degrees": lambda v: f"\u00b1{v:g}\u00b0",
    "shift_pixels": lambda v: f"\u00b1{int(v)} px",
    "contrast_delta": lambda v: f"\u00d7 1\u00b1{v:.2f}",
    "brightness_delta": lambda v: f"\u00b1{v:.2f}",
    "noise_std": lambda v: f"\u03c3 {v:.3f}".rstrip("0").rstrip("."),
}
assert set(STEPS) == set(_TEXT) == set(TRANSFORMS.values())


def strength_text(strength: str, value) -> str:
    """A strength as the slider shows it, e.g. ("rotate_degrees", 10) -> "\u00b110\u00b0"."""
    return _TEXT[strength](value)


def preview_tiles(data: ImageData, settings: Augmentation, sample: int, count: int,
                  seed: int = 0) -> np.ndarray:
    """``count`` augmented versions of image ``sample`` of ``data``, as training steps 0..count-1
    with ``seed`` would make them: float32 (count, H, W) for grey, (count, H, W, 3) for RGB."""
    tiles = augment_previews(data.images, sample, settings, count, seed).astype(np.float32)
    return tiles[:, 0] if tiles.shape[1] == 1 else tiles.transpose(0, 2, 3, 1)


def original(data: ImageData, sample: int) -> np.ndarray:
    """Image ``sample`` as it is: float32 (H, W) or (H, W, 3)."""
    image = data.images[sample]
    return image[0].copy() if image.shape[0] == 1 else image.transpose(1, 2, 0).copy()


def mosaic(tiles: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Tiles (k, H, W[, 3]) side by side, ``columns`` to a row, ``gap`` pixels apart: float32
    (rows*H + (rows-1)*gap, columns*W + (columns-1)*gap[, 3]); gaps and empty places are NaN
    (drawn transparent)."""
    tiles = np.asarray(tiles, dtype=np.float32)
    k, h, w = tiles.shape[:3]
    columns = max(1, min(int(columns), k))
    rows = -(-k // columns)
    out = np.full((rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap) + tiles.shape[3:],
                  np.nan, dtype=np.float32)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = tile
    return out
