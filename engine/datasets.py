"""Seeded 2-D toy data sets, after TensorFlow Playground's ``dataset.ts``.

A generator draws from a ``numpy.random.Generator`` (PCG64) built from the caller's seed, so the
same ``(name, n_points, noise, seed, n_classes)`` always gives the same points. Points lie roughly
in [-6, 6]^2, the window TensorFlow Playground shows.

``noise`` is a fraction in [0, 0.5] (TF Playground's 0..50 % slider). What it does depends on the
set, as in TF Playground; each ``DatasetInfo.noise_effect`` says which:

- label noise (circle, xor, reg_plane, reg_gauss): each label is computed at the point moved by
  ``uniform(-R, R) * noise`` per axis while the point itself stays; at noise 0 labels follow the
  rule exactly.
- jitter (spiral, spiral_k, moons): points move off their curve.
- width (gauss, blobs_k): the blobs' standard deviation grows.

At noise 0 every classification set is separable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from engine.hyper import check_number

TASKS = ("binary", "multiclass", "regression")
MIN_POINTS, MAX_POINTS = 2, 100_000
MAX_NOISE = 0.5
MIN_CLASSES, MAX_CLASSES = 2, 10


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points and their targets; arrays are read-only copies.

    points : float64 (n, 2)
    targets : int64 (n,) class index, 0/1 for "binary", 0..K-1 for "multiclass";
              float64 (n,) values for "regression"
    task : "binary", "multiclass" or "regression"
    n_classes : 2 for "binary", K (2..10) for "multiclass", 0 for "regression"
    name : the ``DATASETS`` key it came from (free text for hand-made sets)
    """

    points: np.ndarray
    targets: np.ndarray
    task: str
    n_classes: int
    name: str = ""

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        points = np.array(self.points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"points must have shape (n, 2), got {points.shape}")
        if not np.isfinite(points).all():
            raise ValueError("points contain NaN or inf")
        targets = np.array(self.targets)
        if targets.shape != (len(points),):
            raise ValueError(f"targets must have shape ({len(points)},), got {targets.shape}")
        if self.task == "regression":
            if self.n_classes != 0:
                raise ValueError(f"a regression set has n_classes 0, got {self.n_classes}")
            targets = targets.astype(np.float64)
            if not np.isfinite(targets).all():
                raise ValueError("regression targets contain NaN or inf")
        else:
            k = self.n_classes
            if self.task == "binary" and k != 2:
                raise ValueError(f"a binary set has n_classes 2, got {k}")
            if not MIN_CLASSES <= k <= MAX_CLASSES:
                raise ValueError(f"n_classes must be in [{MIN_CLASSES}, {MAX_CLASSES}], got {k}")
            as_int = targets.astype(np.int64)
            if targets.size and (np.any(as_int != targets) or as_int.min() < 0 or as_int.max() >= k):
                raise ValueError(f"class targets must be integers in [0, {k - 1}]")
            targets = as_int
        points.setflags(write=False)
        targets.setflags(write=False)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "targets", targets)

    def __len__(self) -> int:
        return len(self.points)

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, task={self.task!r}, n={len(self)}, "
                f"n_classes={self.n_classes})")

    @property
    def n_outputs(self) -> int:
        """Output units a network needs: K for "multiclass", else 1."""
        return self.n_classes if self.task == "multiclass" else 1

    def target_matrix(self) -> np.ndarray:
        """Network targets, float64 (n, n_outputs): 0/1 column for "binary", one-hot rows for
        "multiclass", the values as a column for "regression"."""
        if self.task == "multiclass":
            return np.eye(self.n_classes)[self.targets]
        return self.targets.astype(np.float64).reshape(-1, 1)

    def class_counts(self) -> np.ndarray:
        """Points per class, int64 (n_classes,). Only for classification sets."""
        if self.task == "regression":
            raise ValueError("class_counts() needs a classification set, this one is regression")
        return np.bincount(self.targets, minlength=self.n_classes)

    def subset(self, indices) -> "Dataset":
        """The points at ``indices`` (int array (m,)), in that order, as a new Dataset."""
        idx = np.asarray(indices, dtype=np.int64)
        return Dataset(self.points[idx], self.targets[idx], self.task, self.n_classes, self.name)


# -- generators: (rng, n, noise, k) -> (points float64 (n, 2), targets (n,)) -------------------

