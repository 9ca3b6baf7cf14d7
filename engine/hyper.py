"""Declared hyperparameters: a default, a valid range and a doc line for each, checked up front.

Optimizers, schedules, initializers and the second-order methods declare their hyperparameters
as a tuple of ``Hyper`` and inherit ``Configurable``: validation with a clear ``ValueError``
(as PyTorch does), ``get_config()`` / ``from_config()`` round trips through experiment files,
and a ``__repr__`` that shows the settings. numpy only, so any layer may import it.
"""
import math
import numbers
from typing import Any, NamedTuple

import numpy as np


class Hyper(NamedTuple):
    """One hyperparameter: its default, valid range and a one-line doc for tooltips.

    kind is "float", "int" (integral values, stored as int) or "bool" (True/False or 1/0,
    stored as bool and passed to kernels as 1.0/0.0).
    """
    name: str
    default: Any
    low: float
    high: float
    doc: str
    low_inclusive: bool = True
    high_inclusive: bool = True
    kind: str = "float"
    allow_none: bool = False   # None is a valid value (e.g. "restart every n iterations")

    def range_text(self):
        """The valid range in interval notation, e.g. "[0, 1)"."""
        if self.kind == "bool":
            return "{True, False}"
        fmt = "d" if self.kind == "int" else "g"
        return (("[" if self.low_inclusive else "(") + f"{self.low:{fmt}}, {self.high:{fmt}}"
                + ("]" if self.high_inclusive else ")") + (" or None" if self.allow_none else ""))

    def check(self, value, owner=""):
        """Return ``value`` converted to this hyper's kind; raise ValueError when it is invalid."""
        if value is None and self.allow_none:
            return None
        where = f"{owner}: " if owner else ""
        bad = ValueError(f"{where}{self.name} = {value!r} is invalid; "
                         f"expected {self.kind} in {self.range_text()}")
        if isinstance(value, (bool, np.bool_)):
            if self.kind == "bool":
                return bool(value)
            raise bad
        if not isinstance(value, numbers.Real):
            raise bad
        x = float(value)
        if not math.isfinite(x):
            raise bad
        if self.kind == "bool":
            if x not in (0.0, 1.0):
                raise bad
            return x == 1.0
        if self.kind == "int" and x != math.floor(x):
            raise bad
        above = x > self.low if not self.low_inclusive else x >= self.low
        below = x < self.high if not self.high_inclusive else x <= self.high
        if not (above and below):
            raise bad
        return int(x) if self.kind == "int" else x


def check_hypers(owner, specs, given):
    """Validate a dict of hyperparameters against ``specs``; return all of them, defaults filled.

    Unknown names raise ValueError listing the known ones.
    """
    known = {h.name: h for h in specs}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"{owner}: unknown hyperparameter(s) {unknown}; "
                         f"known: {list(known) or 'none'}")
    return {h.name: h.check(given.get(h.name, h.default), owner) for h in specs}


def hyper_array(specs, values, length):
    """float64 (length,): the values in ``specs`` order, bools as 1.0/0.0, zero-padded."""
    out = np.zeros(length)
    for i, h in enumerate(specs):
        out[i] = float(values[h.name])
    return out


class Configurable:
    """A named object configured by declared hyperparameters (stored in ``self.hyper``)."""

    name = ""
    HYPERPARAMS: tuple = ()

    def __init__(self, **hyper):
        self.hyper = check_hypers(self.name, self.HYPERPARAMS, hyper)

    def get_config(self):
        """{"name": ..., **hyper}: plain values, round-trips through ``from_config``."""
        return {"name": self.name, **self.hyper}

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        name = cfg.pop("name", cls.name)
        if name != cls.name:
            raise ValueError(f"{cls.__name__}.from_config: config is for {name!r}")
        return cls(**cfg)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({args})"


def check_number(what: str, value, low, high, integer: bool = False):
    """``value`` as int (``integer``) or float, ValueError unless it lies in [low, high] (a
    bool is not a number here; NaN lies in no range)."""
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValueError(f"{what} must be {'an integer' if integer else 'a number'}, got {value!r}")
    if not low <= value <= high:   # also False for NaN
        raise ValueError(f"{what} must be in [{low}, {high}], got {value}")
    return int(value) if integer else float(value)
