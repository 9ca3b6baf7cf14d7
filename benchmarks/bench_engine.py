"""Engine throughput: training steps per second and grid evaluation time.

A 2-8-8-1 network (tanh hidden layers, sigmoid output, binary cross-entropy, plain SGD) on 500
points, timed side by side: the compiled engine, a lean numpy implementation of the same
network (benchmarks.numpy_baseline) and, when installed, PyTorch CPU. Steps per second are medians.
The boundary grid is timed in float64 and in float32 (what the views use), each against numpy
in the same precision; ``benchmarks.bench_conv --only grid`` puts larger networks beside
PyTorch float32.
"""
import numpy as np

from benchmarks.common import Report, median_time
from benchmarks.numpy_baseline import NumpyMLP
from engine.network import LayerSpec, NetworkSpec
from engine.trainer import Trainer, TrainConfig

N_POINTS = 500


def _problem():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(N_POINTS, 2))
    Y = (X[:, 0] * X[:, 1] > 0).astype(np.float64).reshape(-1, 1)
    spec = NetworkSpec.for_task(2, [LayerSpec(8, "tanh"), LayerSpec(8, "tanh")], "binary")
    return spec, X, Y


def engine_steps_per_second(spec, X, Y, batch, chunk):
    tr = Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=0.01, batch_size=batch), X, Y)
    return chunk / median_time(lambda: tr.run(chunk))


def numpy_steps_per_second(spec, X, Y, batch):
    net = NumpyMLP(spec.views(Trainer(spec, TrainConfig(), X, Y).params))
    gen = np.random.default_rng(1)
    state = {"perm": gen.permutation(len(X)), "pos": 0}

    def step():
        p = state["pos"]
        if p >= len(X):
            state["perm"], p = gen.permutation(len(X)), 0
        idx = state["perm"][p:p + batch]
        state["pos"] = p + batch
        net.sgd_step(X[idx], Y[idx], 0.01)
    return 1.0 / median_time(step)


def torch_steps_per_second(X, Y, batch):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    lossf = torch.nn.BCEWithLogitsLoss()
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    state = {"perm": torch.randperm(len(X)), "pos": 0}

    def step():
        p = state["pos"]
        if p >= len(X):
            state["perm"], p = torch.randperm(len(X)), 0
        idx = state["perm"][p:p + batch]
        state["pos"] = p + batch
        opt.zero_grad()
        loss = lossf(model(Xt[idx]), Yt[idx])
        loss.backward()
        opt.step()
    return 1.0 / median_time(step)


def numpy_grid_seconds(spec, params, G, dtype):
    xs = np.linspace(-1, 1, G, dtype=dtype)
    pts = np.stack(np.meshgrid(xs, xs), -1).reshape(-1, 2)
    net = NumpyMLP(spec.views(params), dtype)
    return median_time(lambda: net.forward(pts)[0], repeats=5)


def engine_grid_seconds(tr, G, dtype=np.float64):
    xs = np.linspace(-1, 1, G, dtype=dtype)
    pts = np.stack(np.meshgrid(xs, xs), -1).reshape(-1, 2)
    return median_time(lambda: tr.predict(pts, dtype), repeats=5)


def main(report=None, quick=False):
    report = report or Report()
    spec, X, Y = _problem()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    for batch, label in ((10, "batch 10"), (N_POINTS, "full batch")):
        chunk = 20000 if batch == 10 else 1000
        eng = engine_steps_per_second(spec, X, Y, batch, chunk // (10 if quick else 1))
        npy = numpy_steps_per_second(spec, X, Y, batch)
        report.add(f"train 2-8-8-1 {label}: numpy", npy, "steps/s")
        report.add(f"train 2-8-8-1 {label}: engine", eng, "steps/s", "numpy", eng / npy)
        if have_torch:
            tor = torch_steps_per_second(X, Y, batch)
            report.add(f"train 2-8-8-1 {label}: torch", tor, "steps/s")
            report.add(f"train 2-8-8-1 {label}: engine vs torch", eng, "steps/s", "torch", eng / tor)
    tr = Trainer(spec, TrainConfig(), X, Y)
    for G in (256, 512):
        t_np32 = numpy_grid_seconds(spec, tr.params, G, np.float32)
        t_np64 = numpy_grid_seconds(spec, tr.params, G, np.float64)
        t_eng = engine_grid_seconds(tr, G)
        t_eng32 = engine_grid_seconds(tr, G, np.float32)
        report.add(f"grid {G}x{G}: numpy float32", t_np32 * 1e3, "ms")
        report.add(f"grid {G}x{G}: numpy float64", t_np64 * 1e3, "ms")
        report.add(f"grid {G}x{G}: engine", t_eng * 1e3, "ms", "numpy float64", t_np64 / t_eng)
        report.add(f"grid {G}x{G}: engine float32", t_eng32 * 1e3, "ms", "numpy float32",
                   t_np32 / t_eng32)
    return report


if __name__ == "__main__":
    main()
