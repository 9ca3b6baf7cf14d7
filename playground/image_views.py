"""What the image views of a conv net show, as plain numpy: no Qt, so every rule is tested headless.

- ``confusion_matrix(true, predicted, k)``: counts[t, p] of test images of true class t predicted
  as p; ``row_normalised``, ``per_class_accuracy`` (the diagonal over each row) and
  ``overall_accuracy`` read it.
- ``misclassified(true, predicted, confidence)``: the wrong answers, the most confident first;
  ``mistakes(true, probabilities)`` the same from the network's probabilities.
- ``filter_peaks`` / ``normalise_filters`` / ``diverging_indices``: filters for display, each
  scaled symmetrically by its own largest magnitude so that zero is always the middle colour.
- ``map_peaks`` / ``map_indices``: feature maps for display, each over its own range, zero in the
  middle; ``grid_shape`` / ``tile``: how many tiles per row and the tiles as one mosaic.
- ``DrawingStyle`` / ``preprocess_drawing``: a drawn stroke image turned into an image like the
  training images: the ink cropped, scaled (aspect kept) so it spans as much of the side as the
  training images' ink does, placed so its centre of mass is the image centre, in the training
  images' value range. For MNIST that is MNIST's own recipe: a 20x20 box centred by centre of mass
  in 28x28.

Arrays follow the engine's layout: images (n, C, H, W), filters (O, C, k, k), maps (C, H, W).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: Colour-table entries of the diverging maps: an odd count, so value 0 is exactly the middle
#: entry (MID_INDEX) and -peak and +peak the two ends.
DIVERGING_STEPS = 255
MID_INDEX = (DIVERGING_STEPS - 1) // 2
#: A filter or map whose largest magnitude is below this counts as all zero (shown mid colour).
TINY = 1e-12
#: Ink below this fraction of the stroke image's largest value is background when cropping.
INK_THRESHOLD = 0.05
#: Training images' ink, for how far it spans: above this share of full ink after a 3x3 mean.
SPAN_THRESHOLD = 0.4
#: MNIST's box: the digit's longer side is 20 of the 28 pixels.
MNIST_FILL = 20.0 / 28.0


# ---- confusion matrix ------------------------------------------------------------------------
def _labels(name: str, values, k: int) -> np.ndarray:
    a = np.asarray(values)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of class indices, got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        if not np.all(np.equal(np.mod(a, 1), 0)):
            raise ValueError(f"{name} must hold whole class indices")
    a = a.astype(np.int64)
    if a.size and (a.min() < 0 or a.max() >= k):
        raise ValueError(f"{name} must lie in 0..{k - 1}, got {a.min()}..{a.max()}")
    return a


def confusion_matrix(true, predicted, n_classes: int) -> np.ndarray:
    """int64 (K, K) counts: [t, p] is how many images of true class t were predicted as p.

    true, predicted : (n,) class indices in 0..n_classes-1
    """
    k = int(n_classes)
    if k < 1:
        raise ValueError(f"n_classes must be at least 1, got {n_classes}")
    t, p = _labels("true", true, k), _labels("predicted", predicted, k)
    if t.shape != p.shape:
        raise ValueError(f"true and predicted differ in length: {t.size} and {p.size}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def _counts(counts) -> np.ndarray:
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"counts must be a square (K, K) array, got shape {c.shape}")
    return c.astype(np.float64)


def row_normalised(counts) -> np.ndarray:
    """float64 (K, K): each row of counts divided by its sum (the share of class t's images
    given each answer); a row with no images stays 0."""
    c = _counts(counts)
    rows = c.sum(axis=1, keepdims=True)
    return np.divide(c, rows, out=np.zeros_like(c), where=rows > 0)


def per_class_accuracy(counts) -> np.ndarray:
    """float64 (K,): the share of each true class's images predicted right (the diagonal over
    the row sum); NaN for a class with no images."""
    c = _counts(counts)
    rows = c.sum(axis=1)
    return np.divide(np.diag(c), rows, out=np.full(len(c), np.nan), where=rows > 0)


def overall_accuracy(counts) -> float:
    """The share of all images predicted right; NaN when there are none."""
    c = _counts(counts)
    total = c.sum()
    return float(np.trace(c) / total) if total > 0 else math.nan


# ---- misclassified ---------------------------------------------------------------------------
def misclassified(true, predicted, confidence) -> np.ndarray:
    """int64 indices of the images with predicted != true, the most confident mistake first
    (equal confidences keep their order).

    true, predicted : (n,) class indices; confidence : (n,) the predicted class's probability
    """
    t, p = np.asarray(true).ravel(), np.asarray(predicted).ravel()
    conf = np.asarray(confidence, dtype=np.float64).ravel()
    if not (t.shape == p.shape == conf.shape):
        raise ValueError(f"true, predicted and confidence differ in length: "
                         f"{t.size}, {p.size} and {conf.size}")
    wrong = np.flatnonzero(t != p)
    order = np.argsort(-conf[wrong], kind="stable")
    return wrong[order].astype(np.int64)


def top_predictions(probabilities) -> tuple[np.ndarray, np.ndarray]:
    """(predicted (n,), confidence (n,)) of class probabilities (n, K): the likeliest class and
    its probability."""
    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.ndim != 2:
        raise ValueError(f"probabilities must be (n, K), got shape {probs.shape}")
    predicted = np.argmax(probs, axis=1)
    return predicted.astype(np.int64), probs[np.arange(len(probs)), predicted]


def mistakes(true, probabilities, limit: int | None = None) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """What the gallery shows, from the test labels (n,) and the network's class probabilities
    (n, K): (indices, predicted, confidence) of the misclassified images, the most confident
    first, at most ``limit`` of them."""
    predicted, confidence = top_predictions(probabilities)
    order = misclassified(true, predicted, confidence)[:limit]
    return order, predicted[order], confidence[order]


def caption(true_name: str, predicted_name: str, confidence: float) -> str:
    """A gallery caption: "circle \u2192 square (87%)"."""
    return f"{true_name} \u2192 {predicted_name} ({100.0 * float(confidence):.0f}%)"


def percent(share: float) -> str:
    """A share as "94.2%" ("\u2013" when there is none)."""
    return "\u2013" if not np.isfinite(share) else f"{100.0 * share:.1f}%"


# ---- filters and maps ------------------------------------------------------------------------
def filter_peaks(weights) -> np.ndarray:
    """float64 (O,): each filter's largest |weight| over all its channels, for weights
    (O, C, k, k)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"filters must be (O, C, k, k), got shape {w.shape}")
    return np.abs(w).reshape(len(w), -1).max(axis=1, initial=0.0)


