"""Settings the course's lessons need, in the engine: the output layer's initializer (the
all-zeros lesson), the small-random scale, decoupled weight decay with every first-order
optimizer and max-norm, each against a formula worked by hand."""
import numpy as np
import pytest

from engine.network import LayerSpec, NetworkSpec
from engine.optimizers import OPTIMIZERS
from engine.trainer import TrainConfig, Trainer, initial_parameters


def _xor(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float).reshape(-1, 1)


def _spec(init="glorot_uniform", output_init="glorot_uniform", scale=None, units=(6, 5),
          activation="tanh"):
    params = {} if scale is None else {"scale": scale}
    hidden = tuple(LayerSpec(u, activation, init=init, init_params=params) for u in units)
    return NetworkSpec(2, hidden, 1, "sigmoid", "bce", output_init=output_init,
                       output_init_params=params if output_init.startswith("random") else {})


def _identical_units(W, b):
    """True when every unit (its column of W, incoming weights, and its bias) equals the first."""
    return bool(np.all(W == W[:, :1]) and np.all(b == b[0]))


def test_all_zeros_everywhere_keeps_every_hidden_unit_of_a_layer_identical():
    X, Y = _xor()
    tr = Trainer(_spec("zeros", "zeros"), TrainConfig(optimizer="sgd", learning_rate=0.5,
                                                      batch_size=10), X, Y)
    assert not tr.params.any()
    tr.run(300)
    hidden = tr.spec.views(tr.params)[:-1]
    for W, b in hidden:
        assert _identical_units(W, b)
    # the output layer still learns (its bias does): training ran
    assert tr.spec.views(tr.params)[-1][1][0] != 0.0


def test_a_random_output_layer_breaks_the_symmetry_of_zero_hidden_layers():
    """The reason the lesson needs the output initializer: with Glorot output weights, the
    last hidden layer's units receive different gradients and drift apart."""
    X, Y = _xor()
    tr = Trainer(_spec("zeros", "glorot_uniform"),
                 TrainConfig(optimizer="sgd", learning_rate=0.5, batch_size=10), X, Y)
    tr.run(300)
    assert not _identical_units(*tr.spec.views(tr.params)[-2])


@pytest.mark.parametrize("name, ratio", [("random_normal", 1.0),
                                         ("random_uniform", 1 / np.sqrt(3))])
@pytest.mark.parametrize("scale", [1e-3, 0.05, 2.0])
def test_the_small_random_scale_sets_the_spread_of_every_layers_weights(name, ratio, scale):
    """N(0, scale^2) has std scale; U[-scale, scale] has std scale / sqrt(3). The sample std of
    n weights has relative sd at most sqrt(0.5 / n): 5 sigma is 1.8% for the 200 x 200 hidden
    layer, 18% for the 2 x 200 input layer, 25% for the 200 x 1 output layer."""
    spec = _spec(name, name, scale, units=(200, 200))
    params = initial_parameters(spec, seed=4)
    for W, _ in spec.views(params):
        assert abs(W.std() / (ratio * scale) - 1) < 5 * np.sqrt(0.5 / W.size)
        if name == "random_uniform":
            assert np.abs(W).max() <= scale
    # the default scale is 0.01, as before
    default = initial_parameters(_spec(name, name, None, units=(200, 200)), seed=4)
    np.testing.assert_array_equal(default, initial_parameters(
        _spec(name, name, 0.01, units=(200, 200)), seed=4))


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_one_full_batch_step_decays_then_applies_the_optimizers_update(optimizer):
    """Through the training loop: x1 = u(x0 - lr wd x0, g(x0)), where u is the optimizer's own
    update (checked against the textbook in test_optimizers) and g the gradient at x0."""
    X, Y = _xor()
    lr, wd = 0.05, 0.4
    tr = Trainer(_spec(), TrainConfig(optimizer=optimizer, learning_rate=lr, weight_decay=wd,
                                      batch_size=len(X)), X, Y, seed=2)
    x0 = tr.params.copy()
    _, g = tr.objective().value_and_grad(x0)
    tr.run(1)
    expected = x0 - lr * wd * x0
    OPTIMIZERS[optimizer]().update_step(g, expected, lr)
    np.testing.assert_allclose(tr.params, expected, rtol=1e-13, atol=1e-16)
    plain = Trainer(_spec(), TrainConfig(optimizer=optimizer, learning_rate=lr,
                                         batch_size=len(X)), X, Y, seed=2)
    plain.run(1)
    assert np.abs(plain.params - tr.params).max() > 1e-4       # the decay changed the step


