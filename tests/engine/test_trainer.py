"""The Trainer as the app's worker drives it: determinism, counters, live changes, reset,
state round trips, divergence, regularisers and constraints."""
import numpy as np
import pytest

from engine.network import LayerSpec, NetworkSpec
from engine.trainer import TrainConfig, Trainer


def _xor(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float).reshape(-1, 1)


def _trainer(config=None, hidden=(LayerSpec(6), LayerSpec(5)), seed=3, n=200, **kw):
    X, Y = _xor(n)
    spec = NetworkSpec.for_task(2, hidden, "binary")
    return Trainer(spec, config or TrainConfig(**kw), X, Y, seed=seed)


@pytest.mark.parametrize("config", [
    TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=7),
    TrainConfig(optimizer="nesterov", learning_rate=0.05, batch_size=1, l2=1e-3, clip_norm=1.0),
    TrainConfig(optimizer="rmsprop", learning_rate=0.01, batch_size=32, schedule="step",
                schedule_params={"factor": 0.5, "every_epochs": 2}, max_norm=2.0),
    TrainConfig(optimizer="momentum", learning_rate=0.05, batch_size=9, weight_decay=0.01,
                max_norm=1.5),
])
def test_chunking_does_not_change_the_run_bit_for_bit(config):
    hidden = (LayerSpec(6, dropout=0.2), LayerSpec(5, "relu"))
    runs = []
    for chunks in ([1000], [100] * 10, [1] * 1000, [333, 1, 666]):
        tr = _trainer(config, hidden)
        losses = np.concatenate([tr.run(c).losses for c in chunks])
        runs.append((losses, tr.params.copy(), tr.optimizer.slots.copy(), tr.state.copy()))
    for losses, params, slots, state in runs[1:]:
        np.testing.assert_array_equal(losses, runs[0][0])
        np.testing.assert_array_equal(params, runs[0][1])
        np.testing.assert_array_equal(slots, runs[0][2])
        np.testing.assert_array_equal(state, runs[0][3])


def test_same_seed_same_run_and_another_seed_another_run():
    a, b, c = _trainer(seed=5), _trainer(seed=5), _trainer(seed=6)
    for t in (a, b, c):
        t.run(300)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_steps_and_epochs_are_counted_exactly_with_a_partial_last_batch():
    tr = _trainer(batch_size=64, n=200)       # 64 + 64 + 64 + 8 = one epoch of 4 steps
    assert tr.steps_per_epoch == 4
    tr.run(3)
    assert (tr.step_count, tr.epoch) == (3, 0)
    tr.run(1)
    assert (tr.step_count, tr.epoch) == (4, 1)
    tr.run(4 * 5)
    assert (tr.step_count, tr.epoch) == (24, 6)


def test_every_sample_is_seen_once_per_epoch_in_a_new_order():
    tr = _trainer(batch_size=10)
    first = tr.perm.copy()
    assert sorted(first) == list(range(200))
    tr.run(tr.steps_per_epoch)
    assert sorted(tr.perm) == list(range(200)) and not np.array_equal(tr.perm, first)


def test_full_batch_sgd_is_exact_gradient_descent():
    tr = _trainer(batch_size=200, learning_rate=0.1)
    p0 = tr.params.copy()
    f0, g0 = tr.objective().value_and_grad(p0)
    result = tr.run(1)
    np.testing.assert_allclose(tr.params, p0 - 0.1 * g0, rtol=1e-13, atol=1e-15)
    assert result.losses[0] == pytest.approx(f0, rel=1e-12)


def test_zero_initialisation_keeps_hidden_units_identical():
    hidden = (LayerSpec(4, init="zeros"), LayerSpec(3, init="zeros"))
    X, Y = _xor()
    spec = NetworkSpec.for_task(2, hidden, "binary")
    spec = NetworkSpec(2, hidden, 1, "sigmoid", "bce", output_init="zeros")
    tr = Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=0.5, batch_size=10), X, Y)
    tr.run(500)
    (W1, b1), (W2, b2), (W3, _) = spec.views(tr.params)
    for W, b in ((W1, b1), (W2, b2)):
        assert np.all(W == W[:, :1]) and np.all(b == b[0])   # columns identical: symmetry
    # and the network is stuck near chance
    assert tr.evaluate(X, Y)[1] < 0.75