def normalise_filters(weights) -> np.ndarray:
    """float64 (O, C, k, k) in [-1, 1]: each filter divided by its own largest |weight|, so
    zero stays zero and the strongest weight of every filter is -1 or +1 (an all-zero filter
    stays zero)."""
    w = np.asarray(weights, dtype=np.float64)
    peaks = filter_peaks(w)
    scale = np.where(peaks > TINY, peaks, 1.0)
    return w / scale[:, None, None, None]


def diverging_indices(values) -> np.ndarray:
    """uint8 colour-table indices of values in [-1, 1] (clipped): -1 -> 0, 0 -> MID_INDEX,
    +1 -> DIVERGING_STEPS - 1; NaN -> MID_INDEX."""
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0), -1.0, 1.0)
    # Halves round away from zero, so -v and +v lie equally far from the middle.
    steps = np.floor(np.abs(v) * MID_INDEX + 0.5)
    return (MID_INDEX + np.sign(v) * steps).astype(np.uint8)


def map_peaks(maps) -> np.ndarray:
    """float64 (C,): each map's largest |value|, for maps (C, H, W)."""
    m = np.asarray(maps, dtype=np.float64)
    if m.ndim != 3:
        raise ValueError(f"maps must be (C, H, W), got shape {m.shape}")
    return np.abs(np.nan_to_num(m)).reshape(len(m), -1).max(axis=1, initial=0.0)


