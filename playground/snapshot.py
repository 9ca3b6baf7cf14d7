"""Immutable pictures of a training run that the worker hands to the views.

Every array in a snapshot is a copy the worker no longer touches, so the GUI thread may read it
at leisure. Arrays are float32 (the views only draw them).
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Snapshot:
    """One frame of a run.

    generation     : which network this is (the session bumps it at every rebuild)
    step, epoch    : counters after the last update
    steps_per_second : training speed over the last second
    steps_per_frame_at_60 : training steps that fit in one frame at 60 frames a second on this
                     network and machine, measured (0 until some training was timed)
    train_loss, test_loss, train_accuracy, test_accuracy : on the full splits (accuracy None
                     for regression; test values None without test data); a large image set
                     while playing: on its live sample (``images.evaluated_all`` False)
    boundary       : (R, R) output in [0, 1] for two classes, (R, R, K) class probabilities for
                     several, (R, R) predicted value for regression; rows are y, from y_min
    neuron_maps    : per hidden layer, (units, M, M) activations on the map grid
    output_map     : (M, M) the output as a small map (class index or score)
    params         : flat copy of all weights and biases (engine layout)
    history        : rows recorded since the previous snapshot, {column: (k,) array}
    focus          : (R, R) map of the hovered neuron at boundary resolution, or None
    focus_key      : (layer, unit) of that neuron, or None
    detail         : 0 when every grid point was evaluated; higher, a coarser sampling
                     interpolated to the full grids (large networks while training, grids.py)
    learning_rate  : the rate the next update uses (its schedule's, from its start); for
                     second-order methods the last step's line-search step length
    schedule_start : (step, epoch) at which the schedule started (playground.schedule_start)
    images         : the image views' products (ImageProducts) of an image experiment, None
                     for 2-D points; boundary, neuron_maps and output_map are then empty
                     ((0, 0) arrays)
    buffers        : flat copy of the non-trainable state (batch norm's running statistics;
                     (0,) without any), which evaluation reads beside ``params``
    """
    generation: int
    step: int
    epoch: int
    steps_per_second: float
    steps_per_frame_at_60: int
    train_loss: float
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    learning_rate: float
    boundary: np.ndarray
    neuron_maps: tuple
    output_map: np.ndarray
    params: np.ndarray
    history: dict
    focus: np.ndarray | None = None
    focus_key: tuple | None = None
    detail: int = 0
    schedule_start: tuple = (0, 0)
    images: "ImageProducts | None" = None
    buffers: np.ndarray | None = None


@dataclass(frozen=True)
class ImageProducts:
    """What the image views draw from one frame of an image experiment (read-only copies).

    sample_index   : index into the TEST set of the image whose feature maps are shown
    sample_image   : (C, H, W) float32, that test image
    feature_maps   : ((label, maps (C_l, H_l, W_l) float32), ...) one per layer with a spatial
                     output (conv, pool, batch norm or dropout on maps), label "conv 8x14x14"
    filters        : ((label, kernel (O, C, k, k) float32), ...) one per conv layer
    eval_indices   : (n,) int64, which test images the predictions cover
    probabilities  : (n, K) float32 class probabilities on those test images
    true           : (n,) int64 their true classes
    evaluated_all  : True when n is the whole test set and the frame's losses and accuracies
                     are on the whole splits (epoch ends, pause, steps); False while playing on
                     a large set: a fixed sample of each split (playground.image_frames)
    n_test         : size of the whole test set
    class_names    : one name per class
    """
    sample_index: int
    sample_image: np.ndarray
    feature_maps: tuple
    filters: tuple
    eval_indices: np.ndarray
    probabilities: np.ndarray
    true: np.ndarray
    evaluated_all: bool
    n_test: int
    class_names: tuple


def frozen(a: np.ndarray, dtype=np.float32) -> np.ndarray:
    """A read-only copy with NaN and inf replaced (a diverged network still draws)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.nan_to_num(np.array(a, dtype=dtype, copy=True), nan=0.0, posinf=0.0,
                            neginf=0.0)
    out.flags.writeable = False
    return out
