"""Conv and large dense networks, side by side in one run: the engine, a plain numpy im2col
version (digits) and, when installed, PyTorch CPU float64 with 1 and 2 threads.

- digits epoch: conv(8 3x3 same)-ReLU-maxpool 2-dense(10) on the 1,437 training digits of
  scikit-learn, Adam, batch 32 (ms per epoch);
- LeNet step: 28x28 inputs, conv16 3x3-ReLU-pool-conv32 3x3-ReLU-pool-dense10, batch 64 (ms);
- large dense: 16x256 tanh at batch 256, 2x1024 and 8x128, then 6x256 at batch 16, 2x512 at
  batch 64 and 4x256 with batch norm at batch 256 (steps per second, SGD, 2 inputs);
- grid: evaluation as the views do it, the 256x256 decision-boundary grid through 2x8, 4x64,
  8x128 and 16x256 tanh networks and LeNet on 1,024 images (ms): the engine in float64 and
  float32 against numpy float32 and PyTorch float32 (ratios: each against the engine float32).
- float32: training steps in float32 (TrainConfig precision) against PyTorch float32, the
  large dense networks above and LeNet (steps per second).

The engine trains large networks in one slice of the batch per thread (``engine.batch_split``)
or, for dense networks with short batches or batch norm, shares each layer's work between the
threads (``engine.layer_pass``); "engine, whole batch" is the same step on one thread, its
products spread over the cores by BLAS.
Each ratio is against the faster PyTorch thread count of that run.

``python -m benchmarks.bench_conv [--quick]``. Medians of several samples.
"""
import argparse

import numpy as np

from benchmarks.common import Report, interleaved_medians
from benchmarks.numpy_baseline import NumpyConvNet, NumpyMLP
from engine import batch_split
from engine.layers import BatchNorm, Conv2D, Flatten, LayerSpec, MaxPool2D
from engine.network import NetworkSpec
from engine.trainer import TrainConfig, Trainer


def _digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    return (d.images[:1437] / 16.0).reshape(-1, 1, 8, 8), np.eye(10)[d.target[:1437]]


def _lenet_data(n=256):
    g = np.random.default_rng(0)
    return g.uniform(0, 1, (n, 1, 28, 28)), np.eye(10)[g.integers(0, 10, n)]


DIGITS = [Conv2D(8, 3), MaxPool2D(2), Flatten()]
LENET = [Conv2D(16, 3), MaxPool2D(2), Conv2D(32, 3), MaxPool2D(2), Flatten()]


def engine_run(spec, X, Y, batch, steps, optimizer="adam", lr=0.01, whole=False,
               precision="float64"):
    """A function running ``steps`` training steps; ``whole``: the batch never split."""
    tr = Trainer(spec, TrainConfig(optimizer=optimizer, learning_rate=lr, batch_size=batch,
                                   precision=precision), X, Y)
    if whole:
        tr._split = batch_split.plan(tr._gi, spec.n_params, spec.n_buffers, batch, threads=1,
                                     dtype=tr.dtype)
    return lambda: tr.run(steps)


def numpy_digits_run(X, Y, batch=32):
    """One epoch of the plain numpy im2col net."""
    net = NumpyConvNet((1, 8, 8), 8, 3, 10)

    def epoch():
        for i in range(0, len(X), batch):
            net.adam_step(X[i:i + batch], Y[i:i + batch])
    return epoch


def _torch_layers(torch, kind):
    nn = torch.nn
    if kind == "digits":
        return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(128, 10))
    if kind == "lenet":
        return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(32 * 49, 10))
    depth, width, *norm = kind        # (depth, width) or (depth, width, "bn")
    mods, n = [], 2
    for _ in range(depth):
        mods += [nn.Linear(n, width)] + ([nn.BatchNorm1d(width)] if norm else []) + [nn.Tanh()]
        n = width
    return nn.Sequential(*mods, nn.Linear(n, 1))


def torch_run(kind, X, Y, batch, threads, steps, optimizer="adam", lr=0.01, dtype="float64"):
    """A function running ``steps`` steps of the same network in PyTorch (float64 or
    ``dtype``) on ``threads`` threads."""
    import torch
    torch.manual_seed(0)
    dt = getattr(torch, dtype)
    model = _torch_layers(torch, kind).to(dt)
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(model.parameters(), lr=lr)
    Xt = torch.from_numpy(np.ascontiguousarray(X)).to(dt)
    if isinstance(kind, tuple):
        lossf, Yt = torch.nn.BCEWithLogitsLoss(), torch.from_numpy(Y).to(dt)
    else:
        lossf, Yt = torch.nn.CrossEntropyLoss(), torch.from_numpy(Y.argmax(axis=1))
    n = len(X)

    def run():
        torch.set_num_threads(threads)
        for s in range(steps):
            i = (s * batch) % n
            opt.zero_grad()
            loss = lossf(model(Xt[i:i + batch]), Yt[i:i + batch])
            loss.backward()
            opt.step()
    return run


