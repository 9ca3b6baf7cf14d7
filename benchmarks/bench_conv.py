"""Conv and large dense networks, side by side in one run: the engine, a plain numpy im2col
version (digits) and, when installed, PyTorch CPU float64 with 1 and 2 threads.

- digits epoch: conv(8 3x3 same)-ReLU-maxpool 2-dense(10) on the 1,437 training digits of
  scikit-learn, Adam, batch 32 (ms per epoch);
- LeNet step: 28x28 inputs, conv16 3x3-ReLU-pool-conv32 3x3-ReLU-pool-dense10, batch 64 (ms);
- large dense: 16x256 tanh at batch 256, 2x1024 and 8x128 (steps per second, SGD, 2 inputs).

``python -m benchmarks.bench_conv [--quick]``. Medians of several samples.
"""
import argparse

import numpy as np

from benchmarks.common import Report, median_time
from benchmarks.numpy_baseline import NumpyConvNet
from engine.layers import Conv2D, Flatten, LayerSpec, MaxPool2D
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


def engine_seconds(spec, X, Y, batch, steps, optimizer="adam", lr=0.01):
    tr = Trainer(spec, TrainConfig(optimizer=optimizer, learning_rate=lr, batch_size=batch), X, Y)
    return median_time(lambda: tr.run(steps), repeats=5) / steps


def numpy_digits_epoch(X, Y, batch=32):
    net = NumpyConvNet((1, 8, 8), 8, 3, 10)

    def epoch():
        for i in range(0, len(X), batch):
            net.adam_step(X[i:i + batch], Y[i:i + batch])
    return median_time(epoch, repeats=3)


def _torch_layers(torch, kind):
    nn = torch.nn
    if kind == "digits":
        return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(128, 10))
    if kind == "lenet":
        return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(32 * 49, 10))
    depth, width = kind
    mods, n = [], 2
    for _ in range(depth):
        mods += [nn.Linear(n, width), nn.Tanh()]
        n = width
    return nn.Sequential(*mods, nn.Linear(n, 1))


def torch_seconds(kind, X, Y, batch, threads, steps, optimizer="adam", lr=0.01):
    """Seconds per step of the same network in PyTorch float64."""
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = _torch_layers(torch, kind).double()
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(model.parameters(), lr=lr)
    Xt = torch.from_numpy(np.ascontiguousarray(X))
    if isinstance(kind, tuple):
        lossf, Yt = torch.nn.BCEWithLogitsLoss(), torch.from_numpy(Y)
    else:
        lossf, Yt = torch.nn.CrossEntropyLoss(), torch.from_numpy(Y.argmax(axis=1))
    n = len(X)

    def run():
        for s in range(steps):
            i = (s * batch) % n
            opt.zero_grad()
            loss = lossf(model(Xt[i:i + batch]), Yt[i:i + batch])
            loss.backward()
            opt.step()
    return median_time(run, repeats=5) / steps


def main(report=None, quick=False):
    report = report or Report()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    X, Y = _digits()
    spe = -(-len(X) // 32)
    spec = NetworkSpec.for_images((1, 8, 8), DIGITS, 10)
    ours = engine_seconds(spec, X, Y, 32, spe) * spe
    report.add("digits conv epoch: engine", ours * 1e3, "ms")
    npy = numpy_digits_epoch(X, Y)
    report.add("digits conv epoch: numpy im2col", npy * 1e3, "ms", "engine", npy / ours)
    if have_torch:
        for t in (1, 2):
            tor = torch_seconds("digits", X, Y, 32, t, spe) * spe
            report.add(f"digits conv epoch: torch {t} thread(s)", tor * 1e3, "ms", "engine",
                       tor / ours)

    X, Y = _lenet_data()
    spec = NetworkSpec.for_images((1, 28, 28), LENET, 10)
    steps = 4 if quick else 8
    ours = engine_seconds(spec, X, Y, 64, steps)
    report.add("LeNet 28x28 step batch 64: engine", ours * 1e3, "ms")
    if have_torch:
        for t in (1, 2):
            tor = torch_seconds("lenet", X, Y, 64, t, steps)
            report.add(f"LeNet 28x28 step batch 64: torch {t} thread(s)", tor * 1e3, "ms",
                       "engine", tor / ours)

    g = np.random.default_rng(0)
    Xd = g.uniform(-1, 1, (1024, 2))
    Yd = (Xd[:, :1] * Xd[:, 1:] > 0).astype(np.float64)
    for depth, width, batch in ((16, 256, 256), (2, 1024, 256), (8, 128, 256)):
        spec = NetworkSpec.for_task(2, [LayerSpec(width, "tanh")] * depth, "binary")
        steps = 5 if quick else 20
        ours = 1.0 / engine_seconds(spec, Xd, Yd, batch, steps, "sgd", 0.01)
        label = f"dense {depth}x{width} tanh batch {batch}"
        report.add(f"{label}: engine", ours, "steps/s")
        if have_torch:
            for t in (1, 2):
                tor = 1.0 / torch_seconds((depth, width), Xd, Yd, batch, t, steps, "sgd", 0.01)
                report.add(f"{label}: torch {t} thread(s)", tor, "steps/s", "torch", ours / tor)
    return report


if __name__ == "__main__":
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_conv", description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    main(Report(as_json=args.json), quick=args.quick)
