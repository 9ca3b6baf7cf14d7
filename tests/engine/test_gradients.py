"""Finite-difference gradient checks of the compiled backward pass: every activation x loss x
regulariser, with dropout under a fixed mask; and the exact Hessian against differences of the
gradient."""
import itertools

import numpy as np
import pytest

from engine import reference
from engine.activations import ACTIVATIONS
from engine.network import LayerSpec, NetworkSpec
from engine.objective import NetworkObjective
from engine.trainer import TrainConfig, Trainer, initial_parameters

LOSS_SETUPS = {  # loss -> (output activation, n_outputs)
    "bce": ("sigmoid", 1),
    "softmax_ce": ("softmax", 3),
    "mse": ("linear", 2),
    "mse_sigmoid": ("sigmoid", 1),
    "mse_tanh": ("tanh", 1),
}
REGULARISERS = {"none": {}, "l2": {"l2": 0.3}, "l1": {"l1": 0.2}, "l1+l2": {"l1": 0.1, "l2": 0.2}}


def _problem(activation, loss_key, dropout=0.0, seed=0, param=None):
    out_act, K = LOSS_SETUPS[loss_key]
    loss = loss_key.split("_")[0] if loss_key.startswith("mse") else loss_key
    spec = NetworkSpec(3, (LayerSpec(5, activation, dropout=dropout, activation_param=param),
                           LayerSpec(4, activation, dropout=dropout, activation_param=param)),
                       K, out_act, loss)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, 3))
    if loss == "softmax_ce":
        Y = np.eye(K)[rng.integers(0, K, 7)]
    elif out_act in ("sigmoid",):
        Y = rng.integers(0, 2, (7, K)).astype(float)
    else:
        Y = rng.normal(size=(7, K))
    params = initial_parameters(spec, seed) + rng.normal(scale=0.3, size=spec.n_params)
    return spec, X, Y, params


def _fd_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


def _reg_vector(**kw):
    return TrainConfig(**kw).reg_vector()


@pytest.mark.parametrize("activation,loss_key,reg",
                         list(itertools.product(sorted(ACTIVATIONS), sorted(LOSS_SETUPS),
                                                sorted(REGULARISERS))))
def test_backprop_matches_finite_differences(activation, loss_key, reg):
    spec, X, Y, params = _problem(activation, loss_key)
    obj = NetworkObjective(spec, X, Y, _reg_vector(**REGULARISERS[reg]))
    f, g = obj.value_and_grad(params)
    fd = _fd_grad(obj.value, params)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)
    # the objective itself equals the textbook numpy formula
    r = REGULARISERS[reg]
    assert f == pytest.approx(reference.objective(spec, params, X, Y, r.get("l1", 0.0),
                                                  r.get("l2", 0.0)), rel=1e-12)


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("loss_key", ["bce", "softmax_ce", "mse"])
def test_leaky_relu_slope_forward_and_backward(slope, loss_key):
    """The slope reaches the compiled forward and backward passes: the gradient matches finite
    differences and the numpy reference, the objective matches the reference's forward pass,
    and a different slope gives a different objective."""
    spec, X, Y, params = _problem("leaky_relu", loss_key, param=slope)
    assert spec.hidden[0].param == slope
    obj = NetworkObjective(spec, X, Y, _reg_vector(l2=0.1))
    f, g = obj.value_and_grad(params)
    np.testing.assert_allclose(g, _fd_grad(obj.value, params), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g, reference.gradient(spec, params, X, Y, 0.0, 0.1),
                               rtol=1e-10, atol=1e-13)
    assert f == pytest.approx(reference.objective(spec, params, X, Y, 0.0, 0.1), rel=1e-12)
    other, _, _, _ = _problem("leaky_relu", loss_key, param=slope + 0.2)
    assert NetworkObjective(other, X, Y, _reg_vector(l2=0.1)).value(params) != f


