"""Does a run that compiles the kernels give the same numbers as one that loads them from
numba's cache? (issue 9: batch norm's running statistics once moved by an ulp between them)

    .venv/bin/python scripts/check_cache_determinism.py [--steps N] [--cases a,b] [--runs R]

makes an empty NUMBA_CACHE_DIR, trains small networks for N steps in R fresh processes (the
first compiles every kernel it needs, about 25 s on a 2-core machine; the others load them
from the cache) and compares the parameters, running statistics and losses bit for bit.
Exit status 0 when every run matches the first, 1 otherwise (the differences are printed).
Cases: ``bn_dense`` (dense layers with batch norm), ``bn_conv`` (a conv net with batch norm),
both through engine.layer_kernels; ``dense`` (a small tanh network, engine.kernels' loops),
``bn_float32`` (the conv net trained in float32) and ``bn_shared`` (wide dense layers with batch
norm, each layer's work shared between the threads on a machine with two or more:
engine.layer_pass) compile further kernels.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CASES = ("bn_dense", "bn_conv", "dense", "bn_float32", "bn_shared")
QUICK = ("bn_dense", "bn_conv")


def _trainer(case):
    """The case's Trainer on fixed random data (seeded)."""
    from engine.layers import BatchNorm, Conv2D, Flatten, MaxPool2D
    from engine.network import LayerSpec, NetworkSpec
    from engine.trainer import TrainConfig, Trainer
    g = np.random.default_rng(0)
    if case in ("bn_conv", "bn_float32"):
        X = g.normal(size=(40, 1, 6, 6))
        Y = np.eye(2)[g.integers(0, 2, 40)]
        spec = NetworkSpec.for_images((1, 6, 6), [Conv2D(3, 3, activation="tanh"), BatchNorm(),
                                                  MaxPool2D(2), Flatten()], 2)
        precision = "float32" if case == "bn_float32" else "float64"
        config = TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=8,
                             precision=precision)
        return Trainer(spec, config, X, Y, seed=1)
    X = g.uniform(-1, 1, (256 if case == "bn_shared" else 60, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    if case == "bn_shared":
        hidden = [LayerSpec(192, "linear"), BatchNorm(activation="tanh"),
                  LayerSpec(192, "linear"), BatchNorm(activation="relu")]
        spec = NetworkSpec.for_task(2, hidden, "binary")
        return Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=128),
                       X, Y, seed=0)
    if case == "bn_dense":
        hidden = [LayerSpec(8, "linear"), BatchNorm(activation="tanh"), LayerSpec(5, "linear"),
                  BatchNorm(activation="relu")]
    elif case == "dense":
        hidden = [LayerSpec(8, "tanh"), LayerSpec(5, "tanh")]
    else:
        raise ValueError(f"unknown case {case!r}; the cases are {', '.join(CASES)}")
    spec = NetworkSpec.for_task(2, hidden, "binary")
    return Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=0.3, batch_size=10), X, Y,
                   seed=0)


def child(out, cases, steps):
    """Train each case for ``steps`` steps in this process; save its arrays to ``out`` (.npz)."""
    arrays = {}
    for case in cases:
        tr = _trainer(case)
        result = tr.run(steps)
        arrays[f"{case}.params"] = tr.params
        arrays[f"{case}.buffers"] = tr.buffers
        arrays[f"{case}.losses"] = result.losses
    np.savez(out, **arrays)


def check(cases=QUICK, steps=20, runs=2, cache_dir=None):
    """Run the cases in ``runs`` fresh processes sharing one empty numba cache (the first
    compiles, the rest load); return {array name: [largest |difference| from the first run,
    one per later run]} (all 0.0 when the runs agree bit for bit; NaN where the bits differ
    but the values are equal or NaN)."""
    if runs < 2:
        raise ValueError(f"runs must be >= 2 (one compiling, one loading), got {runs}")
    with tempfile.TemporaryDirectory(prefix="nbcache-") as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir or Path(tmp) / "numba"),
                   PYTHONPATH=str(ROOT))
        results = []
        for r in range(runs):
            out = Path(tmp) / f"run{r}.npz"
            done = subprocess.run([sys.executable, __file__, "--child", str(out), "--steps",
                                   str(steps), "--cases", ",".join(cases)], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                raise RuntimeError(f"run {r} failed:\n{done.stderr}")
            with np.load(out) as f:
                results.append({k: f[k] for k in f.files})
    first = results[0]
    return {k: [_difference(first[k], later[k]) for later in results[1:]] for k in first}


def _difference(a, b):
    if a.shape != b.shape:
        return np.inf
    if a.tobytes() == b.tobytes():
        return 0.0
    d = np.abs(a.astype(np.float64) - b.astype(np.float64)).max()
    return d if d > 0 else np.nan


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--cases", default=",".join(QUICK),
                   help=f"comma-separated, of {', '.join(CASES)} (or 'all')")
    p.add_argument("--child", metavar="OUT", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    cases = CASES if args.cases == "all" else tuple(args.cases.split(","))
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        p.error(f"unknown case(s) {', '.join(unknown)}; the cases are {', '.join(CASES)}")
    if args.child:
        child(args.child, cases, args.steps)
        return 0
    diffs = check(cases, args.steps, args.runs)
    for name, ds in diffs.items():
        print(f"{name:20s} " + "  ".join(f"{d:.3g}" for d in ds))
    same = all(d == 0.0 for ds in diffs.values() for d in ds)
    print("bit-identical: compiling and cached runs agree" if same
          else "DIFFERENT: a compiling run and a cached run disagree")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
