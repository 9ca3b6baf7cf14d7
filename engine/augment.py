"""Data augmentation of image batches: shifts, flips, small rotations, contrast, brightness, noise.

Each training image is changed a little every time it is used, so the network cannot learn the
exact pixels. Per sample, with the strengths of an ``Augmentation``:

- geometry (one bilinear resampling, zero outside the image): a horizontal flip with probability
  ``flip_probability``, a rotation about the image centre by an angle uniform in
  [-rotate_degrees, rotate_degrees] (counter-clockwise as seen), then a shift by whole pixels
  (dy, dx), each uniform over -shift_pixels..shift_pixels (a random crop of the zero-padded image);
- contrast: x <- m + c (x - m), m the sample's mean after the geometry, c uniform in
  [1 - contrast_delta, 1 + contrast_delta];
- brightness: x <- x + b, b uniform in [-brightness_delta, brightness_delta];
- noise: x <- x + noise_std * z per value, z standard normal (Box-Muller);
- finally clipped to [0, 1].

A transform that is switched off, or whose strength is 0, leaves the image exactly as it was.
The draws come from the counter-based hash of ``engine.rng`` (stream ``rng.AUGMENT``): sample
``row`` at training step ``step`` of a run with seed ``seed`` always gets the same change, however
the batch is made up or chunked.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from engine import rng
from engine.hyper import Configurable, Hyper

# name of the toggle -> name of its strength, in the order they are applied
TRANSFORMS = {
    "flip": "flip_probability",
    "rotate": "rotate_degrees",
    "shift": "shift_pixels",
    "contrast": "contrast_delta",
    "brightness": "brightness_delta",
    "noise": "noise_std",
}
N_HYPER = 6          # the kernel's strength vector, in TRANSFORMS order (0 where switched off)
_FLIP, _ANGLE, _DY, _DX, _CONTRAST, _BRIGHTNESS = range(6)   # per-sample draws
N_DRAWS = 6
_NOISE_BASE = 8      # the noise of elements 2q and 2q + 1 comes from draws _NOISE_BASE + 2q, + 2q + 1


class Augmentation(Configurable):
    """Which transforms are on and how strong each is; checked up front (ValueError by name).

    >>> Augmentation(shift=True, shift_pixels=3).vector()   # float64 (N_HYPER,)
    """

    name = "augmentation"
    HYPERPARAMS = (
        Hyper("flip", False, 0, 1, "mirror left-right at random", kind="bool"),
        Hyper("flip_probability", 0.5, 0.0, 1.0, "chance that a sample is mirrored"),
        Hyper("rotate", False, 0, 1, "turn by a small random angle", kind="bool"),
        Hyper("rotate_degrees", 10.0, 0.0, 45.0, "largest rotation either way, in degrees"),
        Hyper("shift", False, 0, 1, "move by whole pixels (a random crop of the padded image)",
              kind="bool"),
        Hyper("shift_pixels", 2, 0, 8, "largest shift per axis, in pixels", kind="int"),
        Hyper("contrast", False, 0, 1, "stretch or flatten about the sample's mean", kind="bool"),
        Hyper("contrast_delta", 0.2, 0.0, 0.9, "contrast factor within 1 +- this"),
        Hyper("brightness", False, 0, 1, "add a random offset to every pixel", kind="bool"),
        Hyper("brightness_delta", 0.1, 0.0, 0.5, "largest offset either way"),
        Hyper("noise", False, 0, 1, "add Gaussian noise to every pixel", kind="bool"),
        Hyper("noise_std", 0.05, 0.0, 0.5, "standard deviation of the noise"),
    )

    def vector(self) -> np.ndarray:
        """float64 (N_HYPER,): each strength in ``TRANSFORMS`` order, 0 where switched off."""
        return np.array([float(self.hyper[strength]) if self.hyper[toggle] else 0.0
                         for toggle, strength in TRANSFORMS.items()])

    @property
    def active(self) -> bool:
        """Whether any transform would change an image."""
        return bool(self.vector().any())

    def replace(self, **changes) -> "Augmentation":
        """A copy with some settings changed (validated like the constructor)."""
        return Augmentation(**{**self.hyper, **changes})


@njit(cache=True, nogil=True)
def _sample_key(seed, step, row):
    return rng.key(rng.key(seed, rng.AUGMENT, step), 0, row)


@njit(cache=True, nogil=True)
def _draw(k, hyper, p):
    """The sample's transform parameters (p: float64 (N_DRAWS,)) from its key k."""
    p[_FLIP] = 1.0 if rng.uniform(k, 0) < hyper[0] else 0.0
    p[_ANGLE] = (2.0 * rng.uniform(k, 1) - 1.0) * hyper[1]
    s = hyper[2]
    p[_DY] = np.floor(rng.uniform(k, 2) * (2.0 * s + 1.0)) - s
    p[_DX] = np.floor(rng.uniform(k, 3) * (2.0 * s + 1.0)) - s
    p[_CONTRAST] = 1.0 + (2.0 * rng.uniform(k, 4) - 1.0) * hyper[3]
    p[_BRIGHTNESS] = (2.0 * rng.uniform(k, 5) - 1.0) * hyper[4]