def map_indices(maps) -> np.ndarray:
    """uint8 (C, H, W) colour-table indices: each map over [-peak, +peak] of its own, zero the
    middle colour (a ReLU map then runs from the middle colour to the positive end)."""
    m = np.asarray(maps, dtype=np.float64)
    peaks = map_peaks(m)
    scale = np.where(peaks > TINY, peaks, 1.0)
    return diverging_indices(m / scale[:, None, None])


def gray_levels(image, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """uint8 (H, W) of a one-channel image (H, W) over [lo, hi]: lo (background) 0, hi (ink) 255."""
    img = np.nan_to_num(np.asarray(image, dtype=np.float64))
    span = hi - lo if hi > lo else 1.0
    return np.rint(np.clip((img - lo) / span, 0.0, 1.0) * 255.0).astype(np.uint8)


def shape_label(label: str, shape) -> str:
    """A layer's title with its output shape: ("conv", (8, 14, 14)) -> "conv 8x14x14"."""
    return f"{label} {'x'.join(str(int(s)) for s in shape)}".strip()


def grid_shape(n: int, width: float, height: float, aspect: float = 1.0,
               label_height: float = 0.0, gap: float = 0.0) -> tuple[int, int, float]:
    """(rows, cols, side): how to lay out n tiles (each ``side`` wide, ``aspect * side`` tall,
    with ``label_height`` above it and ``gap`` around it) in a width x height area so that the
    tiles are as large as they can be."""
    if n <= 0:
        return 0, 0, 0.0
    best = (1, n, 0.0)
    for cols in range(1, n + 1):
        rows = -(-n // cols)
        side_w = (width - gap * (cols - 1)) / cols
        side_h = ((height - gap * (rows - 1)) / rows - label_height) / aspect
        side = min(side_w, side_h)
        if side > best[2]:
            best = (rows, cols, side)
    return best[0], best[1], max(best[2], 0.0)


def tile(images, cols: int, gap: int = 1, fill=0) -> np.ndarray:
    """One mosaic (rows*(H+gap)-gap, cols*(W+gap)-gap) of images (n, H, W), row-major, the gaps
    and empty places filled with ``fill``."""
    imgs = np.asarray(images)
    if imgs.ndim != 3:
        raise ValueError(f"images must be (n, H, W), got shape {imgs.shape}")
    n, h, w = imgs.shape
    cols = max(1, int(cols))
    rows = max(1, -(-n // cols))
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), fill, dtype=imgs.dtype)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = imgs[i]
    return out


# ---- the drawing canvas ----------------------------------------------------------------------
def centre_of_mass(image) -> tuple[float, float]:
    """(row, column) of an image's ink (H, W) weighted by value; the image centre when empty."""
    img = np.clip(np.nan_to_num(np.asarray(image, dtype=np.float64)), 0.0, None)
    h, w = img.shape
    total = img.sum()
    if total <= 0:
        return (h - 1) / 2.0, (w - 1) / 2.0
    rows, cols = np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64)
    return float(img.sum(axis=1) @ rows / total), float(img.sum(axis=0) @ cols / total)


def area_resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of area-averaging resampling along one axis: output pixel i is
    the mean of the input over its share [i * n_in / n_out, (i + 1) * n_in / n_out)."""
    edges = np.arange(n_out + 1, dtype=np.float64) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    j = np.arange(n_in, dtype=np.float64)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1.0) - np.maximum(lo, j), 0.0, None)
    return overlap / (n_in / n_out)


def ink_extent(image, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), inclusive, of the pixels above ``threshold`` times the
    image's largest value; None when there is no ink."""
    img = np.nan_to_num(np.asarray(image, dtype=np.float64))
    peak = img.max(initial=0.0)
    if peak <= 0:
        return None
    rows = np.flatnonzero((img > threshold * peak).any(axis=1))
    cols = np.flatnonzero((img > threshold * peak).any(axis=0))
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


@dataclass(frozen=True)
class DrawingStyle:
    """What a drawing must look like to the network: like its training images.

    channels, height, width : the training images' shape (C, H, W)
    fill : the longer side of the ink spans this fraction of the image side
    background, ink : the value of an empty pixel and of full ink
    """
    channels: int = 1
    height: int = 28
    width: int = 28
    fill: float = MNIST_FILL
    background: float = 0.0
    ink: float = 1.0

    def __post_init__(self):
        if self.channels < 1 or self.height < 2 or self.width < 2:
            raise ValueError(f"a drawing needs at least 1 channel and 2x2 pixels, got "
                             f"{self.channels}x{self.height}x{self.width}")
        if not 0.0 < self.fill <= 1.0:
            raise ValueError(f"fill must lie in (0, 1], got {self.fill}")

    @classmethod
    def like(cls, images) -> "DrawingStyle":
        """The style of training images (n, C, H, W): their shape, value range (the lowest
        value is the background, the highest full ink) and the median share of the side that
        their ink spans (of the first 500 images)."""
        imgs = np.asarray(images, dtype=np.float64)
        if imgs.ndim != 4 or len(imgs) == 0:
            raise ValueError(f"images must be a non-empty (n, C, H, W) array, got shape "
                             f"{imgs.shape}")
        n, c, h, w = imgs.shape
        lo, hi = float(imgs.min()), float(imgs.max())
        span = hi - lo if hi > lo else 1.0
        # Ink: above SPAN_THRESHOLD of full ink after a 3x3 mean, which quiets pixel noise
        # (a lone noisy pixel is diluted ninefold) but keeps a solid stroke's extent.
        ink = (imgs[:min(n, 500)].mean(axis=1) - lo) / span
        padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)), mode="edge")
        smooth = sliding_window_view(padded, (3, 3), axis=(1, 2)).mean(axis=(-2, -1))
        spans = []
        for img in smooth > SPAN_THRESHOLD:
            rows, cols = np.flatnonzero(img.any(axis=1)), np.flatnonzero(img.any(axis=0))
            if rows.size:
                spans.append(max((rows[-1] - rows[0] + 1) / h, (cols[-1] - cols[0] + 1) / w))
        fill = float(np.median(spans)) if spans else MNIST_FILL
        return cls(c, h, w, min(max(fill, 0.1), 1.0), lo, hi if hi > lo else lo + 1.0)


