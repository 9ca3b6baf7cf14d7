"""The run's history: one row per recorded frame, in column buffers that double when full."""
import numpy as np

COLUMNS = ("step", "epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
           "learning_rate")


class History:
    """Growing columns of floats. ``column(name)`` is a view of the filled part (no copy)."""

    def __init__(self, capacity: int = 1024):
        self._data = np.full((len(COLUMNS), capacity), np.nan)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0

    def extend(self, rows: dict) -> None:
        """Append rows given as {column: array}; missing columns are NaN."""
        k = len(rows["step"])
        if not k:
            return
        if self._n + k > self._data.shape[1]:
            size = max(self._data.shape[1] * 2, self._n + k)
            grown = np.full((len(COLUMNS), size), np.nan)
            grown[:, :self._n] = self._data[:, :self._n]
            self._data = grown
        for i, name in enumerate(COLUMNS):
            values = rows.get(name)
            self._data[i, self._n:self._n + k] = np.nan if values is None else values
        self._n += k

    def column(self, name: str) -> np.ndarray:
        return self._data[COLUMNS.index(name), :self._n]

    def last(self, name: str) -> float:
        return float(self._data[COLUMNS.index(name), self._n - 1]) if self._n else float("nan")

    def as_dict(self) -> dict:
        return {name: self.column(name).copy() for name in COLUMNS}