def test_sgd_weight_decay_by_hand():
    """x1 = x0 - lr (wd x0 + g): with biases too, unlike L2 (which skips them)."""
    X, Y = _xor()
    tr = Trainer(_spec(), TrainConfig(optimizer="sgd", learning_rate=0.1, weight_decay=0.25,
                                      batch_size=len(X)), X, Y, seed=5)
    tr.params[tr.spec.weight_mask() == 0] = -0.2
    x0 = tr.params.copy()
    _, g = tr.objective().value_and_grad(x0)
    tr.run(1)
    np.testing.assert_allclose(tr.params, x0 - 0.1 * (0.25 * x0 + g), rtol=1e-13, atol=1e-16)


def test_a_live_weight_decay_change_takes_effect_at_the_next_step():
    X, Y = _xor()
    tr = Trainer(_spec(), TrainConfig(optimizer="sgd", learning_rate=0.1, batch_size=len(X)),
                 X, Y, seed=5)
    tr.run(3)
    x0 = tr.params.copy()
    _, g = tr.objective().value_and_grad(x0)
    tr.set_config(TrainConfig(optimizer="sgd", learning_rate=0.1, batch_size=len(X),
                              weight_decay=0.5, max_norm=0.0))
    tr.run(1)
    np.testing.assert_allclose(tr.params, x0 - 0.1 * (0.5 * x0 + g), rtol=1e-13, atol=1e-16)


def test_max_norm_rescales_exactly_the_units_whose_incoming_weights_are_too_long():
    """After the update, each unit's incoming weight vector w_j (a column of W) becomes
    w_j * min(1, c / |w_j|); biases are untouched."""
    X, Y = _xor()
    c, lr = 0.8, 0.05
    tr = Trainer(_spec(units=(6,)), TrainConfig(optimizer="sgd", learning_rate=lr,
                                                batch_size=len(X), max_norm=c), X, Y, seed=1)
    W0, _ = tr.spec.views(tr.params)[0]
    W0[:, :3] *= 4.0                                 # three units far over the cap
    x0 = tr.params.copy()
    _, g = tr.objective().value_and_grad(x0)
    tr.run(1)
    expected = x0 - lr * g
    for W, _ in tr.spec.views(expected):
        norms = np.linalg.norm(W, axis=0)
        W *= np.minimum(1.0, c / norms)
    np.testing.assert_allclose(tr.params, expected, rtol=1e-13, atol=1e-16)
    norms = np.linalg.norm(tr.spec.views(tr.params)[0][0], axis=0)
    assert np.all(norms <= c + 1e-12) and np.sum(np.isclose(norms, c)) >= 3


def test_second_order_methods_refuse_nothing_but_ignore_first_order_decay():
    """Newton, L-BFGS and CG take no decoupled decay (they minimise the objective itself);
    the setting is accepted and has no effect there, which the field's tooltip says."""
    X, Y = _xor(40)
    runs = []
    for wd in (0.0, 0.5):
        tr = Trainer(_spec(units=(3,)), TrainConfig(optimizer="lbfgs", batch_size=len(X),
                                                    weight_decay=wd), X, Y, seed=1)
        tr.run(3)
        runs.append(tr.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