@njit(cache=True, nogil=True)
def _warp(x, out, cos_a, sin_a, dy, dx, flip):
    """Geometry of one sample, x and out (C, H, W): out(r, c) samples x bilinearly at the point
    that flip, rotation (cos_a, sin_a, y up) and shift (dy, dx) carry onto (r, c); 0 outside.
    Without rotation every sample point is a pixel centre: a plain copy."""
    C, H, W = x.shape
    if cos_a == 1.0 and sin_a == 0.0 and dy == np.floor(dy) and dx == np.floor(dx):
        sy, sx = np.int64(dy), np.int64(dx)
        for ch in range(C):
            for r in range(H):
                i = r - sy
                for c in range(W):
                    j = c - sx
                    if flip:
                        j = W - 1 - j
                    out[ch, r, c] = x[ch, i, j] if 0 <= i < H and 0 <= j < W else 0.0
        return
    cy, cx = (H - 1) * 0.5, (W - 1) * 0.5
    for r in range(H):
        for c in range(W):
            u = (c - dx) - cx                      # undo the shift, centre, y up
            v = cy - (r - dy)
            sr = cy - (-sin_a * u + cos_a * v)     # undo the rotation
            sc = cx + (cos_a * u + sin_a * v)
            if flip:
                sc = (W - 1) - sc
            r0, c0 = np.floor(sr), np.floor(sc)
            fy, fx = sr - r0, sc - c0
            i0, j0 = np.int64(r0), np.int64(c0)
            # the four neighbours' weights, 0 for a neighbour outside the image
            w00 = (1.0 - fy) * (1.0 - fx) if 0 <= i0 < H and 0 <= j0 < W else 0.0
            w01 = (1.0 - fy) * fx if 0 <= i0 < H and 0 <= j0 + 1 < W else 0.0
            w10 = fy * (1.0 - fx) if 0 <= i0 + 1 < H and 0 <= j0 < W else 0.0
            w11 = fy * fx if 0 <= i0 + 1 < H and 0 <= j0 + 1 < W else 0.0
            ia, ib = min(max(i0, 0), H - 1), min(max(i0 + 1, 0), H - 1)   # safe indices
            ja, jb = min(max(j0, 0), W - 1), min(max(j0 + 1, 0), W - 1)
            for ch in range(C):
                out[ch, r, c] = ((w00 * x[ch, ia, ja] + w01 * x[ch, ia, jb])
                                 + (w10 * x[ch, ib, ja] + w11 * x[ch, ib, jb]))