def test_reset_restores_bit_identical_initial_weights_and_replays_the_run():
    tr = _trainer(optimizer="adam", learning_rate=0.01)
    init = tr.params.copy()
    first = tr.run(250).losses
    tr.reset()
    np.testing.assert_array_equal(tr.params, init)
    assert tr.step_count == 0 and tr.epoch == 0 and not tr.optimizer.slots.any()
    np.testing.assert_array_equal(tr.run(250).losses, first)


def test_reinitialize_draws_new_weights_from_the_new_seed():
    tr = _trainer(seed=1)
    old = tr.params.copy()
    tr.reinitialize(2)
    assert not np.array_equal(tr.params, old)
    np.testing.assert_array_equal(tr.params, _trainer(seed=2).params)


def test_state_dict_continues_exactly():
    cfg = TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=16)
    hidden = (LayerSpec(6, dropout=0.1), LayerSpec(5))
    straight = _trainer(cfg, hidden)
    straight.run(700)
    a = _trainer(cfg, hidden)
    a.run(300)
    saved = a.state_dict()
    b = _trainer(cfg, hidden, seed=99)          # a different trainer, then restored
    b.load_state_dict(saved)
    b.run(400)
    np.testing.assert_array_equal(b.params, straight.params)
    np.testing.assert_array_equal(b.state, straight.state)


def test_live_change_of_learning_rate_keeps_weights_and_momentum():
    tr = _trainer(optimizer="momentum", learning_rate=0.05)
    tr.run(100)
    params, slots = tr.params.copy(), tr.optimizer.slots.copy()
    tr.set_config(TrainConfig(optimizer="momentum", learning_rate=0.01,
                              optimizer_params={"momentum": 0.5}, batch_size=20))
    np.testing.assert_array_equal(tr.params, params)
    np.testing.assert_array_equal(tr.optimizer.slots, slots)
    result = tr.run(5)
    np.testing.assert_array_equal(result.learning_rates, 0.01)
    # changing the optimiser kind starts its state afresh
    tr.set_config(TrainConfig(optimizer="adam", learning_rate=0.01))
    assert not tr.optimizer.slots.any() and tr.optimizer.iterations == 0


@pytest.mark.parametrize("method, params", [("lbfgs", {"history": 3}), ("cg", {}),
                                            ("newton", {"damping": 0.1})])
def test_live_change_of_a_second_order_method_keeps_weights_and_keeps_training(method, params):
    hidden = (LayerSpec(3),)
    tr = _trainer(TrainConfig(optimizer=method, batch_size=200), hidden)
    tr.run(5)
    params0, step0 = tr.params.copy(), tr.step_count
    tr.set_config(TrainConfig(optimizer=method, optimizer_params=params, batch_size=200,
                              l2=1e-4))
    np.testing.assert_array_equal(tr.params, params0)
    assert tr.step_count == step0
    result = tr.run(5)
    assert result.steps_done == 5 and not result.diverged
    assert not np.array_equal(tr.params, params0)
    # and back to a first-order optimiser, which starts with fresh slots
    tr.set_config(TrainConfig(optimizer="momentum", learning_rate=0.01, batch_size=20))
    assert not tr.optimizer.slots.any()
    assert tr.run(3).steps_done == 3


def test_recorded_learning_rates_follow_the_schedule():
    cfg = TrainConfig(learning_rate=0.2, schedule="exponential", schedule_params={"k": 0.01},
                      batch_size=20)
    tr = _trainer(cfg)
    lrs = tr.run(50).learning_rates
    np.testing.assert_allclose(lrs, 0.2 * np.exp(-0.01 * np.arange(50)), rtol=1e-14)


def test_divergence_is_detected_in_the_call_that_produced_it():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    Y = (X @ [3.0, -2.0]).reshape(-1, 1)
    spec = NetworkSpec.for_task(2, [LayerSpec(8, "linear")], "regression")
    tr = Trainer(spec, TrainConfig(learning_rate=5.0, batch_size=100), X, Y)
    result = tr.run(5000)                      # the error grows geometrically until it overflows
    assert result.diverged and result.steps_done < 5000
    assert tr.step_count == result.steps_done
    assert not np.isfinite(result.losses[-1]) or not np.isfinite(tr.params).all()
    assert np.isfinite(result.losses[:-1]).all()
    assert "diverged" in result.message and "lower learning rate" in result.message
    tr.reset()
    tr.set_config(TrainConfig(learning_rate=0.01, batch_size=100))
    assert np.isfinite(tr.params).all() and not tr.run(10).diverged


