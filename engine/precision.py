"""Floating-point precision of a run: float64 (the default) or float32.

``PRECISIONS`` maps the key a file stores to the numpy type the arrays take. The compiled
kernels are written once for both: numba compiles one specialisation per argument type, and
the arrays a kernel allocates take the type of its arguments (``np.empty(n, X.dtype)``).
"""
import numpy as np

PRECISIONS = {"float64": np.float64, "float32": np.float32}


def as_dtype(precision) -> type:
    """np.float64 or np.float32 for a key of ``PRECISIONS`` or either numpy type (or dtype);
    a ValueError naming the choices for anything else."""
    if isinstance(precision, str):
        if precision in PRECISIONS:
            return PRECISIONS[precision]
    else:
        try:
            dt = np.dtype(precision)
        except TypeError:
            dt = None
        if precision is not None and dt in (np.float64, np.float32):
            return dt.type
    raise ValueError(f"precision must be one of {sorted(PRECISIONS)}, got {precision!r}")