@njit(cache=True, nogil=True)
def _augment_one(x, out, hyper, noise_std, k):
    p = np.empty(N_DRAWS)
    _draw(k, hyper, p)
    angle = np.deg2rad(p[_ANGLE])
    _warp(x, out, np.cos(angle), np.sin(angle), p[_DY], p[_DX], p[_FLIP] > 0.0)
    flat = out.reshape(out.size)
    n = flat.size
    c_factor, bright = p[_CONTRAST], p[_BRIGHTNESS]
    if c_factor != 1.0:
        mean = 0.0
        for e in range(n):
            mean += flat[e]
        mean /= n
        for e in range(n):
            flat[e] = mean + c_factor * (flat[e] - mean)
    if noise_std > 0.0:
        # Box-Muller: draws 2q and 2q + 1 give the normals of elements 2q and 2q + 1
        for q in range((n + 1) // 2):
            u1 = rng.uniform(k, _NOISE_BASE + 2 * q)
            u2 = rng.uniform(k, _NOISE_BASE + 2 * q + 1)
            radius = noise_std * np.sqrt(-2.0 * np.log(1.0 - u1))
            flat[2 * q] += radius * np.cos(2.0 * np.pi * u2)
            if 2 * q + 1 < n:
                flat[2 * q + 1] += radius * np.sin(2.0 * np.pi * u2)
    for e in range(n):
        flat[e] = min(max(flat[e] + bright, 0.0), 1.0)


@njit(cache=True, nogil=True)
def augment_sample(x, out, hyper, seed, step, row):
    """One training sample, compiled, callable from other kernels (no checks): x and out float64
    (C, H, W), distinct (``X[row].reshape((C, H, W))`` of a row-major (n, C*H*W) set is a view);
    hyper float64 (N_HYPER,) from ``Augmentation.vector()``; seed, step, row int >= 0."""
    _augment_one(x, out, hyper, hyper[5], _sample_key(seed, step, row))


@njit(cache=True, nogil=True)
def augment_kernel(X, out, hyper, seed, step, row_ids):
    """Compiled core of ``augment_batch``, callable from other kernels (no checks).

    X, out : float64 (n, C, H, W), distinct;  hyper : float64 (N_HYPER,) from
    ``Augmentation.vector()``;  seed, step : int >= 0;  row_ids : int64 (n,) >= 0
    """
    for s in range(X.shape[0]):
        augment_sample(X[s], out[s], hyper, seed, step, row_ids[s])


@njit(cache=True, nogil=True)
def _preview_kernel(image, out, hyper, seed, row):
    for j in range(out.shape[0]):
        _augment_one(image, out[j], hyper, hyper[5], _sample_key(seed, j, row))


@njit(cache=True, nogil=True)
def _draw_kernel(hyper, seed, step, row_ids, p):
    for s in range(row_ids.shape[0]):
        _draw(_sample_key(seed, step, row_ids[s]), hyper, p[s])


def _check_int(what, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {value!r}")
    return int(value)


def _check_settings(settings):
    if not isinstance(settings, Augmentation):
        raise ValueError(f"settings must be an Augmentation, got {type(settings).__name__}")
    return settings.vector()


def _check_rows(row_ids, n):
    rows = np.asarray(row_ids)
    if rows.shape != (n,) or rows.dtype.kind not in "iu":
        raise ValueError(f"row_ids must be integers of shape ({n},), got {rows.dtype} {rows.shape}")
    if n and rows.min() < 0:
        raise ValueError("row_ids must be non-negative (the samples' indices in the training set)")
    return np.ascontiguousarray(rows, dtype=np.int64)


def sample_parameters(settings, seed, step, row_ids) -> dict:
    """The transform each sample gets: {name: float64 (n,)} with names "flip" (1.0 or 0.0),
    "angle" (degrees), "dy", "dx" (whole pixels), "contrast" (factor), "brightness" (offset).
    Exactly what ``augment_batch`` applies for the same arguments (noise aside)."""
    hyper = _check_settings(settings)
    seed, step = _check_int("seed", seed), _check_int("step", step)
    if np.ndim(row_ids) != 1:
        raise ValueError(f"row_ids must be one-dimensional, got shape {np.shape(row_ids)}")
    rows = _check_rows(row_ids, len(row_ids))
    p = np.empty((len(rows), N_DRAWS))
    _draw_kernel(hyper, seed, step, rows, p)
    return dict(zip(("flip", "angle", "dy", "dx", "contrast", "brightness"), p.T.copy()))


def augment_batch(X, out, settings, seed, step, row_ids) -> np.ndarray:
    """Write the augmented training batch ``X`` into ``out`` and return ``out``.

    X : float64 (n, C, H, W), values in [0, 1]; left unchanged
    out : float64 (n, C, H, W), C-contiguous, not overlapping X
    settings : Augmentation
    seed : the run's seed;  step : the training step (0-based) this batch is for
    row_ids : int (n,): each sample's index in the training set
    The same (seed, step, row) gives the same result for that sample in any batch.
    """
    hyper = _check_settings(settings)
    seed, step = _check_int("seed", seed), _check_int("step", step)
    for what, a in (("X", X), ("out", out)):
        if not isinstance(a, np.ndarray) or a.dtype != np.float64 or a.ndim != 4:
            raise ValueError(f"{what} must be a float64 array of shape (n, C, H, W), got "
                             f"{getattr(a, 'dtype', type(a).__name__)} {np.shape(a)}")
    if out.shape != X.shape:
        raise ValueError(f"out has shape {out.shape}, X {X.shape}: they must agree")
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("out must be a writable C-contiguous array")
    if np.shares_memory(X, out):
        raise ValueError("out must not overlap X (augmentation reads neighbouring pixels)")
    rows = _check_rows(row_ids, X.shape[0])
    augment_kernel(np.ascontiguousarray(X), out, hyper, seed, step, rows)
    return out


def warp(image, angle, dy=0.0, dx=0.0, flip=False) -> np.ndarray:
    """The geometric step alone on one image, for inspection and tests.

    image : float (C, H, W);  angle : degrees, counter-clockwise as seen;  dy, dx : pixels
    (down, right);  flip : mirror left-right first.  Returns float64 (C, H, W).
    """
    x = np.ascontiguousarray(image, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"image must have shape (C, H, W), got {x.shape}")
    out = np.empty_like(x)
    a = np.deg2rad(float(angle))
    _warp(x, out, np.cos(a), np.sin(a), float(dy), float(dx), bool(flip))
    return out


def augment_previews(X, index, settings, count, seed=0) -> np.ndarray:
    """``count`` augmented versions of sample ``index`` of X (the preview grid): version j is
    what training step j would make of it. X : float (n, C, H, W). Returns float64
    (count, C, H, W)."""
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"X must have shape (n, C, H, W), got {X.shape}")
    index = _check_int("index", index)
    if index >= len(X):
        raise ValueError(f"index {index} is outside 0..{len(X) - 1}")
    count = _check_int("count", count)
    hyper = _check_settings(settings)
    seed = _check_int("seed", seed)
    image = np.ascontiguousarray(X[index], dtype=np.float64)
    out = np.empty((count,) + image.shape)
    _preview_kernel(image, out, hyper, seed, index)
    return out
