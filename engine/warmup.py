"""Compile (or load from the on-disk cache) every kernel the app uses, on a tiny network.

``python -m engine.warmup`` after installing makes the first launch fast: numba compiles each
kernel once per machine (about 25 s in all on a 2-core machine) and caches it under
``__pycache__``; later processes load the cache in well under a second. The app also calls
``warm_up()`` on its worker thread so the window stays responsive while it runs.
"""
import time

import numpy as np


def warm_up():
    """Run every compiled entry point once; returns the seconds it took."""
    from engine.network import LayerSpec, NetworkSpec
    from engine.trainer import TrainConfig, Trainer

    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2))
    Y = (X[:, :1] > 0).astype(np.float64)
    spec = NetworkSpec.for_task(2, [LayerSpec(3)], "binary")
    tr = Trainer(spec, TrainConfig(batch_size=4), X, Y, X, Y)
    tr.run(2)
    tr.evaluate(X, Y)
    tr.predict(X)
    tr.hidden_activations(X)
    tr.objective().value_and_grad(tr.params)
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"engine kernels ready in {warm_up():.1f} s")
