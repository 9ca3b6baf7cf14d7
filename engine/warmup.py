"""Compile (or load from the on-disk cache) every kernel the engine has, on a tiny network.

``python -m engine.warmup`` after installing (``make setup`` does it) makes the first launch
fast: numba compiles each kernel once per machine (3-4 minutes in all for the 91 kernels on a
2-core machine) and caches it under ``engine/__pycache__``; later processes load the cache in
well under a second. From the command line it reports each kernel on stderr as numba
starts compiling it::

    [ 9/31]   1.4 s  compiling engine.activations.activate

``warm_up()`` called from code is quiet unless given a ``progress`` stream.
"""
import importlib
import pkgutil
import sys
import time

import numpy as np
from numba.core import event
from numba.core.dispatcher import Dispatcher


def engine_kernels() -> dict:
    """{"engine.module.name": dispatcher} for every kernel of the engine that numba compiles on
    its own (not the ``inline="always"`` helpers, which are compiled into their callers)."""
    import engine
    kernels = {}
    for info in pkgutil.iter_modules(engine.__path__):
        if info.name == "warmup":
            continue
        module = importlib.import_module(f"engine.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Dispatcher) and value.py_func.__module__ == module.__name__ \
                    and value.targetoptions.get("inline") != "always":
                kernels[f"{module.__name__}.{name}"] = value
    return kernels


class _Progress(event.Listener):
    """Prints one line when numba starts compiling an engine kernel (not on a cache load)."""

    def __init__(self, kernels: dict, stream, t0: float):
        self.names = {id(d): name for name, d in kernels.items()}
        self.kernels, self.stream, self.t0 = kernels, stream, t0
        self.started: set = set()
        self.open: list = []           # [name, started another kernel inside] being compiled

    def _position(self) -> int:
        ready = {name for name, d in self.kernels.items() if d.signatures}
        return len(ready | self.started)

    def _say(self, text: str) -> None:
        if self.stream is not None:
            print(text, file=self.stream, flush=True)

    def on_start(self, e) -> None:
        name = self.names.get(id(e.data["dispatcher"]))
        if name is None:
            return                     # numba's own helpers
        for frame in self.open:
            frame[1] = True
        again = " (another argument type)" if name in self.started else ""
        self.started.add(name)
        self.open.append([name, False])
        self._say(f"[{self._position():2d}/{len(self.kernels)}] "
                  f"{time.perf_counter() - self.t0:5.1f} s  compiling {name}{again}")

    def on_end(self, e) -> None:
        name = self.names.get(id(e.data["dispatcher"]))
        if name is None or not self.open:
            return
        name, had_inner = self.open.pop()
        if had_inner and self.open == []:
            # the caller's own compile follows its callees': say why the count stands still
            self._say(f"        {time.perf_counter() - self.t0:5.1f} s  finished {name}")


def _warm_layer_kernels(rng, precision="float64"):
    """The kernels of networks of other layer kinds (engine.layer_kernels), every kind."""
    from engine.layers import AvgPool2D, BatchNorm, Conv2D, Dropout, Flatten, LayerSpec, MaxPool2D
    from engine.network import NetworkSpec
    from engine.trainer import TrainConfig, Trainer
    X = rng.normal(size=(6, 1, 6, 6))
    Y = np.eye(2)[np.arange(6) % 2]
    spec = NetworkSpec.for_images((1, 6, 6), [
        Conv2D(2, 3, activation="linear"), BatchNorm(activation="relu"), MaxPool2D(2),
        Conv2D(2, 1), AvgPool2D(1), Flatten(), Dropout(0.1), LayerSpec(3)], 2)
    tr = Trainer(spec, TrainConfig(batch_size=3, max_norm=1.0, precision=precision), X, Y)
    tr.run(2)
    _warm_batch_split(rng, precision)
    if precision != "float64":         # training only: evaluation is warmed in float32 below
        tr.set_lr_scale([0], 0.5)
        tr.run(1)
        return
    tr.evaluate(X, Y)
    tr.feature_maps(X[:1])
    tr.predict(X, np.float32)          # a large network's grids (engine.predict), float32
    tr.set_lr_scale([0], 0.5)          # engine.layer_lr: per-layer learning rates
    tr.run(1)
    tr.set_lr_scale([0], 1.0)
    tr.set_trainable([0], False)       # a frozen layer's skipped updates (Optimizer.sat_out_runs)
    tr.run(1)
    tr.set_trainable([0], True)
    tr.set_config(TrainConfig(optimizer="lbfgs"))
    tr.run(1)
    tr.objective(dropout_seed=0).value_and_grad(tr.params)


def _warm_batch_split(rng, precision="float64"):
    """The training step on two threads, as large networks take it: this tiny dense network
    shares its layers' work (engine.layer_pass); the one compile of train_steps holds
    engine.batch_split's slices too."""
    from engine import batch_split
    from engine.network import LayerSpec, NetworkSpec
    from engine.trainer import TrainConfig, Trainer
    X = rng.normal(size=(2 * batch_split.MIN_ROWS, 2))
    spec = NetworkSpec.for_task(2, [LayerSpec(3)], "binary")
    tr = Trainer(spec, TrainConfig(batch_size=len(X), precision=precision), X,
                 (X[:, :1] > 0).astype(np.float64))
    tr._split = batch_split.plan(tr._gi, spec.n_params, 0, len(X), threads=2, min_work=0,
                                 dtype=tr.dtype)
    tr._general = True           # the layer kernels' loop, which a tiny network never takes
    tr._ws = tr._workspace(len(X))
    tr.run(1)


def _warm_augmentation(rng):
    """engine.augment's kernels: a batch, the preview grid, the drawn parameters, one warp."""
    from engine import augment as A
    settings = A.Augmentation(flip=True, rotate=True, shift=True, contrast=True,
                              brightness=True, noise=True)
    X = rng.uniform(size=(2, 1, 6, 6))
    A.augment_batch(X, np.empty_like(X), settings, 0, 0, np.arange(2))
    A.augment_previews(X, 0, settings, 2)
    A.sample_parameters(settings, 0, 0, np.arange(2))
    A.warp(X[0], 5.0)


def warm_float32_training(rng=None):
    """The float32 specialisations of the training kernels (``TrainConfig(precision=
    "float32")``): 25-40 s to compile on 2 cores, so ``warm_up`` leaves them to
    ``precisions=("float64", "float32")`` or to the first float32 run."""
    from engine.network import LayerSpec, NetworkSpec
    from engine.trainer import TrainConfig, Trainer
    rng = np.random.default_rng(0) if rng is None else rng
    X = rng.normal(size=(8, 2))
    spec = NetworkSpec.for_task(2, [LayerSpec(3)], "binary")
    Trainer(spec, TrainConfig(batch_size=4, precision="float32"), X,
            (X[:, :1] > 0).astype(np.float64)).run(2)
    _warm_layer_kernels(rng, "float32")


def warm_up(progress=None, precisions=("float64",)) -> float:
    """Run every compiled entry point once; returns the seconds it took. ``progress``: a text
    stream for one line per kernel numba compiles (None: quiet). ``precisions``: the training
    precisions to compile for (float64 always; "float32" adds ``warm_float32_training``;
    evaluation is always warmed in both, the views' grids being float32)."""
    from engine.activations import apply
    from engine.network import LayerSpec, NetworkSpec
    from engine.trainer import TrainConfig, Trainer

    t0 = time.perf_counter()
    kernels = engine_kernels()
    listener = _Progress(kernels, progress, t0)
    event.register("numba:compile", listener)
    try:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(8, 2))
        Y = (X[:, :1] > 0).astype(np.float64)
        spec = NetworkSpec.for_task(2, [LayerSpec(3)], "binary")
        config = TrainConfig(batch_size=4)
        tr = Trainer(spec, config, X, Y, X, Y)
        tr.run(2)
        tr.evaluate(X, Y)
        tr.predict(X)
        tr.activations(X)
        tr.predict(X, np.float32)          # the views' grids: float32
        tr.activations(X, np.float32)
        tr.objective().value_and_grad(tr.params)
        config.make_schedule().lr_at(np.arange(4), 2)      # the schedule plot
        apply("softmax", np.zeros((2, 3)))
        from engine.optimizers import Adam
        Adam().update_step(np.zeros(2), np.zeros(2), 0.1)   # the optimizers' own surface
        _warm_layer_kernels(rng)
        _warm_augmentation(rng)
        if "float32" in precisions:
            warm_float32_training(rng)
    finally:
        event.unregister("numba:compile", listener)
    seconds = time.perf_counter() - t0
    if progress is not None:
        compiled = len(listener.started)
        how = ("all loaded from the cache" if not compiled else
               f"{compiled} compiled" if compiled == len(kernels) else
               f"{compiled} of {len(kernels)} compiled, the rest loaded from the cache")
        print(f"engine kernels ready in {seconds:.1f} s ({how})", file=progress, flush=True)
    return seconds


if __name__ == "__main__":
    print("Compiling the engine's kernels (once per machine; numba caches them) ...",
          file=sys.stderr, flush=True)
    warm_up(progress=sys.stderr)
