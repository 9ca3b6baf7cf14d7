"""Every layer kind's compiled forward and backward pass against independent references: the
plain-numpy forward of engine.reference, and central finite differences of the loss for the
gradient (alone and in combinations, with dropout and batch norm in training mode)."""
import numpy as np
import pytest

from engine import reference
from engine.layers import (AvgPool2D, BatchNorm, Conv2D, Dropout, Flatten, LayerSpec, MaxPool2D)
from engine.network import NetworkSpec
from engine.trainer import TrainConfig, Trainer

NETS = {
    "conv_same": ((2, 5, 5), [Conv2D(3, 3, activation="tanh"), Flatten()]),
    "conv_valid_stride2": ((2, 7, 6), [Conv2D(2, 3, stride=2, padding="valid",
                                              activation="sigmoid"), Flatten()]),
    "conv_1x1": ((3, 3, 3), [Conv2D(2, 1, activation="linear"), Flatten()]),
    "maxpool": ((2, 6, 6), [Conv2D(2, 3, activation="tanh"), MaxPool2D(2), Flatten()]),
    "maxpool_overlap": ((1, 7, 7), [MaxPool2D(3, stride=2), Flatten()]),
    "avgpool": ((2, 6, 6), [Conv2D(2, 3, activation="tanh"), AvgPool2D(2), Flatten()]),
    "batchnorm_conv": ((2, 4, 4), [Conv2D(3, 3, activation="linear"),
                                   BatchNorm(activation="tanh"), Flatten()]),
    "batchnorm_dense": ((4, 1, 1), [LayerSpec(5, "linear"), BatchNorm(activation="sigmoid"),
                                    LayerSpec(3, "tanh")]),
    "flatten_dense": ((2, 3, 3), [Flatten(), LayerSpec(4, "tanh")]),
    "lenet_like": ((1, 8, 8), [Conv2D(3, 3, activation="relu"), BatchNorm(), MaxPool2D(2),
                               Conv2D(4, 3, padding="valid", activation="tanh"), Flatten(),
                               LayerSpec(6, "elu")]),
}


def _problem(name, n=7, seed=0, classes=3):
    shape, layers = NETS[name]
    spec = NetworkSpec.for_images(shape, layers, classes)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, *shape))
    Y = np.eye(classes)[rng.integers(0, classes, n)]
    tr = Trainer(spec, TrainConfig(batch_size=n), X, Y, seed=seed)
    # random gamma/beta and biases so that nothing sits at a symmetric point
    tr.params[:] += 0.1 * rng.normal(size=tr.params.shape)
    return spec, tr, X.reshape(n, -1), Y


def _finite_differences(f, x, h=1e-6):
    g = np.empty_like(x)
    for i in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


@pytest.mark.parametrize("name", sorted(NETS))
def test_the_compiled_loss_is_the_reference_loss(name):
    spec, tr, X, Y = _problem(name)
    f, _ = tr.objective().value_and_grad(tr.params)
    assert f == pytest.approx(reference.layer_objective(spec, tr.params, X, Y), rel=1e-12)


@pytest.mark.parametrize("name", sorted(NETS))
def test_the_gradient_matches_finite_differences_of_the_reference(name):
    spec, tr, X, Y = _problem(name)
    _, g = tr.objective().value_and_grad(tr.params)
    fd = _finite_differences(lambda p: reference.layer_objective(spec, p, X, Y), tr.params)
    assert np.abs(g).max() > 1e-3
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(NETS))
def test_evaluation_mode_predictions_are_the_reference_forward(name):
    spec, tr, X, _ = _problem(name)
    rng = np.random.default_rng(3)
    tr.buffers[:] = np.abs(rng.normal(size=tr.buffers.shape)) + 0.5   # running stats in use
    acts, _ = reference.layer_forward(spec, tr.params, X, tr.buffers, train=False)
    np.testing.assert_allclose(tr.predict(X), acts[-1][:, :, 0, 0], rtol=1e-12, atol=1e-14)
    for fmap, a in zip(tr.feature_maps(X), acts[:-1]):
        np.testing.assert_allclose(fmap, a, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["lenet_like", "batchnorm_dense", "maxpool"])
def test_gradients_with_dropout_match_finite_differences_of_the_same_mask(name):
    shape, layers = NETS[name]
    layers = list(layers)
    layers.insert(len(layers) - 1, Dropout(0.4))
    spec = NetworkSpec.for_images(shape, layers, 3)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, *shape)).reshape(6, -1)
    Y = np.eye(3)[rng.integers(0, 3, 6)]
    tr = Trainer(spec, TrainConfig(batch_size=6, l2=0.01, l1=0.003), X, Y, seed=2)
    obj = tr.objective(dropout_seed=5)
    f0, g = obj.value_and_grad(tr.params)
    assert f0 != tr.objective().value(tr.params)        # the mask does something
    fd = _finite_differences(obj.value, tr.params)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)


def test_batch_norm_moves_its_running_statistics_while_training_only():
    spec, tr, X, Y = _problem("batchnorm_dense", n=20)
    before = tr.buffers.copy()
    tr.predict(X)
    tr.objective().value_and_grad(tr.params)
    np.testing.assert_array_equal(tr.buffers, before)
    tr.set_config(TrainConfig(batch_size=20))
    dense = {k: v.copy() for k, v in spec.named_views(tr.params)[0].items()}
    tr.run(1)
    # one step from (mean 0, var 1) with momentum 0.1 towards the batch's statistics
    pre = X @ dense["kernel"] + dense["bias"]
    view = spec.buffer_views(tr.buffers)[1]
    np.testing.assert_allclose(view["running_mean"], 0.1 * pre.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(view["running_var"], 0.9 + 0.1 * pre.var(axis=0, ddof=1),
                               rtol=1e-9)
