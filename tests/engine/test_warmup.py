"""engine.warmup: every kernel is compiled once at setup, and the command says how far it is."""
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine import warmup

ROOT = Path(__file__).resolve().parents[2]


def test_warm_up_called_from_code_is_quiet(capsys):
    seconds = warmup.warm_up()
    assert seconds >= 0.0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_engine_kernels_are_the_compiled_functions_of_the_engine():
    kernels = warmup.engine_kernels()
    assert "engine.kernels.train_steps" in kernels
    assert "engine.optimizers.adam_update" in kernels
    assert "engine.rng.mix64" not in kernels       # inline="always": compiled into its callers
    assert all(name.startswith("engine.") for name in kernels)


def test_progress_stream_gets_the_summary_line():
    stream = io.StringIO()
    warmup.warm_up(progress=stream)
    assert stream.getvalue().splitlines()[-1].startswith("engine kernels ready in ")


@pytest.mark.slow
def test_cold_warm_up_compiles_every_kernel_and_reports_each(tmp_path):
    """With an empty cache, ``python -m engine.warmup`` names each kernel on stderr as numba
    starts compiling it, counting up to all of them."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"))
    done = subprocess.run([sys.executable, "-m", "engine.warmup"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    total = len(warmup.engine_kernels())
    steps = [re.match(r"\[\s*(\d+)/(\d+)\]\s+[\d.]+ s  compiling (engine\.\S+)", line)
             for line in lines]
    steps = [m for m in steps if m]
    assert {int(m.group(2)) for m in steps} == {total}
    positions = [int(m.group(1)) for m in steps]
    assert positions == sorted(positions) and positions[-1] == total
    assert {m.group(3) for m in steps} == set(warmup.engine_kernels())
    assert lines[-1].startswith("engine kernels ready in ")
    assert f"({total} compiled)" in lines[-1]
