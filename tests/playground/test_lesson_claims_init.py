"""What the initialization and data-normalization lessons teach, on their own settings."""
import math

import numpy as np
import pytest

from lesson_runs import hidden_units, run, weights

SEEDS = (1, 2, 3)
LN2 = math.log(2.0)


def rms(a) -> float:
    return float(np.sqrt(np.mean(np.square(a))))


# ---- all-zeros initialization -----------------------------------------------------------------
def test_units_started_at_zero_stay_identical():
    r = run("zeros_init", 1000)
    assert {layer.init for layer in r.values["layers"]} == {"zeros"}
    *hidden, output = weights(r)
    for W in hidden:
        assert np.abs(W).max() > 1e-3                  # they learn...
        np.testing.assert_allclose(W, W[:, :1].repeat(W.shape[1], axis=1), rtol=0,
                                   atol=1e-12)         # ...but all the same thing
    np.testing.assert_allclose(output, output[0, 0], rtol=0, atol=1e-12)
    for h in hidden_units(r):
        np.testing.assert_allclose(h, h[:, :1].repeat(h.shape[1], axis=1), rtol=0, atol=1e-12)
    assert r.history.last("test_accuracy") < 0.6


@pytest.mark.parametrize("seed", SEEDS)
def test_random_weights_break_the_symmetry(seed):
    r = run("zeros_init", 2000, show_me=True, seed=seed)
    for h in hidden_units(r):
        assert np.ptp(h, axis=1).max() > 1e-2
    assert r.history.last("test_accuracy") > 0.95


# ---- too small, too large, Glorot -------------------------------------------------------------
def test_too_small_weights_shrink_the_signal_and_stall():
    r = run("init_scale")
    spread = [float(h.std()) for h in hidden_units(r)]
    assert spread[-1] < 1e-3 * spread[0]
    r.train(2000)
    assert r.history.last("train_loss") > 0.93 * LN2


def test_too_large_weights_saturate_tanh():
    r = run("init_scale", init_scale=3.0)
    assert np.mean(np.abs(hidden_units(r)[-1]) > 0.99) > 0.5


def test_glorot_keeps_the_signal_and_learns_best():
    glorot = run("init_scale", show_me=True)
    for h in hidden_units(glorot):
        assert 0.1 < h.std() < 1.0
        assert np.mean(np.abs(h) > 0.99) < 0.05
    losses = {}
    for name, r in (("glorot", glorot), ("small", run("init_scale")),
                    ("large", run("init_scale", init_scale=3.0))):
        r.train(2000)
        losses[name] = r.history.last("train_loss")
    assert losses["glorot"] < 0.1 * min(losses["small"], losses["large"])
    assert glorot.history.last("test_accuracy") > 0.95


# ---- He for ReLU --------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_glorot_fades_a_deep_relu_network_where_he_keeps_the_signal(seed):
    def fade(r):
        h = hidden_units(r)
        return rms(h[-1]) / rms(h[0])
    glorot = fade(run("he_relu", seed=seed))
    he = fade(run("he_relu", show_me=True, seed=seed))
    # seven 32 -> 32 ReLU layers: Glorot's variance 1/32 halves E[a²] at each, He's 1/16 keeps it
    assert glorot < 0.2
    assert he > 0.4 and he > 3 * glorot


# ---- data normalization -------------------------------------------------------------------------
def curvature(r) -> float:
    """λmax of the loss's Hessian (a linear model: the same everywhere)."""
    return float(np.linalg.eigvalsh(r.trainer.objective().hessian(r.trainer.params)).max())


def test_raw_inputs_diverge_where_standardized_ones_converge():
    raw = run("normalize_data")
    eta = raw.values["learning_rate"]
    assert curvature(raw) > 2 / eta                 # too steep for this η along the big inputs
    raw.train(1000)
    assert raw.diverged

    standardized = run("normalize_data", show_me=True)
    assert standardized.values["learning_rate"] == eta
    np.testing.assert_allclose(standardized.data.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(standardized.data.X_train.std(axis=0), 1.0, rtol=1e-12)
    assert curvature(standardized) < 2 / eta
    standardized.train(1000)
    assert not standardized.diverged and standardized.history.last("test_loss") < 1e-6
