"""What the regularization and debugging lessons teach, on their own settings."""
import numpy as np
import pytest

from lesson_runs import column, run, weights

SEEDS = (1, 2, 3)


def all_weights(r) -> np.ndarray:
    return np.concatenate([W.ravel() for W in weights(r)])


# ---- overfitting and L2 ------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_the_test_loss_has_a_minimum_where_early_stopping_would_stop(seed):
    r = run("overfit_l2", 1000, seed=seed)
    steps, test, train = column(r, "step"), column(r, "test_loss"), column(r, "train_loss")
    best = int(np.argmin(test))
    assert 0 < steps[best] <= 300                     # early in the run
    assert test[-1] > 2 * test[best]                  # then it climbs again...
    assert train[-1] < 1e-3 and train[-1] < 1e-2 * train[best]   # ...while training goes on


@pytest.mark.parametrize("seed", SEEDS)
def test_l2_keeps_the_weights_small_and_the_test_loss_low(seed):
    plain = run("overfit_l2", 1000, seed=seed)
    l2 = run("overfit_l2", 1000, show_me=True, seed=seed)
    assert l2.values["l2"] > 0 and plain.values["l2"] == 0
    assert np.linalg.norm(all_weights(l2)) < 0.5 * np.linalg.norm(all_weights(plain))
    assert l2.history.last("test_loss") < 0.5 * plain.history.last("test_loss")


# ---- L1 sparsity --------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_l1_sets_about_half_the_weights_to_zero(seed):
    r = run("l1_sparsity", 3000, seed=seed)
    near_zero = np.mean(np.abs(all_weights(r)) < 1e-3)
    assert near_zero >= 0.4
    assert r.history.last("test_accuracy") > 0.95     # the data needs only a few of them
    without = run("l1_sparsity", 3000, show_me=True, seed=seed)
    assert without.values["l1"] == 0
    assert np.mean(np.abs(all_weights(without)) < 1e-3) <= 0.05


# ---- dropout ------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_narrows_the_gap_between_training_and_test(seed):
    dropped = run("dropout", 1000, seed=seed)
    plain = run("dropout", 1000, show_me=True, seed=seed)
    assert {layer.dropout for layer in dropped.values["layers"]} == {0.5}
    assert {layer.dropout for layer in plain.values["layers"]} == {0.0}

    def gap(r):
        return r.history.last("test_loss") - r.history.last("train_loss")
    assert dropped.history.last("test_loss") < plain.history.last("test_loss")
    assert gap(dropped) < gap(plain)


# ---- fit a tiny data set first ------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_a_big_enough_network_fits_ten_points_perfectly(seed):
    r = run("tiny_first", 300, seed=seed)
    assert r.data.n_train == 10
    assert r.history.last("train_accuracy") == 1.0
    assert r.history.last("train_loss") < 0.01
