"""The training session and its worker thread: play, step, epoch, reset, live changes, rebuilds,
divergence and shutdown. Every wait is on a signal."""
import numpy as np

from playground.fields import Layer

SMALL = {"n_points": 100, "layers": (Layer(4, "tanh"), Layer(4, "tanh"))}
TIMEOUT = 10_000


def first_snapshot(qtbot, session):
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    return session.latest


def next_snapshot(qtbot, session, action, check=lambda s: True):
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=check) as blocker:
        action()
    return blocker.args[0]


def test_play_trains_and_views_get_changing_snapshots(qtbot, make_session):
    experiment, session = make_session(**SMALL)
    first = first_snapshot(qtbot, session)
    assert first.step == 0 and first.boundary.shape == (256, 256)
    assert [m.shape for m in first.neuron_maps] == [(4, 48, 48), (4, 48, 48)]
    with qtbot.waitSignal(session.running_changed, timeout=TIMEOUT):
        session.play()
    later = next_snapshot(qtbot, session, lambda: None, lambda s: s.step >= 200)
    assert session.running
    assert not np.array_equal(later.boundary, first.boundary)
    assert not first.boundary.flags.writeable
    session.pause()
    assert not session.running
    assert len(session.history) >= 2
    assert np.all(np.diff(session.history.column("step")) > 0)


def test_one_step_advances_exactly_one_step(qtbot, make_session):
    _, session = make_session(**SMALL)
    first_snapshot(qtbot, session)
    assert next_snapshot(qtbot, session, lambda: session.step(1)).step == 1
    assert next_snapshot(qtbot, session, lambda: session.step(1)).step == 2
    assert next_snapshot(qtbot, session, lambda: session.step(25)).step == 27


def test_reset_restores_bit_identical_initial_weights(qtbot, make_session):
    _, session = make_session(**SMALL)
    initial = first_snapshot(qtbot, session).params.copy()
    trained = next_snapshot(qtbot, session, lambda: session.step(60))
    assert not np.array_equal(trained.params, initial)
    back = next_snapshot(qtbot, session, session.reset)
    assert back.step == 0 and back.epoch == 0
    np.testing.assert_array_equal(back.params, initial)
    assert len(session.history) == 1


def test_reinitialize_draws_new_weights_from_the_next_seed(qtbot, make_session):
    experiment, session = make_session(**SMALL)
    initial = first_snapshot(qtbot, session).params.copy()
    fresh = next_snapshot(qtbot, session, session.reinitialize,
                          lambda s: s.generation == session.generation)
    assert experiment.seed == 2
    assert not np.array_equal(fresh.params, initial)


def test_one_epoch_stops_at_the_epoch_boundary(qtbot, make_session):
    experiment, session = make_session(**SMALL, batch_size=7)   # 50 training points: 8 steps
    first_snapshot(qtbot, session)
    s = next_snapshot(qtbot, session, session.run_epoch)
    assert (s.step, s.epoch) == (8, 1)
    next_snapshot(qtbot, session, lambda: session.step(3))
    s = next_snapshot(qtbot, session, session.run_epoch)
    assert (s.step, s.epoch) == (16, 2)


def test_live_changes_keep_the_weights_and_counters(qtbot, make_session):
    experiment, session = make_session(**SMALL)
    first_snapshot(qtbot, session)
    next_snapshot(qtbot, session, lambda: session.step(20))
    generation = session.generation
    for name, value in (("learning_rate", 0.05), ("optimizer", "momentum"), ("l2", 0.001),
                        ("batch_size", 5), ("schedule", "exponential"), ("clip_norm", 1.0)):
        experiment.set(name, value)
    experiment.set_layer(0, dropout=0.2)
    s = next_snapshot(qtbot, session, lambda: session.step(1))
    assert s.step == 21 and session.generation == generation
    assert session.spec.hidden[0].dropout == 0.2


