"""Evaluation in float32 (``predict_rows(..., dtype=np.float32)``, ``Trainer.predict(X,
np.float32)``, ``Trainer.activations``): what the views' grids use. Checked against the float64
evaluation and the plain-numpy reference to float32 rounding, and bit for bit against itself
for any thread count (numba's and BLAS's) at a given chunk size."""
import numba
import numpy as np
import pytest

from engine import _fastmath as fm
from engine import blas, reference
from engine import predict as PR
from engine.layers import BatchNorm, Conv2D, Dropout, Flatten, LayerSpec, MaxPool2D
from engine.network import NetworkSpec
from engine.trainer import TrainConfig, Trainer


def _grid(n_side=40):
    xs = np.linspace(-1.5, 1.5, n_side)
    return np.stack(np.meshgrid(xs, xs), -1).reshape(-1, 2)   # 1600 rows: 7 chunks, a partial one


def _dense(widths, activation="tanh", seed=2):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(300, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    spec = NetworkSpec.for_task(2, [LayerSpec(w, activation) for w in widths], "binary")
    tr = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=50), X, Y,
                 seed=seed)
    tr.run(30)
    return tr


def _conv(seed=5):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, size=(40, 1, 8, 8))
    Y = np.eye(3)[np.arange(40) % 3]
    spec = NetworkSpec.for_images((1, 8, 8), [Conv2D(4, 3), BatchNorm(), MaxPool2D(2),
                                              Flatten(), Dropout(0.2), LayerSpec(12, "tanh")], 3)
    tr = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=8), X, Y)
    tr.run(10)                                   # running statistics move away from (0, 1)
    return tr, rng.uniform(0, 1, size=(300, 1, 8, 8))


@pytest.mark.parametrize("widths,activation", [((96, 64), "tanh"), ((6, 5), "tanh"),
                                               ((80, 80), "relu"), ((70,), "elu")])
def test_a_dense_float32_grid_matches_the_float64_one_to_float32_rounding(widths, activation):
    tr = _dense(widths, activation)
    P = _grid()
    out = tr.predict(P, np.float32)
    assert out.dtype == np.float32 and out.shape == (len(P), 1)
    ref = reference.forward(tr.spec, tr.params, P)
    np.testing.assert_allclose(out, ref[-1][1], rtol=1e-5, atol=1e-6)
    hidden, top = tr.activations(P, np.float32)
    assert all(h.dtype == np.float32 for h in hidden)
    for h, (_, a) in zip(hidden, ref[:-1]):
        np.testing.assert_allclose(h, a, rtol=1e-5, atol=2e-6)
    np.testing.assert_array_equal(top, out)        # one pass gives the same outputs
    assert tr.predict(P).dtype == np.float64        # the default: the run's precision


def test_a_conv_nets_float32_predictions_and_maps_match_float64():
    tr, Xs = _conv()
    acts, z = reference.layer_forward(tr.spec, tr.params, Xs, tr.buffers)
    out = tr.predict(Xs, "float32")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, acts[-1][:, :, 0, 0], rtol=1e-5, atol=1e-6)
    logits = PR.predict_rows(tr.params, tr.buffers, tr._gi, tr._gf, Xs.reshape(300, -1),
                             PR.LOGITS, 64, np.float32)
    np.testing.assert_allclose(logits, z, rtol=1e-5, atol=1e-5)
    for m32, m64 in zip(tr.feature_maps(Xs[:2], np.float32), tr.feature_maps(Xs[:2])):
        assert m32.dtype == np.float32
        np.testing.assert_allclose(m32, m64, rtol=1e-5, atol=1e-5)


def _with_threads(n, fn):
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        return fn()
    finally:
        numba.set_num_threads(before)


@pytest.mark.parametrize("widths", [(96, 64), (6, 5)])
def test_a_float32_grid_is_bit_identical_whatever_the_thread_count(widths):
    tr = _dense(widths)
    P = _grid()
    runs = [_with_threads(1, lambda: tr.predict(P, np.float32)),
            _with_threads(numba.config.NUMBA_NUM_THREADS, lambda: tr.predict(P, np.float32))]
    with blas.single_threaded():
        runs.append(tr.predict(P, np.float32))
    for r in runs[1:]:
        np.testing.assert_array_equal(r, runs[0])
    # a chunk asked for alone gives the same rows as within the whole
    p32, b32 = tr.params.astype(np.float32), tr.buffers.astype(np.float32)
    whole = PR.predict_rows(p32, b32, tr._gi, tr._gf, P, PR.ALL_UNITS, 256, np.float32)
    first = PR.predict_rows(p32, b32, tr._gi, tr._gf, P[:256], PR.ALL_UNITS, 256, np.float32)
    np.testing.assert_array_equal(first, whole[:256])


def test_a_conv_nets_float32_evaluation_is_bit_identical_whatever_the_thread_count():
    tr, Xs = _conv()
    one = _with_threads(1, lambda: tr.predict(Xs, np.float32))
    np.testing.assert_array_equal(one, tr.predict(Xs, np.float32))


def test_float32_tanh_is_within_a_few_float32_ulp_of_the_exact_value():
    x = np.concatenate([np.linspace(-12, 12, 4001), np.geomspace(1e-8, 1e-2, 200)])
    x = x.astype(np.float32)
    got = np.array([fm.tanh32(v) for v in x])
    assert [str(s) for s in fm.tanh32.nopython_signatures] == ["(float32,) -> float32"]
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - exact) / ulp) <= 4.0
    assert -1.0 <= fm.tanh32(np.float32(-30.0)) <= -1.0 + 2.0 ** -23   # saturates within an ulp
    assert fm.tanh32(np.float32(0.0)) == 0.0


@pytest.mark.parametrize("dtype", [np.float16, "double", np.int64])
def test_an_unknown_precision_is_refused_by_name(dtype):
    tr = _dense((6, 5))
    with pytest.raises(ValueError, match="precision must be one of"):
        tr.predict(_grid(4), dtype)
    with pytest.raises(ValueError, match="precision must be one of"):
        PR.predict_rows(tr.params, tr.buffers, tr._gi, tr._gf, _grid(4), dtype=dtype)