def test_leaky_relu_by_hand():
    """f(z) = z for z > 0, slope * z otherwise; f'(z) = 1 or slope (course: slope 0.1)."""
    from engine.activations import apply, derivative
    z = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(apply("leaky_relu", z, 0.1), [-0.2, -0.05, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(derivative("leaky_relu", z, 0.1), [0.1, 0.1, 0.1, 1.0, 1.0])
    np.testing.assert_array_equal(apply("leaky_relu", z), [-0.02, -0.005, 0.0, 0.5, 3.0])


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("loss_key", ["bce", "softmax_ce", "mse"])
def test_backprop_with_dropout_matches_finite_differences_under_a_fixed_mask(activation, loss_key):
    spec, X, Y, params = _problem(activation, loss_key, dropout=0.4)
    obj = NetworkObjective(spec, X, Y, _reg_vector(l2=0.1), dropout_seed=11)
    f, g = obj.value_and_grad(params)
    np.testing.assert_allclose(g, _fd_grad(obj.value, params), rtol=1e-5, atol=1e-7)
    # the mask really drops units: the objective differs from the no-dropout one
    assert f != NetworkObjective(spec, X, Y, _reg_vector(l2=0.1)).value(params)


def test_dropout_mask_drops_about_the_rate_and_scales_the_kept_units():
    """Read each mask from the gradient, on one example: every hidden unit outputs exactly 1 and
    the output is their mean, so dL/db_j = dL/dout * (1/200) * mask_j, and dL/dout is the
    gradient of the output bias."""
    spec = NetworkSpec(2, (LayerSpec(200, "linear", dropout=0.3),), 1, "linear", "mse")
    params = initial_parameters(spec, 0)
    (W, b), (Wo, bo) = spec.views(params)
    W[:] = 0.0
    b[:] = 1.0                                  # every hidden unit outputs exactly 1
    Wo[:] = 1.0 / 200                           # output = mean of the hidden units
    bo[:] = 0.0
    X, Y = np.zeros((1, 2)), np.full((1, 1), -1.0)
    masks = []
    for seed in range(50):                      # 50 examples' masks, 10,000 units
        _, g = NetworkObjective(spec, X, Y, _reg_vector(), dropout_seed=seed).value_and_grad(
            params)
        (_, g_b), (_, g_out) = spec.views(g)
        assert g_out[0] != 0.0
        masks.append(g_b / (g_out[0] / 200))
    mask = np.concatenate(masks)
    kept = np.abs(mask) > 1e-9
    assert abs(kept.mean() - 0.7) < 0.015
    np.testing.assert_allclose(mask[kept], 1 / 0.7, rtol=1e-9)
    np.testing.assert_allclose(mask[~kept], 0.0, atol=1e-9)
    assert len({tuple(m != 0) for m in masks}) == 50      # each seed its own mask


def test_numpy_reference_gradient_agrees_with_the_kernel():
    spec, X, Y, params = _problem("swish", "softmax_ce")
    obj = NetworkObjective(spec, X, Y, _reg_vector(l2=0.2))
    np.testing.assert_allclose(obj.value_and_grad(params)[1],
                               reference.gradient(spec, params, X, Y, 0.0, 0.2), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("loss_key", ["bce", "softmax_ce", "mse"])
def test_exact_hessian_matches_differences_of_the_gradient(loss_key):
    spec, X, Y, params = _problem("tanh", loss_key)
    obj = NetworkObjective(spec, X, Y, _reg_vector(l2=0.1))
    H = obj.hessian(params)
    h = 1e-5
    cols = []
    for j in range(params.size):
        xp, xm = params.copy(), params.copy()
        xp[j] += h
        xm[j] -= h
        cols.append((obj.value_and_grad(xp)[1] - obj.value_and_grad(xm)[1]) / (2 * h))
    np.testing.assert_allclose(H, np.array(cols).T, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(H, H.T)


def test_hessian_is_refused_for_large_networks():
    spec = NetworkSpec.for_task(2, [LayerSpec(30), LayerSpec(30)], "binary")
    obj = NetworkObjective(spec, np.zeros((3, 2)), np.zeros((3, 1)), _reg_vector())
    with pytest.raises(ValueError, match="at most 500 parameters"):
        obj.hessian(np.zeros(spec.n_params))


def test_trainer_objective_uses_its_training_set_and_regularisation():
    spec, X, Y, params = _problem("tanh", "bce")
    tr = Trainer(spec, TrainConfig(l2=0.5), X, Y, params=params)
    assert tr.objective().value(params) == pytest.approx(
        reference.objective(spec, params, X, Y, 0.0, 0.5), rel=1e-12)
