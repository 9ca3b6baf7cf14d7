"""Input features computed from a 2-D point, as in TensorFlow Playground's input column.

``FEATURES`` maps an ASCII key (stored in files) to a ``Feature`` with a display label and the
function of (x1, x2). ``make_features`` stacks the chosen ones into the network's input matrix.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Feature:
    """One input: ``fn(x1, x2)`` maps two float64 (n,) arrays to float64 (n,)."""

    label: str   # for the UI, may use Unicode
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]


FEATURES: dict[str, Feature] = {
    "x1": Feature("X\u2081", lambda x1, x2: x1),
    "x2": Feature("X\u2082", lambda x1, x2: x2),
    "x1^2": Feature("X\u2081\u00b2", lambda x1, x2: x1 * x1),
    "x2^2": Feature("X\u2082\u00b2", lambda x1, x2: x2 * x2),
    "x1*x2": Feature("X\u2081X\u2082", lambda x1, x2: x1 * x2),
    "sin x1": Feature("sin(X\u2081)", lambda x1, x2: np.sin(x1)),
    "sin x2": Feature("sin(X\u2082)", lambda x1, x2: np.sin(x2)),
}

DEFAULT_FEATURES = ("x1", "x2")


def check_feature_names(names) -> tuple[str, ...]:
    """Validate a selection of feature keys; returns it as a tuple.

    Raises ValueError for a bare string, an empty selection, an unknown key (listing the valid
    ones) or a key given twice.
    """
    if isinstance(names, str):
        raise ValueError(f"names must be a sequence of feature keys, not the string {names!r}")
    names = tuple(names)
    if not names:
        raise ValueError("at least one feature must be selected")
    unknown = [name for name in names if name not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature(s) {', '.join(map(repr, unknown))}; "
                         f"valid names: {', '.join(FEATURES)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"feature(s) given more than once: {', '.join(map(repr, repeated))}")
    return names


def make_features(points: np.ndarray, names) -> np.ndarray:
    """Network inputs from points.

    points : float64 (n, 2), columns x1, x2
    names : sequence of ``FEATURES`` keys, in the column order wanted
    Returns float64 (n, len(names)), a new array.
    """
    names = check_feature_names(names)
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {points.shape}")
    x1, x2 = points[:, 0], points[:, 1]
    out = np.empty((len(points), len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        out[:, j] = FEATURES[name].fn(x1, x2)
    return out