def _contenders(engine, whole, torch_kind, have_torch, args):
    """{label: run function} of one case, timed in turns (``interleaved_medians``)."""
    X, Y, batch, steps, opt, lr = args
    fns = {"engine": engine_run(engine, X, Y, batch, steps, opt, lr)}
    if whole:
        fns["engine, whole batch"] = engine_run(engine, X, Y, batch, steps, opt, lr, whole=True)
    if have_torch:
        for t in (1, 2):
            fns[f"torch {t} thread(s)"] = torch_run(torch_kind, X, Y, batch, t, steps, opt, lr)
    return fns


SECTIONS = ("digits", "lenet", "dense", "grid", "float32")


def main(report=None, quick=False, sections=SECTIONS):
    report = report or Report()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    if "digits" in sections:
        digits(report, have_torch)
    if "lenet" in sections:
        lenet(report, have_torch, quick)
    if "dense" in sections:
        dense(report, have_torch, quick)
    if "grid" in sections:
        grid(report, have_torch)
    if "float32" in sections:
        float32(report, have_torch, quick)
    return report


def float32(report, have_torch, quick):
    """Training steps in float32 (TrainConfig precision) against PyTorch float32: the large
    dense networks at batch 256 (SGD) and LeNet at batch 64 (Adam)."""
    g = np.random.default_rng(0)
    Xd = g.uniform(-1, 1, (1024, 2))
    Yd = (Xd[:, :1] * Xd[:, 1:] > 0).astype(np.float64)
    Xl, Yl = _lenet_data()
    cases = [(f"dense {d}x{w} tanh batch 256",
              NetworkSpec.for_task(2, [LayerSpec(w, "tanh")] * d, "binary"), (d, w),
              (Xd, Yd, 256, 5 if quick else 20, "sgd", 0.01))
             for d, w in ((2, 1024), (16, 256), (8, 128))]
    cases.append(("LeNet 28x28 batch 64", NetworkSpec.for_images((1, 28, 28), LENET, 10),
                  "lenet", (Xl, Yl, 64, 4 if quick else 8, "adam", 0.01)))
    for label, spec, kind, args in cases:
        X, Y, batch, steps, opt, lr = args
        fns = {"engine float32": engine_run(spec, X, Y, batch, steps, opt, lr,
                                            precision="float32"),
               "engine float64": engine_run(spec, X, Y, batch, steps, opt, lr)}
        if have_torch:
            for t in (1, 2):
                fns[f"torch float32 {t} thread(s)"] = torch_run(kind, X, Y, batch, t, steps, opt,
                                                                lr, "float32")
        t = interleaved_medians(fns, repeats=5)
        for name, sec in t.items():
            report.add(f"{label}: {name}", steps / sec, "steps/s")
        if have_torch:
            best = min(t["torch float32 1 thread(s)"], t["torch float32 2 thread(s)"])
            report.add(f"{label}: engine float32 vs best torch float32",
                       steps / t["engine float32"], "steps/s", "torch",
                       best / t["engine float32"])


