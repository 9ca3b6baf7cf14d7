"""What the perceptron and activation lessons teach, checked on their own settings."""
import math

import numpy as np
import pytest

from lesson_runs import gradient, hidden_units, layer_gradient_norms, lesson, run

SEEDS = (1, 2, 3)
LN2 = math.log(2.0)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---- a perceptron is a line -------------------------------------------------------------------
def test_the_perceptron_is_the_notes_worked_example():
    r = run("perceptron_line")
    assert r.trainer.spec.hidden == ()
    # normalize is off: the network sees the raw coordinates, as in the notes
    np.testing.assert_array_equal(r.data.X_train, r.data.points_train)
    (W, b), = r.trainer.spec.views(r.trainer.params)
    W[:, 0] = (3.0, -2.0)
    b[:] = 1.0
    y = float(r.trainer.predict(np.array([[-1.0, 2.0]]))[0, 0])
    assert y == pytest.approx(sigmoid(-6.0), rel=1e-12)
    assert round(y, 3) == 0.002


def test_the_trained_perceptron_splits_the_clouds_with_a_line():
    r = run("perceptron_line", 300)
    assert r.history.last("test_accuracy") > 0.95
    (W, b), = r.trainer.spec.views(r.trainer.params)
    points = np.random.default_rng(0).uniform(-6, 6, size=(4000, 2))
    above = r.trainer.predict(points)[:, 0] > 0.5
    np.testing.assert_array_equal(above, b[0] + points @ W[:, 0] > 0)


def test_a_line_cannot_split_the_ring_from_the_disc():
    r = run("perceptron_line", 300, show_me=True)
    assert r.values["dataset"] == "circle"
    assert r.history.last("test_accuracy") < 0.7


# ---- why non-linear activations ----------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_a_linear_network_stays_a_coin_toss_on_xor(seed):
    r = run("nonlinear_xor", 1000, seed=seed)
    assert {layer.activation for layer in r.values["layers"]} == {"linear"}
    assert 0.35 <= r.history.last("test_accuracy") <= 0.65
    assert r.history.last("train_loss") > 0.93 * LN2


def test_a_linear_network_is_one_linear_map():
    r = run("nonlinear_xor", 300)
    points = np.random.default_rng(1).normal(size=(200, 2))
    logits = np.log(r.trainer.predict(points)[:, 0]) - np.log1p(-r.trainer.predict(points)[:, 0])
    A = np.column_stack([points, np.ones(len(points))])
    coef, *_ = np.linalg.lstsq(A, logits, rcond=None)
    np.testing.assert_allclose(A @ coef, logits, atol=1e-8)


@pytest.mark.parametrize("seed", SEEDS)
def test_one_tanh_layer_solves_xor(seed):
    r = run("nonlinear_xor", 1000, show_me=True, seed=seed)
    assert {layer.activation for layer in r.values["layers"]} == {"tanh"}
    assert r.history.last("test_accuracy") > 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_the_x1x2_feature_solves_xor_without_a_hidden_layer(seed):
    r = run("nonlinear_xor", 600, layers=(), features=("x1", "x2", "x1*x2"), seed=seed)
    assert r.history.last("test_accuracy") > 0.95


# ---- sigmoid's vanishing gradients --------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_gradients_vanish_towards_the_input(seed):
    sig = layer_gradient_norms(run("vanishing_sigmoid", seed=seed))
    tanh = layer_gradient_norms(run("vanishing_sigmoid", show_me=True, seed=seed))
    assert sig[0] < 1e-2 * sig[-1]           # each sigmoid layer multiplies by σ' <= 1/4
    assert tanh[0] > 0.1 * tanh[-1]


def test_the_deep_sigmoid_network_sits_on_its_plateau_where_tanh_and_relu_learn():
    sig = run("vanishing_sigmoid", 2000)
    assert sig.history.last("train_loss") > 0.93 * LN2
    assert sig.history.last("test_accuracy") < 0.6
    assert run("vanishing_sigmoid", 2000, show_me=True).history.last("test_accuracy") > 0.95
    relu = tuple(layer.with_(activation="relu", init="he_normal")
                 for layer in lesson("vanishing_sigmoid").changes["layers"])
    assert run("vanishing_sigmoid", 2000, layers=relu).history.last("test_accuracy") > 0.95


# ---- dead ReLUs and leaky ReLU ------------------------------------------------------------------
def dead_units(r) -> list[np.ndarray]:
    """Per hidden layer: the units whose output is at most 0 on every training point."""
    return [np.flatnonzero(h.max(axis=0) <= 0.0) for h in hidden_units(r)]


def incoming_gradient_norms(r) -> list[np.ndarray]:
    """Per hidden layer: ‖∂L/∂(W[:, j], b[j])‖ of each unit j."""
    views = r.trainer.spec.views(gradient(r))[:-1]
    return [np.sqrt((W ** 2).sum(axis=0) + b ** 2) for W, b in views]


def test_a_large_step_kills_relus_for_good():
    r = run("dead_relu", 1000)
    dead = dead_units(r)
    n_units = sum(layer.units for layer in r.values["layers"])
    assert sum(len(d) for d in dead) >= n_units / 3
    for d, norms in zip(dead, incoming_gradient_norms(r)):
        np.testing.assert_array_equal(norms[d], 0.0)      # no gradient: they never come back
    assert r.history.last("test_accuracy") < 0.6


def test_leaky_relu_neurons_keep_a_gradient_and_learn():
    r = run("dead_relu", 1000, show_me=True)
    assert {layer.activation for layer in r.values["layers"]} == {"leaky_relu"}
    for norms in incoming_gradient_norms(r):
        assert (norms > 0.0).all()
    assert r.history.last("test_accuracy") > 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_loses_more_neurons_than_leaky_relu(seed):
    relu = run("dead_relu", 1000, seed=seed)
    leaky = run("dead_relu", 1000, show_me=True, seed=seed)
    assert sum(map(len, dead_units(relu))) > sum(map(len, dead_units(leaky)))
    assert leaky.history.last("test_accuracy") > relu.history.last("test_accuracy")