def preprocess_drawing(strokes, style: DrawingStyle = DrawingStyle()) -> np.ndarray:
    """float32 (C, H, W): a drawn stroke image (h, w), ink 1 on background 0, as a training
    image of ``style``: the ink's bounding box cropped and squared (aspect kept), scaled by
    area averaging so its longer side spans ``style.fill`` of the image, placed so its centre
    of mass falls on the image centre (to the nearest pixel), mapped to the style's values.
    An empty drawing gives the background."""
    s = np.clip(np.nan_to_num(np.asarray(strokes, dtype=np.float64)), 0.0, 1.0)
    if s.ndim != 2:
        raise ValueError(f"strokes must be a 2-d image, got shape {s.shape}")
    h, w = style.height, style.width
    out = np.zeros((h, w))
    box = ink_extent(s)
    if box is not None:
        top, bottom, left, right = box
        crop = s[top:bottom + 1, left:right + 1]
        side = max(crop.shape)
        square = np.zeros((side, side))
        r0, c0 = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
        square[r0:r0 + crop.shape[0], c0:c0 + crop.shape[1]] = crop
        box_h = max(1, int(round(style.fill * h)))
        box_w = max(1, int(round(style.fill * w)))
        scaled = area_resample_matrix(side, box_h) @ square @ area_resample_matrix(side, box_w).T
        # Where the scaled ink's centre of mass lands on the image centre.
        cy, cx = centre_of_mass(scaled)
        top_row = int(round((h - 1) / 2.0 - cy))
        left_col = int(round((w - 1) / 2.0 - cx))
        _paste(out, scaled, top_row, left_col)
    values = style.background + (style.ink - style.background) * out
    return np.repeat(values[None], style.channels, axis=0).astype(np.float32)


def _paste(out: np.ndarray, patch: np.ndarray, top: int, left: int) -> None:
    """out[top:, left:] = patch, the part of patch that falls outside out dropped."""
    h, w = out.shape
    ph, pw = patch.shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + ph, h), min(left + pw, w)
    if r1 > r0 and c1 > c0:
        out[r0:r1, c0:c1] = patch[r0 - top:r1 - top, c0 - left:c1 - left]