def test_gradient_clipping_bounds_the_step():
    tr = _trainer(batch_size=200, learning_rate=1.0, clip_norm=0.01)
    p0 = tr.params.copy()
    tr.run(1)
    assert np.linalg.norm(tr.params - p0) == pytest.approx(0.01, rel=1e-9)


def test_max_norm_caps_every_units_incoming_weights():
    tr = _trainer(batch_size=10, learning_rate=0.5, max_norm=0.5)
    tr.run(200)
    for W, _ in tr.spec.views(tr.params):
        assert np.linalg.norm(W, axis=0).max() <= 0.5 + 1e-12


def test_decoupled_weight_decay_shrinks_every_parameter_before_the_update():
    # x' = x - lr wd x - lr g(x), biases included, as AdamW decays (Loshchilov & Hutter)
    tr = _trainer(batch_size=200, learning_rate=0.1, weight_decay=0.5)
    p0 = tr.params.copy()
    p0[tr.spec.weight_mask() == 0] = 0.3          # biases that a decay would visibly move
    tr.params[:] = p0
    _, g = tr.objective().value_and_grad(p0)
    tr.run(1)
    expected = p0 - 0.1 * 0.5 * p0 - 0.1 * g
    np.testing.assert_allclose(tr.params, expected, rtol=1e-13, atol=1e-16)


def test_live_dropout_change_keeps_weights():
    tr = _trainer(hidden=(LayerSpec(6), LayerSpec(5)))
    tr.run(10)
    p = tr.params.copy()
    tr.set_dropout([0.5, 0.0])
    np.testing.assert_array_equal(tr.params, p)
    assert tr.spec.hidden[0].dropout == 0.5
    assert not tr.run(10).diverged


def test_hidden_activations_and_predictions_are_consistent():
    tr = _trainer()
    X = np.random.default_rng(1).uniform(-1, 1, (1000, 2))
    h1, h2 = tr.hidden_activations(X)
    (W1, b1), (W2, b2), (W3, b3) = tr.spec.views(tr.params)
    np.testing.assert_allclose(h1, np.tanh(X @ W1 + b1), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(h2, np.tanh(h1 @ W2 + b2), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(tr.predict(X), 1 / (1 + np.exp(-(h2 @ W3 + b3))), rtol=1e-13)
    # one pass for every unit gives the same hidden units and the same outputs
    hidden, outputs = tr.activations(X)
    np.testing.assert_array_equal(hidden[0], h1)
    np.testing.assert_array_equal(hidden[1], h2)
    np.testing.assert_array_equal(outputs, tr.predict(X))


@pytest.mark.parametrize("X,Y,message", [
    (np.zeros((5, 3)), np.zeros((5, 1)), r"shape \(n, 2\)"),
    (np.zeros((5, 2)), np.zeros((4, 1)), r"targets must have shape \(5, 1\)"),
    (np.array([[0.0, np.nan]]), np.zeros((1, 1)), r"NaN or inf \(row 0\)"),
    (np.zeros((0, 2)), np.zeros((0, 1)), "empty"),
])
def test_bad_training_data_is_refused_with_a_clear_message(X, Y, message):
    spec = NetworkSpec.for_task(2, [LayerSpec(3)], "binary")
    with pytest.raises(ValueError, match=message):
        Trainer(spec, TrainConfig(), X, Y)


@pytest.mark.parametrize("kwargs,message", [
    (dict(optimizer="sgdx"), "unknown optimizer"),
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(learning_rate=float("nan")), "learning_rate"),
    (dict(batch_size=0), "batch_size"),
    (dict(l2=-1.0), "l2"),
    (dict(optimizer="adam", optimizer_params={"beta1": 1.5}), "beta1"),
    (dict(schedule="step", schedule_params={"factor": 0.0}), "factor"),
])
def test_bad_configuration_is_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


@pytest.mark.parametrize("kwargs,message", [
    (dict(n_inputs=2, hidden=[LayerSpec(3)] * 17), "at most 16 hidden layers"),
    (dict(n_inputs=2, hidden=[], loss="bce", output_activation="softmax"), "needs a sigmoid output"),
    (dict(n_inputs=2, hidden=[], n_outputs=1, output_activation="softmax", loss="softmax_ce"),
     "at least 2 output units"),
])
def test_impossible_architectures_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NetworkSpec(**kwargs)
    with pytest.raises(ValueError, match="units"):
        LayerSpec(0)
    with pytest.raises(ValueError, match="units"):
        LayerSpec(1025)
