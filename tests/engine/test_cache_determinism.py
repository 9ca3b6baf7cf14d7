"""A run that compiles the kernels and one that loads them from numba's cache give the same
numbers bit for bit (issue 9), and batch norm's sums are taken in their documented order."""
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from engine.layer_ops import _sums

ROOT = Path(__file__).resolve().parents[2]


def _ordered_sums(a, b, shift):
    """The order _sums documents, in Python floats: lanes i % 4, pairwise, then the tail."""
    n = len(a)
    end = n - n % 4
    s = [0.0] * 4
    p = [0.0] * 4
    for i in range(0, end, 4):
        for lane in range(4):
            s[lane] += float(a[i + lane])
            p[lane] += (float(a[i + lane]) - shift) * (float(b[i + lane]) - shift)
    total, prod = (s[0] + s[1]) + (s[2] + s[3]), (p[0] + p[1]) + (p[2] + p[3])
    for i in range(end, n):
        total += float(a[i])
        prod += (float(a[i]) - shift) * (float(b[i]) - shift)
    return total, prod


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_sums_follow_their_fixed_order_bit_for_bit(dtype):
    g = np.random.default_rng(3)
    for n in [0, 1, 3, 4, 5, 8, 11, 37]:
        a = (g.normal(size=n + 6) * 3 + 1e3).astype(dtype)
        b = g.normal(size=n + 6).astype(dtype)
        shift = 1e3 + 0.25
        got = _sums(a, b, 2, n, shift)                     # the slice [2, 2 + n)
        want = _ordered_sums(a[2:2 + n], b[2:2 + n], shift)
        assert got == want, (n, got, want)
        assert math.isclose(got[0], math.fsum(map(float, a[2:2 + n])), rel_tol=1e-12)


def test_sums_of_exact_values_are_exact():
    a = np.arange(10.0)                    # 0 + 1 + ... + 9, (a - 1) . (a - 1) by hand
    assert _sums(a, a, 0, 10, 1.0) == (45.0, 1.0 + 0 + 1 + 4 + 9 + 16 + 25 + 36 + 49 + 64)


@pytest.mark.slow
def test_a_compiling_run_and_a_cached_run_agree_bit_for_bit(tmp_path):
    """~30 s on 2 cores: two fresh processes share an empty NUMBA_CACHE_DIR; the first compiles
    the layer kernels, the second loads them; dense and conv networks with batch norm trained
    20 steps end with the same parameters, running statistics and losses. (Before the fix the
    running statistics differed by 1.1e-16.)"""
    spec = importlib.util.spec_from_file_location(
        "check_cache_determinism", ROOT / "scripts" / "check_cache_determinism.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    diffs = script.check(("bn_dense", "bn_conv"), steps=20, runs=2,
                         cache_dir=tmp_path / "numba")
    assert set(diffs) == {f"{c}.{a}" for c in ("bn_dense", "bn_conv")
                          for a in ("params", "buffers", "losses")}
    assert all(d == [0.0] for d in diffs.values()), diffs
