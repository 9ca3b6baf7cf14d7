"""Training in float32 (``TrainConfig(precision="float32")``): parameters, gradients, optimizer
state, workspaces and data in float32, the same run as float64 to float32 rounding over a few
steps, deterministic, resumable bit for bit; second-order methods keep float64."""
import numpy as np
import pytest

from engine.layers import AvgPool2D, BatchNorm, Conv2D, Dropout, Flatten, LayerSpec, MaxPool2D
from engine.network import NetworkSpec
from engine.trainer import TrainConfig, Trainer


def _points(n=200, seed=0):
    g = np.random.default_rng(seed)
    X = g.uniform(-1, 1, (n, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


def _images(n=48, seed=1):
    g = np.random.default_rng(seed)
    return g.uniform(0, 1, (n, 1, 8, 8)), np.eye(3)[g.integers(0, 3, n)]


CONV = [Conv2D(4, 3, activation="linear"), BatchNorm(activation="relu"), MaxPool2D(2),
        Conv2D(6, 3), AvgPool2D(2), Flatten(), Dropout(0.2), LayerSpec(10)]


def _pair(spec, X, Y, steps, **config):
    """float64 and float32 trainers of one run after ``steps`` steps, with their losses."""
    out = []
    for precision in ("float64", "float32"):
        tr = Trainer(spec, TrainConfig(precision=precision, **config), X, Y, seed=3)
        out.append((tr, tr.run(steps).losses))
    return out


CASES = {
    "small dense adam": (lambda: NetworkSpec.for_task(2, [LayerSpec(8), LayerSpec(8)], "binary"),
                         _points, dict(optimizer="adam", batch_size=10, l2=1e-3)),
    "large dense momentum": (lambda: NetworkSpec.for_task(
        2, [LayerSpec(96, "relu", dropout=0.1), LayerSpec(64)], "binary"), _points,
        dict(optimizer="momentum", learning_rate=0.05, batch_size=100, clip_norm=1.0)),
    "conv sgd": (lambda: NetworkSpec.for_images((1, 8, 8), CONV, 3), _images,
                 dict(optimizer="sgd", learning_rate=0.1, batch_size=16, max_norm=2.0,
                      weight_decay=1e-3)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_float32_training_follows_float64_to_float32_rounding(case):
    make_spec, data, config = CASES[case]
    X, Y = data()
    (a, la), (b, lb) = _pair(make_spec(), X, Y, 12, **config)
    assert b.params.dtype == np.float32 and b.X.dtype == np.float32
    assert b.optimizer.slots.dtype == np.float32 and b.buffers.dtype == np.float32
    assert a.params.dtype == np.float64
    np.testing.assert_allclose(b.params, a.params, rtol=1e-4, atol=2e-6)
    np.testing.assert_allclose(lb, la, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(b.buffers, a.buffers, rtol=1e-5, atol=1e-6)
    loss, acc = b.evaluate(X, Y)               # metrics come back as float64 numbers
    assert loss == pytest.approx(a.evaluate(X, Y)[0], rel=1e-5)
    assert b.predict(X).dtype == np.float32 and b.predict(X, np.float64).dtype == np.float64


@pytest.mark.parametrize("case", list(CASES))
def test_a_float32_run_is_the_same_twice_and_however_chunked(case):
    make_spec, data, config = CASES[case]
    X, Y = data()
    runs = []
    for chunks in ((9,), (4, 5), (1, 3, 5)):
        tr = Trainer(make_spec(), TrainConfig(precision="float32", **config), X, Y, seed=7)
        for n in chunks:
            tr.run(n)
        runs.append(tr.params.copy())
    for r in runs[1:]:
        np.testing.assert_array_equal(r, runs[0])


@pytest.mark.parametrize("case", list(CASES))
def test_a_float32_run_resumes_bit_for_bit_from_its_state(case):
    make_spec, data, config = CASES[case]
    X, Y = data()
    cfg = TrainConfig(precision="float32", **config)
    straight = Trainer(make_spec(), cfg, X, Y, seed=5)
    straight.run(10)
    first = Trainer(make_spec(), cfg, X, Y, seed=5)
    first.run(4)
    # through float64 copies, as a file holds them: float32 -> float64 -> float32 is exact
    saved = {k: (v.astype(np.float64) if isinstance(v, np.ndarray) and v.dtype == np.float32
                 else v) for k, v in first.state_dict().items()}
    resumed = Trainer(make_spec(), cfg, X, Y, seed=0)
    resumed.load_state_dict(saved)
    resumed.run(6)
    np.testing.assert_array_equal(resumed.params, straight.params)
    np.testing.assert_array_equal(resumed.buffers, straight.buffers)
    np.testing.assert_array_equal(resumed.optimizer.slots, straight.optimizer.slots)


def test_frozen_layers_per_layer_rates_and_augmentation_train_in_float32():
    X, Y = _images()
    spec = NetworkSpec.for_images((1, 8, 8), [Conv2D(4, 3), MaxPool2D(2), Flatten(),
                                              LayerSpec(12)], 3)
    config = dict(optimizer="adam", batch_size=16, layer_scales=(0.0, 1.0, 1.0, 0.5, 1.0),
                  augmentation={"shift": True, "flip": True})
    (a, _), (b, _) = _pair(spec, X, Y, 6, **config)
    frozen = a.trainable == 0.0
    assert frozen.any()
    np.testing.assert_array_equal(b.params[frozen], b.initial_params[frozen].astype(np.float32))
    np.testing.assert_allclose(b.params, a.params, rtol=1e-4, atol=1e-5)


def test_precision_changes_live_and_keeps_the_weights():
    X, Y = _points()
    spec = NetworkSpec.for_task(2, [LayerSpec(8)], "binary")
    tr = Trainer(spec, TrainConfig(optimizer="adam"), X, Y)
    tr.run(5)
    before = tr.params.copy()
    tr.set_config(TrainConfig(optimizer="adam", precision="float32"))
    assert tr.params.dtype == np.float32 and tr.optimizer.slots.dtype == np.float32
    np.testing.assert_array_equal(tr.params, before.astype(np.float32))
    tr.run(5)
    tr.set_config(TrainConfig(optimizer="adam"))
    assert tr.params.dtype == np.float64 and tr.X is tr._X64     # the data as given again
    tr.reset()
    np.testing.assert_array_equal(tr.params, tr.initial_params)


def test_second_order_methods_run_in_float64_whatever_the_precision():
    X, Y = _points(60)
    spec = NetworkSpec.for_task(2, [LayerSpec(4)], "binary")
    config = TrainConfig(optimizer="lbfgs", precision="float32")
    assert config.dtype == np.float64
    tr = Trainer(spec, config, X, Y)
    assert tr.run(3).steps_done == 3 and tr.params.dtype == np.float64
    # the gradient check's objective is float64 in float32 runs too
    tr.set_config(TrainConfig(optimizer="sgd", precision="float32"))
    f, grad = tr.objective().value_and_grad(tr.params.astype(np.float64))
    assert grad.dtype == np.float64


def test_an_unknown_precision_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown precision 'float16'"):
        TrainConfig(precision="float16")


def test_the_float32_training_kernels_can_be_warmed_up_ahead():
    from engine import warmup
    assert warmup.warm_up(precisions=("float64", "float32")) >= 0.0