def _split_counts(n: int, k: int) -> np.ndarray:
    """Sizes of k groups adding up to n, as equal as possible: int64 (k,)."""
    return np.full(k, n // k, dtype=np.int64) + (np.arange(k) < n % k)


def _polar(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(n, 2) points (r sin a, r cos a), the orientation TF Playground uses."""
    return np.column_stack((r * np.sin(angle), r * np.cos(angle)))


def _label_shift(rng, n: int, noise: float, radius: float) -> np.ndarray:
    """Displacement (n, 2) at which noisy labels are read: uniform(-radius, radius) * noise."""
    return rng.uniform(-radius, radius, size=(n, 2)) * noise


def _circle(rng, n, noise, k):
    """Class 1 inside radius 0.5 R, class 0 in the ring 0.7 R..R (R = 5)."""
    radius = 5.0
    n_out, n_in = _split_counts(n, 2)
    r = np.concatenate((rng.uniform(0.7 * radius, radius, n_out), rng.uniform(0.0, 0.5 * radius, n_in)))
    points = _polar(r, rng.uniform(0.0, 2.0 * np.pi, n))
    seen = points + _label_shift(rng, n, noise, radius)
    return points, (np.hypot(seen[:, 0], seen[:, 1]) < 0.5 * radius).astype(np.int64)


def _xor(rng, n, noise, k):
    """Class 1 where x*y >= 0; |x|, |y| in [0.3, 5.3] keep a margin round the axes."""
    labels = np.repeat(np.arange(2), _split_counts(n, 2))
    sign_x = rng.choice(np.array([-1.0, 1.0]), size=n)
    sign_y = np.where(labels == 1, sign_x, -sign_x)
    points = (rng.uniform(0.0, 5.0, size=(n, 2)) + 0.3) * np.column_stack((sign_x, sign_y))
    seen = points + _label_shift(rng, n, noise, 5.0)
    return points, (seen[:, 0] * seen[:, 1] >= 0).astype(np.int64)


def _blobs(rng, centres: np.ndarray, counts: np.ndarray, std: float):
    """Gaussian blobs round ``centres`` (k, 2), offsets cut off at 3 std so that the blobs stay
    apart when the centres are more than 6 std apart."""
    labels = np.repeat(np.arange(len(centres)), counts)
    offsets = rng.normal(0.0, std, size=(len(labels), 2))
    far = np.hypot(offsets[:, 0], offsets[:, 1]) > 3.0 * std
    while far.any():
        offsets[far] = rng.normal(0.0, std, size=(int(far.sum()), 2))
        far = np.hypot(offsets[:, 0], offsets[:, 1]) > 3.0 * std
    return centres[labels] + offsets, labels


def _gauss(rng, n, noise, k):
    """Class 0 round (-2, -2), class 1 round (2, 2); variance 0.5 + 7 noise (0.5..4)."""
    centres = np.array([[-2.0, -2.0], [2.0, 2.0]])
    return _blobs(rng, centres, _split_counts(n, 2), float(np.sqrt(0.5 + 7.0 * noise)))


def _blobs_k(rng, n, noise, k):
    """k blobs on a circle of radius 3.5; std min(0.5, gap / 8) + 2 noise."""
    angle = np.pi / 4 + 2.0 * np.pi * np.arange(k) / k
    centres = 3.5 * np.column_stack((np.cos(angle), np.sin(angle)))
    gap = 2.0 * 3.5 * np.sin(np.pi / k)
    return _blobs(rng, centres, _split_counts(n, k), min(0.5, gap / 8.0) + 2.0 * noise)


def _arms(rng, counts, labels, turns, r0, jitter):
    """Spiral arms: arm i (rotated 2 pi i / len(counts)) gets label labels[i]; radius r0..5."""
    k = len(counts)
    arm = np.repeat(np.arange(k), counts)
    u = rng.uniform(0.0, 1.0, size=len(arm))
    points = _polar(r0 + (5.0 - r0) * u, turns * 2.0 * np.pi * u + 2.0 * np.pi * arm / k)
    return points + rng.uniform(-1.0, 1.0, size=points.shape) * jitter, np.asarray(labels)[arm]


def _spiral(rng, n, noise, k):
    """TF Playground's two-arm spiral, 1.75 turns; jitter uniform(-1, 1) * noise per axis."""
    return _arms(rng, _split_counts(n, 2), [1, 0], 1.75, 0.0, noise)


def _spiral_k(rng, n, noise, k):
    """k arms, fewer turns for more arms, radius 0.5..5; jitter up to noise * arm spacing."""
    turns = max(0.5, 3.5 / k)
    return _arms(rng, _split_counts(n, k), np.arange(k), turns, 0.5, noise * 4.5 / (turns * k))


def _moons(rng, n, noise, k):
    """Two interleaved half circles (class 0 upper, class 1 lower), scaled by 3.5; gaussian
    jitter with std 0.4 noise before scaling."""
    n0, n1 = _split_counts(n, 2)
    t0, t1 = rng.uniform(0.0, np.pi, n0), rng.uniform(0.0, np.pi, n1)
    upper = np.column_stack((np.cos(t0), np.sin(t0)))
    lower = np.column_stack((1.0 - np.cos(t1), 0.5 - np.sin(t1)))
    unit = np.vstack((upper, lower)) + rng.normal(0.0, 0.4 * noise, size=(n, 2))
    return 3.5 * (unit - [0.5, 0.25]), np.repeat(np.arange(2), (n0, n1))


def _reg_plane(rng, n, noise, k):
    """Uniform in [-6, 6]^2; target (x + y) / 10."""
    points = rng.uniform(-6.0, 6.0, size=(n, 2))
    seen = points + _label_shift(rng, n, noise, 6.0)
    return points, (seen[:, 0] + seen[:, 1]) / 10.0


_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
                  dtype=np.float64)


def _reg_gauss(rng, n, noise, k):
    """Uniform in [-6, 6]^2; target the strongest of six +-1 bumps falling to 0 at distance 2."""
    points = rng.uniform(-6.0, 6.0, size=(n, 2))
    seen = points + _label_shift(rng, n, noise, 6.0)
    dist = np.hypot(seen[:, 0, None] - _BUMPS[:, 0], seen[:, 1, None] - _BUMPS[:, 1])
    values = _BUMPS[:, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)
    return points, values[np.arange(n), np.argmax(np.abs(values), axis=1)]


@dataclass(frozen=True)
class DatasetInfo:
    """How to make one registered set. ``generator(rng, n, noise, k) -> (points, targets)``."""

    label: str
    task: str
    generator: Callable
    takes_n_classes: bool = False
    default_noise: float = 0.0
    default_points: int = 500
    noise_effect: str = "labels"   # "labels", "jitter" or "width"; see the module docstring

    @property
    def default_classes(self) -> int:
        """K used when none is given: 3 for K-class sets, 2 for binary, 0 for regression."""
        return 3 if self.takes_n_classes else {"binary": 2, "regression": 0}[self.task]


DATASETS: dict[str, DatasetInfo] = {
    "circle": DatasetInfo("Circle", "binary", _circle),
    "xor": DatasetInfo("Exclusive or", "binary", _xor),
    "gauss": DatasetInfo("Gaussian", "binary", _gauss, noise_effect="width"),
    "spiral": DatasetInfo("Spiral", "binary", _spiral, noise_effect="jitter"),
    "moons": DatasetInfo("Two moons", "binary", _moons, default_noise=0.1, noise_effect="jitter"),
    "spiral_k": DatasetInfo("Spiral, K classes", "multiclass", _spiral_k, takes_n_classes=True,
                            default_noise=0.1, default_points=600, noise_effect="jitter"),
    "blobs_k": DatasetInfo("Blobs, K classes", "multiclass", _blobs_k, takes_n_classes=True,
                           noise_effect="width"),
    "reg_plane": DatasetInfo("Plane", "regression", _reg_plane),
    "reg_gauss": DatasetInfo("Multi gaussian", "regression", _reg_gauss),
}


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.Generator(np.random.PCG64(int(seed)))


def generate(name: str, n_points: int | None = None, noise: float | None = None, seed: int = 0,
             n_classes: int | None = None) -> Dataset:
    """Make the registered set ``name``, shuffled, deterministically for ``seed``.

    n_points : 2..100000 (default: the set's ``default_points``)
    noise : fraction 0..0.5, TF Playground's 0..50 % (default: the set's ``default_noise``)
    seed : non-negative int seeding a PCG64 generator
    n_classes : 2..10 for the K-class sets (default 3); for the others leave it None (or give
        the set's own count, 2 for binary sets)
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    info = DATASETS[name]
    n = info.default_points if n_points is None else check_number("n_points", n_points, MIN_POINTS, MAX_POINTS, True)
    noise = info.default_noise if noise is None else check_number("noise", noise, 0.0, MAX_NOISE)
    k = info.default_classes
    if n_classes is not None:
        if info.takes_n_classes:
            k = check_number("n_classes", n_classes, MIN_CLASSES, MAX_CLASSES, True)
        elif n_classes != k:
            raise ValueError(f"dataset {name!r} does not take n_classes (got {n_classes!r}); "
                             f"only {', '.join(key for key, d in DATASETS.items() if d.takes_n_classes)} do")
    if n < k:
        raise ValueError(f"n_points ({n}) must be at least n_classes ({k})")
    rng = _rng(seed)
    points, targets = info.generator(rng, n, noise, k)
    order = rng.permutation(n)
    return Dataset(points[order], targets[order], info.task, k, name)


def train_test_split(dataset: Dataset, train_fraction: float = 0.5, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Shuffle with ``seed`` and cut into (train, test); both get at least one point.

    train_fraction : 0.1..0.9; the train set gets round(n * train_fraction) points.
    """
    fraction = check_number("train_fraction", train_fraction, 0.1, 0.9)
    n = len(dataset)
    if n < 2:
        raise ValueError(f"a split needs at least 2 points, the set has {n}")
    n_train = min(max(int(round(n * fraction)), 1), n - 1)
    order = _rng(seed).permutation(n)
    return dataset.subset(order[:n_train]), dataset.subset(order[n_train:])


def data_range(points: np.ndarray, margin: float = 0.5) -> tuple[tuple[float, float], tuple[float, float]]:
    """Square window centred on the origin covering every point plus ``margin`` (data units).

    points : (n, 2). Returns ((-h, h), (-h, h)) with h = max |coordinate| + margin, or 1 when
    that is 0 (no points, all at the origin).
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {points.shape}")
    margin = check_number("margin", margin, 0.0, 1e6)
    if not np.isfinite(points).all():
        raise ValueError("points contain NaN or inf")
    half = (float(np.abs(points).max()) if points.size else 0.0) + margin
    half = half if half > 0.0 else 1.0
    return (-half, half), (-half, half)
