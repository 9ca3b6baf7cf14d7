"""Large layers through BLAS: grid evaluation in parallel chunks (engine.predict) against the
plain-numpy reference, its routing, and the determinism the README states (results do not
depend on the BLAS thread count nor, for prediction, on the number of rows asked for at once
beyond the chunk a row falls in)."""
import numpy as np
import pytest

from engine import batch_split as BS
from engine import blas, reference
from engine import predict as PR
from engine.layers import BatchNorm, Conv2D, Flatten, LayerSpec, MaxPool2D
from engine.network import NetworkSpec
from engine.trainer import TrainConfig, Trainer


def _dense_trainer(widths=(96, 64), seed=2):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(300, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    spec = NetworkSpec.for_task(2, [LayerSpec(w, "tanh") for w in widths], "binary")
    return Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=50), X, Y,
                   seed=seed)


def _grid(n_side=40):
    xs = np.linspace(-1.5, 1.5, n_side)
    return np.stack(np.meshgrid(xs, xs), -1).reshape(-1, 2)   # 1600 rows: 7 chunks, a partial one


def test_a_large_dense_networks_grid_matches_the_reference_in_every_unit():
    tr = _dense_trainer()
    tr.run(30)
    P = _grid()
    ref = reference.forward(tr.spec, tr.params, P)
    np.testing.assert_allclose(tr.predict(P), ref[-1][1], rtol=1e-12, atol=1e-15)
    hidden, out = tr.activations(P)
    for h, (_, a) in zip(hidden, ref[:-1]):
        np.testing.assert_allclose(h, a, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(out, tr.predict(P))       # one pass gives the same outputs
    loss, acc = tr.evaluate(tr.X, tr.Y)
    zo, ao = reference.forward(tr.spec, tr.params, tr.X)[-1]
    assert loss == pytest.approx(float(reference.loss(tr.spec, zo, ao, tr.Y)), rel=1e-12)
    assert acc == np.mean((ao[:, 0] >= 0.5) == (tr.Y[:, 0] >= 0.5))


def test_large_and_small_dense_networks_agree_with_the_loop_kernel():
    from engine import kernels as K
    for widths in ((96, 64), (6, 5)):
        tr = _dense_trainer(widths)
        P = _grid(20)
        out = np.empty((len(P), 1))
        K.predict_all(tr.params, tr._li, tr._lf, P, out, K.OUTPUTS)
        np.testing.assert_allclose(tr.predict(P), out, rtol=1e-13, atol=1e-15)


def test_a_rows_prediction_depends_only_on_its_chunk_not_on_threads():
    tr = _dense_trainer()
    P = _grid()
    gi, gf = tr._gi, tr._gf
    whole = PR.predict_rows(tr.params, tr.buffers, gi, gf, P, PR.OUTPUTS, 256)
    # the first chunk asked for alone runs as one call
    first = PR.predict_rows(tr.params, tr.buffers, gi, gf, P[:256], PR.OUTPUTS, 256)
    np.testing.assert_array_equal(first, whole[:256])
    with blas.single_threaded():
        np.testing.assert_array_equal(PR.predict_rows(tr.params, tr.buffers, gi, gf, P[:256],
                                                      PR.OUTPUTS, 256), first)
    # another chunk size groups the rows differently; the numbers agree to rounding
    np.testing.assert_allclose(PR.predict_rows(tr.params, tr.buffers, gi, gf, P, PR.OUTPUTS, 100),
                               whole, rtol=1e-13, atol=1e-15)


def test_training_through_blas_is_bit_identical_for_one_thread_and_for_all():
    runs = []
    for one_thread in (True, False):
        tr = _dense_trainer((128, 96))
        assert tr.uses_layer_kernels and tr._split[0] == 1     # the batch of 50 stays whole
        if one_thread:
            with blas.single_threaded():
                tr.run(12)
        else:
            tr.run(12)
        runs.append(tr.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_overlapping_single_threaded_blocks_restore_the_counts_when_the_last_ends():
    before = blas.threads()
    first, second = blas.single_threaded(), blas.single_threaded()
    first.__enter__()
    second.__enter__()          # say, a prediction on another thread during a training call
    assert blas.threads() == 1
    first.__exit__(None, None, None)
    assert blas.threads() == 1  # the second block still runs on one thread
    second.__exit__(None, None, None)
    assert blas.threads() == before


def test_a_conv_net_predicts_in_parallel_chunks_as_the_reference_says():
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 1, size=(40, 1, 8, 8))
    Y = np.eye(3)[np.arange(40) % 3]
    spec = NetworkSpec.for_images((1, 8, 8), [Conv2D(4, 3), BatchNorm(), MaxPool2D(2),
                                              Flatten(), LayerSpec(12, "tanh")], 3)
    tr = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=8), X, Y)
    tr.run(10)                                   # running statistics move away from (0, 1)
    Xs = rng.uniform(0, 1, size=(700, 1, 8, 8))  # more rows than one chunk
    acts, z = reference.layer_forward(spec, tr.params, Xs, tr.buffers)
    np.testing.assert_allclose(tr.predict(Xs), acts[-1][:, :, 0, 0], rtol=1e-11, atol=1e-14)
    logits = PR.predict_rows(tr.params, tr.buffers, tr._gi, tr._gf, Xs.reshape(700, -1),
                             PR.LOGITS, 64)
    np.testing.assert_allclose(logits, z, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("kwargs,message", [({"mode": 7}, "mode must be"),
                                            ({"chunk": 0}, "chunk must be")])
def test_bad_prediction_arguments_are_refused(kwargs, message):
    tr = _dense_trainer()
    with pytest.raises(ValueError, match=message):
        PR.predict_rows(tr.params, tr.buffers, tr._gi, tr._gf, _grid(4), **kwargs)


def _split_pair(spec, X, Y, config, seed=0):
    """Two trainers of one run: the batch split in two parts, and whole."""
    split = Trainer(spec, config, X, Y, seed=seed)
    whole = Trainer(spec, config, X, Y, seed=seed)
    split._split = BS.plan(split._gi, spec.n_params, spec.n_buffers, split._batch, threads=2,
                           min_work=0)
    whole._split = BS.plan(whole._gi, spec.n_params, spec.n_buffers, whole._batch, threads=1)
    return split, whole


def test_a_split_batch_gives_the_whole_batchs_step_to_rounding():
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(256, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    spec = NetworkSpec.for_task(2, [LayerSpec(128, "tanh"), LayerSpec(128, "relu")], "binary")
    split, whole = _split_pair(spec, X, Y, TrainConfig(learning_rate=0.5, batch_size=256))
    assert split._split[0] == 2 and whole._split[0] == 1
    p0 = split.params.copy()
    split.run(1)           # one full-batch SGD step: p - lr * the reference's gradient
    whole.run(1)
    step = 0.5 * reference.gradient(spec, p0, X, Y)
    np.testing.assert_allclose(split.params, p0 - step, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(split.params, whole.params, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", ["multiclass", "regression"])
def test_a_split_batchs_loss_is_the_whole_batchs_mean(loss):
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, size=(200, 2))
    Y = np.eye(3)[rng.integers(0, 3, 200)] if loss == "multiclass" else X[:, :1] * X[:, 1:]
    spec = NetworkSpec.for_task(2, [LayerSpec(160, "tanh")] * 2, loss, n_classes=3)
    split, whole = _split_pair(spec, X, Y, TrainConfig(optimizer="adam", learning_rate=0.01,
                                                       batch_size=100))
    assert split._split[0] == 2
    a, b = split.run(6), whole.run(6)
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-12)
    np.testing.assert_allclose(split.params, whole.params, rtol=1e-9, atol=1e-12)


def test_a_split_run_is_the_same_however_chunked_and_with_dropout_masks_of_its_own():
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, size=(600, 2))
    Y = (X[:, :1] > 0).astype(float)
    spec = NetworkSpec.for_task(2, [LayerSpec(128, "tanh", dropout=0.3)] * 2, "binary")
    config = TrainConfig(optimizer="momentum", learning_rate=0.05, batch_size=2 * BS.SLICE_ROWS)
    a, _ = _split_pair(spec, X, Y, config)
    b, whole = _split_pair(spec, X, Y, config)
    assert a._split[0] == 2 and not a._split[4]      # slices (not layers shared)
    a.run(9)                  # 9 steps over epochs of 256, 256 and a last batch of 88 rows
    b.run(4)
    b.run(5)
    np.testing.assert_array_equal(a.params, b.params)
    # each slice of a batch draws its masks from a key of its own
    from engine.batch_split import part_key
    key = np.uint64(12345)
    assert part_key(key, 0) == key and part_key(key, 1) != key
    whole.run(9)
    assert not np.allclose(a.params, whole.params)   # the masks differ from the unsplit run's


def test_batch_norm_and_small_steps_never_cut_the_batch():
    conv = NetworkSpec.for_images((1, 8, 8), [Conv2D(4, 3), BatchNorm(), Flatten()], 2)
    gi, _ = conv.geometry_tables()
    assert BS.plan(gi, conv.n_params, conv.n_buffers, 256, threads=2)[0] == 1
    small = NetworkSpec.for_task(2, [LayerSpec(8)], "binary")
    gi, _ = small.geometry_tables()
    assert BS.plan(gi, small.n_params, small.n_buffers, 256, threads=2)[0] == 1
    big = NetworkSpec.for_task(2, [LayerSpec(256)] * 2, "binary")
    gi, _ = big.geometry_tables()
    assert BS.plan(gi, big.n_params, big.n_buffers, 256, threads=2)[0] == 2
    lenet = NetworkSpec.for_images((1, 16, 16), [Conv2D(16, 3), Flatten(), LayerSpec(64)], 2)
    gi, _ = lenet.geometry_tables()
    assert BS.plan(gi, lenet.n_params, 0, 2 * BS.MIN_ROWS, threads=2)[0] == 2
    assert BS.plan(gi, lenet.n_params, 0, 2 * BS.MIN_ROWS - 1, threads=2)[0] == 1
