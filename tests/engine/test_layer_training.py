"""Training networks of any layer kinds: learning digits, every optimiser and regulariser,
second-order methods at full batch, frozen layers, buffers in the state, determinism, and
one-line messages for layer combinations that cannot work."""
import numpy as np
import pytest

from engine.layers import (LAYER_KINDS, AvgPool2D, BatchNorm, Conv2D, Dropout, Flatten,
                           LayerSpec, MaxPool2D, layer_config, layer_from_config)
from engine.network import NetworkSpec
from engine.optimizers import OPTIMIZERS
from engine.trainer import TrainConfig, Trainer


def _digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))   # writers on both sides
    X = (d.images[order] / 16.0).reshape(-1, 1, 8, 8)
    Y = np.eye(10)[d.target[order]]
    return X[:1437], Y[:1437], X[1437:], Y[1437:]


def _tiny(n=24, seed=0):
    """A small 2-class image problem: a bright left half or a bright right half."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(0.0, 0.3, size=(n, 1, 6, 6))
    X[y == 0, :, :, :3] += 1.0
    X[y == 1, :, :, 3:] += 1.0
    return X, np.eye(2)[y]


TINY = [Conv2D(3, 3, activation="tanh"), BatchNorm(), MaxPool2D(2), Flatten(),
        LayerSpec(4, "tanh")]


def test_a_small_conv_net_learns_the_digits():
    X, Y, Xt, Yt = _digits()
    spec = NetworkSpec.for_images((1, 8, 8), [Conv2D(8, 3), MaxPool2D(2), Flatten()], 10)
    tr = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=32), X, Y,
                 Xt, Yt, seed=0)
    tr.run(10 * tr.steps_per_epoch)
    loss, acc = tr.evaluate(Xt, Yt)
    assert acc >= 0.97, (loss, acc)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_with_schedule_and_regularisers_trains_an_image_net(optimizer):
    X, Y = _tiny()
    spec = NetworkSpec.for_images((1, 6, 6), TINY, 2)
    lr = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.1, "adadelta": 1.0,
          "rmsprop": 0.01, "adam": 0.01}[optimizer]
    config = TrainConfig(optimizer=optimizer, learning_rate=lr, batch_size=8, schedule="cosine",
                         schedule_params={"decay_steps": 200}, l1=1e-4, l2=1e-3,
                         weight_decay=1e-3, clip_norm=5.0, max_norm=3.0)
    tr = Trainer(spec, config, X, Y, seed=1)
    before = tr.evaluate(X, Y)[0]
    result = tr.run(150)
    assert not result.diverged
    assert tr.evaluate(X, Y)[0] < 0.7 * before
    for view in spec.named_views(tr.params):
        if "kernel" in view and view["kernel"].ndim == 4:
            norms = np.sqrt((view["kernel"] ** 2).sum(axis=(1, 2, 3)))
            assert norms.max() <= 3.0 + 1e-12


@pytest.mark.parametrize("method", ["lbfgs", "cg"])
def test_second_order_methods_train_a_tiny_image_net_at_full_batch(method):
    X, Y = _tiny(16)
    spec = NetworkSpec.for_images((1, 6, 6), TINY, 2)
    tr = Trainer(spec, TrainConfig(optimizer=method), X, Y, seed=0)
    before = tr.evaluate(X, Y)[0]
    buffers = tr.buffers.copy()
    result = tr.run(15)
    assert not result.diverged
    assert result.losses[-1] < 0.5 * before
    assert not np.array_equal(tr.buffers, buffers)      # running statistics followed


def test_newton_is_refused_for_image_nets_with_a_clear_message():
    X, Y = _tiny(8)
    spec = NetworkSpec.for_images((1, 6, 6), [Flatten()], 2)
    tr = Trainer(spec, TrainConfig(optimizer="newton"), X, Y)
    with pytest.raises(ValueError, match="dense networks only"):
        tr.objective().hessian(tr.params)


@pytest.mark.parametrize("dense", [True, False])
def test_frozen_layers_do_not_move_whatever_the_optimizer_and_regularisers(dense):
    if dense:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(30, 2))
        Y = (X[:, :1] > 0).astype(float)
        spec = NetworkSpec.for_task(2, [LayerSpec(5), LayerSpec(4)], "binary")
    else:
        X, Y = _tiny()
        spec = NetworkSpec.for_images((1, 6, 6), TINY, 2)
    config = TrainConfig(optimizer="momentum", learning_rate=0.05, batch_size=8, l1=1e-3,
                         l2=1e-2, weight_decay=0.1, max_norm=0.5)
    tr = Trainer(spec, config, X, Y, seed=3)
    tr.run(5)                     # momentum built up before the freeze
    tr.set_trainable([0], False)
    assert tr.frozen_layers() == [0]
    a, b = spec.layer_slices()[0]
    frozen = tr.params[a:b].copy()
    rest = tr.params[b:].copy()
    tr.run(20)
    np.testing.assert_array_equal(tr.params[a:b], frozen)
    assert not np.array_equal(tr.params[b:], rest)
    tr.set_trainable([0], True)
    tr.run(2)
    assert not np.array_equal(tr.params[a:b], frozen)


def test_runs_are_bit_identical_however_chunked_and_through_the_state_dict():
    X, Y = _tiny()
    spec = NetworkSpec.for_images((1, 6, 6), [Conv2D(3, 3), Dropout(0.3), BatchNorm(),
                                              AvgPool2D(2), Flatten()], 2)
    config = TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=5)
    one = Trainer(spec, config, X, Y, seed=7)
    one.set_trainable([0], False)
    one.run(40)
    two = Trainer(spec, config, X.reshape(len(X), -1), Y, seed=7)   # flat rows: the same data
    two.set_trainable([0], False)
    two.run(13)
    saved = two.state_dict()
    three = Trainer(spec, config, X, Y, seed=0)
    three.load_state_dict(saved)
    three.run(27)
    np.testing.assert_array_equal(one.params, three.params)
    np.testing.assert_array_equal(one.buffers, three.buffers)
    np.testing.assert_array_equal(three.trainable, one.trainable)
    with pytest.raises(ValueError, match="trainable"):
        three.load_state_dict({**saved, "trainable": np.full(spec.n_params, 0.5)})


def test_filters_and_feature_maps_by_name():
    X, Y = _tiny(4)
    spec = NetworkSpec.for_images((1, 6, 6), TINY, 2)
    tr = Trainer(spec, TrainConfig(batch_size=4), X, Y)
    filters = spec.named_views(tr.params)[0]["kernel"]
    assert filters.shape == (3, 1, 3, 3)
    assert np.shares_memory(filters, tr.params)
    maps = tr.feature_maps(X[:2])
    assert [m.shape for m in maps] == [(2, *s) for s in spec.shapes()[1:-1]]
    assert spec.shapes()[1:-1] == [(3, 6, 6), (3, 6, 6), (3, 3, 3), (27, 1, 1), (4, 1, 1)]


def test_every_layers_outputs_end_with_what_predict_gives():
    """activations evaluates the rows as predict does (its chunks, several of them here), so
    its output columns are predict's numbers; feature_maps are the same layers' outputs."""
    X, Y = _tiny(600)
    spec = NetworkSpec.for_images((1, 6, 6), TINY, 2)
    tr = Trainer(spec, TrainConfig(batch_size=50), X, Y)
    tr.run(5)
    hidden, out = tr.activations(X)
    np.testing.assert_array_equal(out, tr.predict(X))
    maps = tr.feature_maps(X[590:])
    for m, h in zip(maps, hidden, strict=True):
        np.testing.assert_allclose(m.reshape(10, -1), h[590:], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape,layers,message", [
    ((1, 4, 4), [Conv2D(2, 5, padding="valid"), Flatten()], "5x5 kernel .* 4x4 map"),
    ((1, 4, 4), [Conv2D(2, 3), LayerSpec(3)], "put a Flatten"),
    ((1, 4, 4), [Conv2D(2, 3)], "output layer is dense: put a Flatten"),
    ((1, 4, 4), [Flatten(), MaxPool2D(2)], "needs an image"),
    ((1, 3, 3), [MaxPool2D(4), Flatten()], "4x4 pooling window does not fit on a 3x3 map"),
])
def test_combinations_that_cannot_work_are_explained(shape, layers, message):
    with pytest.raises(ValueError, match=message):
        NetworkSpec.for_images(shape, layers, 3)


def test_each_kind_round_trips_through_its_config_and_validates():
    layers = [LayerSpec(3), Conv2D(4, 5, stride=2, padding="valid"), MaxPool2D(3, 2),
              AvgPool2D(2), Flatten(), Dropout(0.2), BatchNorm(momentum=0.05)]
    assert {layer.kind for layer in layers} == set(LAYER_KINDS)
    for layer in layers:
        assert layer_from_config(layer_config(layer)) == layer if not hasattr(layer, "init_params") \
            else layer_config(layer_from_config(layer_config(layer))) == layer_config(layer)
        assert LAYER_KINDS[layer.kind].formula
    with pytest.raises(ValueError, match="odd kernel"):
        Conv2D(4, 2)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(momentum=0.0)
    with pytest.raises(ValueError, match="unknown layer kind"):
        layer_from_config({"kind": "lstm"})


def test_a_dense_network_with_a_large_layer_trains_through_blas_as_the_reference_says():
    from engine import reference
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    spec = NetworkSpec.for_task(2, [LayerSpec(128, "tanh"), LayerSpec(96, "relu")], "binary")
    tr = Trainer(spec, TrainConfig(learning_rate=0.5, batch_size=300), X, Y, seed=1)
    small = Trainer(spec, TrainConfig(batch_size=2), X, Y, seed=1)
    assert tr.uses_layer_kernels and not small.uses_layer_kernels
    p0 = tr.params.copy()
    tr.run(1)            # one full-batch SGD step
    np.testing.assert_allclose(tr.params, p0 - 0.5 * reference.gradient(spec, p0, X, Y),
                               rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(tr.predict(X), reference.forward(spec, tr.params, X)[-1][1],
                               rtol=1e-12)


def test_augmentation_applies_to_the_gathered_training_images_only():
    from engine.augment import Augmentation, augment_batch
    rng = np.random.default_rng(4)
    X = rng.uniform(0, 1, size=(12, 1, 6, 6))
    Y = np.eye(2)[np.arange(12) % 2]
    spec = NetworkSpec.for_images((1, 6, 6), [Conv2D(2, 3), Flatten()], 2)
    settings = Augmentation(flip=True, shift=True, noise=True, brightness=True)
    config = TrainConfig(learning_rate=0.1, batch_size=12)

    plain = Trainer(spec, config, X, Y, seed=3)
    off = Trainer(spec, config, X, Y, seed=3)
    off.set_augmentation(Augmentation())            # everything switched off: no change
    on = Trainer(spec, config, X, Y, seed=3)
    on.set_augmentation(settings)
    # the same first step as plain training on the batch augment_batch makes for step 0
    expected = Trainer(spec, config, augment_batch(X, np.empty_like(X), settings, 3, 0,
                                                   np.arange(12)), Y, seed=3)
    for tr in (plain, off, on, expected):
        tr.run(1)
    np.testing.assert_array_equal(off.params, plain.params)
    assert not np.allclose(on.params, plain.params)
    np.testing.assert_allclose(on.params, expected.params, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(on.predict(X), Trainer(spec, config, X, Y, params=on.params)
                                  .predict(X))        # prediction does not augment

    chunked = Trainer(spec, TrainConfig(batch_size=5), X, Y, seed=3)
    whole = Trainer(spec, TrainConfig(batch_size=5), X, Y, seed=3)
    for tr in (chunked, whole):
        tr.set_augmentation(settings)
    chunked.run(4)
    chunked.run(7)
    whole.run(11)
    np.testing.assert_array_equal(chunked.params, whole.params)
    dense = NetworkSpec.for_task(2, [LayerSpec(3)], "binary")
    with pytest.raises(ValueError, match="image network"):
        Trainer(dense, config, X[:, 0, 0, :2], Y[:, :1]).set_augmentation(settings)


def test_batch_norm_lets_a_deep_sigmoid_network_learn_where_it_stalls_without():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (400, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    losses = {}
    for bn in (False, True):
        hidden = []
        for _ in range(8):
            hidden += ([LayerSpec(8, "linear"), BatchNorm(activation="sigmoid")] if bn
                       else [LayerSpec(8, "sigmoid")])
        spec = NetworkSpec.for_task(2, hidden, "binary")
        tr = Trainer(spec, TrainConfig(learning_rate=0.3, batch_size=10), X, Y, seed=0)
        tr.run(1000)
        losses[bn] = tr.evaluate(X, Y)          # evaluation: batch norm's running statistics
    assert losses[False][0] > 0.68 and losses[False][1] < 0.6      # stuck near log 2, chance
    assert losses[True][0] < 0.45 and losses[True][1] > 0.85