def test_architecture_change_rebuilds_and_keeps_playing(qtbot, make_session):
    experiment, session = make_session(**SMALL)
    first_snapshot(qtbot, session)
    session.play()
    next_snapshot(qtbot, session, lambda: None, lambda s: s.step > 0)
    with qtbot.waitSignal(session.network_rebuilt, timeout=TIMEOUT):
        experiment.add_layer()
    s = next_snapshot(qtbot, session, lambda: None,
                      lambda s: s.generation == session.generation and s.step > 0)
    assert len(s.neuron_maps) == 3 and session.running
    with qtbot.waitSignal(session.network_rebuilt, timeout=TIMEOUT):
        experiment.set("features", ("x1", "x2", "x1*x2"))
    assert session.data.X_train.shape[1] == 3 and session.spec.n_inputs == 3
    session.pause()


def test_divergence_pauses_with_a_message_and_reset_recovers(qtbot, make_session):
    experiment, session = make_session(
        dataset="reg_plane", optimizer="sgd", learning_rate=10.0, n_points=100,
        layers=(Layer(8, "relu"), Layer(8, "relu")))
    first_snapshot(qtbot, session)
    with qtbot.waitSignal(session.paused, timeout=TIMEOUT) as blocker:
        session.play()
    reason, message = blocker.args
    assert reason == "diverged"
    assert "learning rate" in message and "10" in message
    assert not session.running
    back = next_snapshot(qtbot, session, session.reset)
    assert back.step == 0 and np.isfinite(back.params).all() and np.isfinite(back.train_loss)


def test_stop_conditions_pause_at_the_epoch(qtbot, make_session):
    experiment, session = make_session(**SMALL, stop_at_epoch=3, steps_per_frame=7)
    first_snapshot(qtbot, session)
    with qtbot.waitSignal(session.paused, timeout=TIMEOUT) as blocker:
        session.play()
    assert blocker.args[0] == "stop_epoch"
    qtbot.waitUntil(lambda: session.latest.epoch == 3, timeout=TIMEOUT)
    assert session.latest.step == 15 and not session.running


def test_stop_at_test_loss(qtbot, make_session):
    experiment, session = make_session(**SMALL, stop_at_test_loss=50.0)
    first_snapshot(qtbot, session)
    with qtbot.waitSignal(session.paused, timeout=TIMEOUT) as blocker:
        session.play()
    assert blocker.args[0] == "stop_loss"


def test_typed_weight_and_bias_reach_the_network(qtbot, make_session):
    _, session = make_session(**SMALL)
    first_snapshot(qtbot, session)
    s = next_snapshot(qtbot, session, lambda: session.set_param(1, 2, 3, 0.75))
    W, b = session.layer_params(s.params)[1]
    assert W[2, 3] == 0.75
    s = next_snapshot(qtbot, session, lambda: session.set_param(2, None, 0, -1.5))
    assert session.layer_params(s.params)[2][1][0] == -1.5


def test_hovered_neuron_map_comes_at_boundary_resolution(qtbot, make_session):
    _, session = make_session(**SMALL)
    first_snapshot(qtbot, session)
    s = next_snapshot(qtbot, session, lambda: session.focus_neuron((1, 2)),
                      lambda s: s.focus is not None)
    assert s.focus.shape == (256, 256) and s.focus_key == (1, 2)


def test_multiclass_snapshot_has_class_probabilities(qtbot, make_session):
    _, session = make_session(dataset="blobs_k", n_classes=4, n_points=120)
    s = first_snapshot(qtbot, session)
    assert s.boundary.shape == (256, 256, 4)
    np.testing.assert_allclose(s.boundary.sum(axis=-1), 1, atol=1e-4)


def test_shutdown_while_training_stops_the_thread(qtbot, make_session):
    _, session = make_session(**SMALL, steps_per_frame=2000)
    first_snapshot(qtbot, session)
    session.play()
    next_snapshot(qtbot, session, lambda: None, lambda s: s.step > 0)
    session.shutdown()
    assert not session._thread.isRunning() and not session.running
