"""Per-column standardisation fitted on the training data.

``Standardizer().fit(X_train)`` learns each column's mean and population standard deviation;
``transform`` applies those same statistics to any data (train, test, the boundary grid). A
column with (numerically) zero spread keeps std 1, so nothing divides by 0. The same class
standardises regression targets given as a (n, 1) column; ``inverse_transform`` maps predictions
back. ``Standardizer.identity(d)`` stands in when normalisation is switched off.
"""
from __future__ import annotations

import numpy as np

# A std at or below this fraction of max(1, |mean|) counts as a constant column.
_CONSTANT_RTOL = 1e-12


def _as_matrix(X, what: str = "X") -> np.ndarray:
    """X as float64 (n, d); ValueError naming the first row with NaN or inf."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"{what} must be 2-D (n, d), got shape {X.shape}; "
                         f"reshape a single column with .reshape(-1, 1)")
    bad = ~np.isfinite(X)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"{what} has a non-finite value ({X[row, col]}) at row {row}, column {col}")
    return X


class Standardizer:
    """z = (x - mean) / std per column.

    mean, std : float64 (d,) once fitted (None before); std > 0.
    """

    def __init__(self, mean=None, std=None):
        if (mean is None) != (std is None):
            raise ValueError("give both mean and std, or neither")
        self.mean = self.std = None
        if mean is not None:
            self._set(mean, std)

    def _set(self, mean, std) -> None:
        mean = np.array(mean, dtype=np.float64)
        std = np.array(std, dtype=np.float64)
        if mean.ndim != 1 or mean.shape != std.shape or mean.size == 0:
            raise ValueError(f"mean and std must be 1-D of the same non-zero length, "
                             f"got shapes {mean.shape} and {std.shape}")
        if not np.isfinite(mean).all():
            raise ValueError("mean must be finite")
        if not (np.isfinite(std).all() and (std > 0).all()):
            raise ValueError(f"std must be finite and > 0, got {std.tolist()}")
        self.mean, self.std = mean, std

    @classmethod
    def identity(cls, n_features: int) -> "Standardizer":
        """A standardizer that changes nothing: mean 0, std 1 for ``n_features`` columns."""
        if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) or n_features < 1:
            raise ValueError(f"n_features must be an integer >= 1, got {n_features!r}")
        return cls(np.zeros(n_features), np.ones(n_features))

    @property
    def fitted(self) -> bool:
        return self.mean is not None

    @property
    def n_features(self) -> int | None:
        return None if self.mean is None else len(self.mean)

    @property
    def is_identity(self) -> bool:
        return self.fitted and not self.mean.any() and bool((self.std == 1.0).all())

    def __repr__(self) -> str:
        if not self.fitted:
            return "Standardizer(unfitted)"
        return f"Standardizer(mean={np.round(self.mean, 4).tolist()}, std={np.round(self.std, 4).tolist()})"

    def fit(self, X) -> "Standardizer":
        """Learn mean and population std (ddof 0) of each column of X, float64 (n, d), n >= 1."""
        X = _as_matrix(X)
        if len(X) == 0 or X.shape[1] == 0:
            raise ValueError(f"cannot fit on an empty array of shape {X.shape}")
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        constant = std <= _CONSTANT_RTOL * np.maximum(1.0, np.abs(mean))
        self._set(mean, np.where(constant, 1.0, std))
        return self

    def _check(self, X, what: str) -> np.ndarray:
        if not self.fitted:
            raise RuntimeError("Standardizer is not fitted; call fit(X) or use Standardizer.identity(d)")
        X = _as_matrix(X, what)
        if X.shape[1] != len(self.mean):
            raise ValueError(f"{what} has {X.shape[1]} columns, the standardizer was fitted on {len(self.mean)}")
        return X

    def transform(self, X) -> np.ndarray:
        """(X - mean) / std with the fitted statistics; X float64 (n, d) -> new float64 (n, d)."""
        return (self._check(X, "X") - self.mean) / self.std

    def fit_transform(self, X) -> np.ndarray:
        """fit(X) then transform(X)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Z * std + mean; Z float64 (n, d) -> new float64 (n, d)."""
        return self._check(Z, "Z") * self.std + self.mean

    def to_dict(self) -> dict:
        """Plain lists for JSON: {"mean": [...], "std": [...]} (both None when unfitted)."""
        if not self.fitted:
            return {"mean": None, "std": None}
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> "Standardizer":
        """Inverse of ``to_dict``; ValueError on missing keys or bad values."""
        if not isinstance(d, dict) or set(d) != {"mean", "std"}:
            raise ValueError(f"expected a dict with keys 'mean' and 'std', got {d!r}")
        return cls(d["mean"], d["std"])
