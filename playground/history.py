"""The run's history: one row per recorded frame, in column buffers that double when full.

The columns are declared here, once (``DECLARED``): files store the columns they hold by name,
and a file without a column declared later opens with it empty (NaN), so a new metric is one
more declaration, not a new file-format version. ``step`` and ``epoch`` are always there.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Column:
    """One history column: its name in files and CSV, the label views show, whether it holds
    whole numbers (written without a decimal point in CSV)."""
    name: str
    label: str
    integer: bool = False


DECLARED = {c.name: c for c in (
    Column("step", "Step", integer=True),
    Column("epoch", "Epoch", integer=True),
    Column("train_loss", "Training loss"),
    Column("test_loss", "Test loss"),
    Column("train_accuracy", "Training accuracy"),
    Column("test_accuracy", "Test accuracy"),
    Column("learning_rate", "Learning rate"),
)}
COLUMNS = tuple(DECLARED)
#: Columns every stored history holds.
REQUIRED = ("step", "epoch")


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