def digits(report, have_torch):
    X, Y = _digits()
    spe = -(-len(X) // 32)
    spec = NetworkSpec.for_images((1, 8, 8), DIGITS, 10)
    fns = _contenders(spec, False, "digits", have_torch, (X, Y, 32, spe, "adam", 0.01))
    fns["numpy im2col"] = numpy_digits_run(X, Y)
    t = interleaved_medians(fns, repeats=5)
    report.add("digits conv epoch: engine", t["engine"] * 1e3, "ms")
    for name in fns:
        if name != "engine":
            report.add(f"digits conv epoch: {name}", t[name] * 1e3, "ms", "engine",
                       t[name] / t["engine"])


def lenet(report, have_torch, quick):
    X, Y = _lenet_data()
    spec = NetworkSpec.for_images((1, 28, 28), LENET, 10)
    steps = 4 if quick else 8
    t = interleaved_medians(_contenders(spec, True, "lenet", have_torch,
                                        (X, Y, 64, steps, "adam", 0.01)), repeats=5)
    label = "LeNet 28x28 step batch 64"
    for name, sec in t.items():
        report.add(f"{label}: {name}", sec / steps * 1e3, "ms")
    if have_torch:
        best = min(t["torch 1 thread(s)"], t["torch 2 thread(s)"])
        report.add(f"{label}: engine vs best torch", t["engine"] / steps * 1e3, "ms", "torch",
                   best / t["engine"])


def dense(report, have_torch, quick):
    g = np.random.default_rng(0)
    Xd = g.uniform(-1, 1, (1024, 2))
    Yd = (Xd[:, :1] * Xd[:, 1:] > 0).astype(np.float64)
    cases = [(f"dense {d}x{w} tanh batch {b}", [LayerSpec(w, "tanh")] * d, (d, w), b)
             for d, w, b in ((16, 256, 256), (2, 1024, 256), (8, 128, 256), (6, 256, 16),
                             (2, 512, 64))]
    cases.append(("dense 4x256 batch norm tanh batch 256",
                  [LayerSpec(256, "linear"), BatchNorm(activation="tanh")] * 4, (4, 256, "bn"),
                  256))
    for label, layers, kind, batch in cases:
        spec = NetworkSpec.for_task(2, layers, "binary")
        steps = 5 if quick else 20
        t = interleaved_medians(_contenders(spec, True, kind, have_torch,
                                            (Xd, Yd, batch, steps, "sgd", 0.01)), repeats=5)
        for name, sec in t.items():
            report.add(f"{label}: {name}", steps / sec, "steps/s")
        if have_torch:
            best = min(t["torch 1 thread(s)"], t["torch 2 thread(s)"])
            report.add(f"{label}: engine vs best torch", steps / t["engine"], "steps/s", "torch",
                       best / t["engine"])


def _grid_points(side=256):
    xs = np.linspace(-1, 1, side)
    return np.stack(np.meshgrid(xs, xs), -1).reshape(-1, 2)


def torch_grid_run(spec, params, P, threads):
    """A function computing the grid's outputs in PyTorch float32, the same weights."""
    import torch

    def linear(W, b):
        lin = torch.nn.Linear(*W.shape)
        lin.weight.data = torch.from_numpy(W.T.astype(np.float32).copy())
        lin.bias.data = torch.from_numpy(b.astype(np.float32))
        return lin
    views = spec.views(params)
    mods = []
    for W, b in views[:-1]:
        mods += [linear(W, b), torch.nn.Tanh()]
    model = torch.nn.Sequential(*mods, linear(*views[-1]), torch.nn.Sigmoid())
    return _torch_eval(torch, model, P, threads)


def _torch_eval(torch, model, X, threads):
    """A function evaluating ``model`` on X in PyTorch float32 on ``threads`` threads."""
    Xt = torch.from_numpy(X.astype(np.float32))

    def run():
        torch.set_num_threads(threads)
        with torch.no_grad():
            model(Xt)
    return run


def _torch_lenet_eval(X, threads):
    """A function computing LeNet's outputs on the images X in PyTorch float32."""
    import torch
    torch.manual_seed(0)
    return _torch_eval(torch, _torch_layers(torch, "lenet").float(), X, threads)


def _grid_cases():
    """(label, trainer, points (n, n_inputs) float64, numpy float32 net or None, torch maker)."""
    P = _grid_points()
    for depth, width in ((2, 8), (4, 64), (8, 128), (16, 256)):
        spec = NetworkSpec.for_task(2, [LayerSpec(width, "tanh")] * depth, "binary")
        tr = Trainer(spec, TrainConfig(), P[:10], np.zeros((10, 1)))
        yield (f"grid 256x256 {depth}x{width}", tr, P, NumpyMLP(spec.views(tr.params), np.float32),
               lambda t, spec=spec, tr=tr: torch_grid_run(spec, tr.params, P, t))
    X, Y = _lenet_data(1024)
    tr = Trainer(NetworkSpec.for_images((1, 28, 28), LENET, 10), TrainConfig(), X[:10], Y[:10])
    yield ("LeNet 1024 images", tr, X.reshape(len(X), -1), None,
           lambda t: _torch_lenet_eval(X, t))


def grid(report, have_torch):
    """Evaluation of many rows, as the views do: the 256x256 decision-boundary grid through
    2x8 (the default size), 4x64, 8x128 and 16x256 tanh networks and LeNet on 1,024 images;
    the engine in float64 and float32 against numpy and PyTorch float32."""
    for label, tr, P, net, torch_fn in _grid_cases():
        P32 = P.astype(np.float32)
        fns = {"engine float64": lambda: tr.predict(P),
               "engine float32": lambda: tr.predict(P32, np.float32)}
        if net is not None:
            fns["numpy float32"] = lambda: net.forward(P32)
        if have_torch:
            for t in (1, 2):
                fns[f"torch float32 {t} thread(s)"] = torch_fn(t)
        t = interleaved_medians(fns, repeats=3)
        e32 = t["engine float32"]
        report.add(f"{label}: engine float32", e32 * 1e3, "ms")
        for name, sec in t.items():
            if name != "engine float32":
                report.add(f"{label}: {name}", sec * 1e3, "ms", "engine float32", sec / e32)
        if have_torch:
            best = min(t["torch float32 1 thread(s)"], t["torch float32 2 thread(s)"])
            report.add(f"{label}: engine float32 vs best torch float32", e32 * 1e3, "ms",
                       "torch", best / e32)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_conv", description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=SECTIONS, nargs="+", default=SECTIONS,
                    help="run only these sections")
    args = ap.parse_args()
    main(Report(as_json=args.json), quick=args.quick, sections=args.only)
