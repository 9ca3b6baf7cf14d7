"""Threads inside each layer (engine.layer_pass): which networks take them (batch_split.plan),
that a training step through them computes the gradient the reference's finite differences
give, and that runs on two threads are those on one to rounding and bit-identical among
themselves, however they are chunked."""
import numba
import numpy as np
import pytest

from engine import batch_split as BS
from engine import reference
from engine.layers import BatchNorm, Conv2D, Dropout, Flatten, LayerSpec, MaxPool2D
from engine.network import NetworkSpec
from engine.trainer import TrainConfig, Trainer

two_threads = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2,
                                 reason="numba has one thread on this machine")


def _dense(layers, n=200, d=8, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    Y = np.eye(classes)[rng.integers(0, classes, n)]
    return NetworkSpec.for_images((d, 1, 1), layers, classes), X, Y


def _plan(spec, batch, threads=2):
    gi, _ = spec.geometry_tables()
    parts, extra, _, _, inside = BS.plan(gi, spec.n_params, spec.n_buffers, batch,
                                         threads=threads)
    return parts, extra.shape[0], inside


WIDE = [LayerSpec(160, "tanh"), LayerSpec(160, "tanh")]
WIDE_BN = [LayerSpec(160, "linear"), BatchNorm(activation="tanh"), LayerSpec(160, "tanh")]


def test_the_plan_shares_layers_for_short_batches_and_batch_norm_and_slices_long_ones():
    spec, _, _ = _dense(WIDE)
    assert _plan(spec, 200) == (2, 0, True)                 # 100 rows a slice: too few
    assert _plan(spec, 2 * BS.SLICE_ROWS) == (2, 1, False)  # slices, one extra gradient
    bn, _, _ = _dense(WIDE_BN)
    assert _plan(bn, 2 * BS.SLICE_ROWS) == (2, 0, True)     # batch norm: the batch stays whole
    drop, _, _ = _dense([LayerSpec(256, "relu"), Dropout(0.3), Flatten(), LayerSpec(256)])
    assert _plan(drop, 64) == (2, 0, True)
    assert _plan(spec, 200, threads=1) == (1, 0, False)
    small, _, _ = _dense([LayerSpec(4, "tanh")])
    assert _plan(small, 200) == (1, 0, False)               # not worth starting threads
    conv = NetworkSpec.for_images((1, 16, 16), [Conv2D(16, 3), MaxPool2D(2), Flatten(),
                                                LayerSpec(64)], 10)
    assert _plan(conv, 64) == (2, 1, False)                 # conv nets: slices
    conv_bn = NetworkSpec.for_images((1, 16, 16), [Conv2D(16, 3), BatchNorm(), Flatten()], 10)
    assert _plan(conv_bn, 64) == (1, 0, False)
    assert _plan(conv_bn, 256) == (1, 0, False)


def _trainer(spec, X, Y, threads, batch, precision="float64", lr=0.05, optimizer="adam"):
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)          # the plan reads numba's thread count
    try:
        return Trainer(spec, TrainConfig(optimizer=optimizer, learning_rate=lr,
                                         batch_size=batch, precision=precision), X, Y, seed=4)
    finally:
        numba.set_num_threads(previous)


def _run(tr, threads, steps):
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        tr.run(steps)
    finally:
        numba.set_num_threads(previous)


@two_threads
@pytest.mark.parametrize("layers", [WIDE, WIDE_BN], ids=["dense", "batchnorm"])
def test_a_step_through_shared_layers_follows_the_gradient_of_the_reference(layers):
    spec, X, Y = _dense(layers, n=200)
    assert _plan(spec, 200) == (2, 0, True)
    tr = _trainer(spec, X, Y, 2, batch=200, optimizer="sgd", lr=1.0)
    rng = np.random.default_rng(1)
    tr.params[:] += 0.1 * rng.normal(size=tr.params.shape)   # nothing at a symmetric point
    before = tr.params.copy()
    _run(tr, 2, 1)                          # full batch, SGD at rate 1: p - p' is the gradient
    grad = before - tr.params
    h = 1e-6
    for i in rng.choice(spec.n_params, 30, replace=False):
        up, down = before.copy(), before.copy()
        up[i] += h
        down[i] -= h
        fd = (reference.layer_objective(spec, up, X, Y)
              - reference.layer_objective(spec, down, X, Y)) / (2 * h)
        assert grad[i] == pytest.approx(fd, rel=1e-5, abs=1e-8)
    assert np.abs(grad).max() > 1e-3


CASES = {
    "dense": (WIDE, 200, "float64"),
    "batchnorm": (WIDE_BN, 256, "float64"),
    "dropout": ([LayerSpec(256, "relu"), Dropout(0.25), LayerSpec(128, "elu", dropout=0.1)],
                128, "float64"),
    "float32": (WIDE_BN, 160, "float32"),
}


@two_threads
@pytest.mark.parametrize("name", sorted(CASES))
def test_two_threads_train_as_one_and_repeat_bit_for_bit(name):
    layers, batch, precision = CASES[name]
    spec, X, Y = _dense(layers, n=600)
    assert _plan(spec, batch) == (2, 0, True)
    one, a, b = (_trainer(spec, X, Y, t, batch, precision, optimizer="sgd", lr=0.1)
                 for t in (1, 2, 2))
    start = a.params.copy()
    _run(one, 1, 12)
    _run(a, 2, 12)                          # 12 steps: two epochs, a short batch in each
    _run(b, 2, 5), _run(b, 2, 7)
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.buffers, b.buffers)
    tol = 1e-4 if precision == "float32" else 1e-10
    np.testing.assert_allclose(a.params, one.params, rtol=tol, atol=tol)
    np.testing.assert_allclose(a.buffers, one.buffers, rtol=tol, atol=tol)
    assert np.abs(a.params - start).max() > 1e-3
