"""The live path, end to end: a live field changed on the experiment while the session trains
reaches the worker's trainer, which from then on trains with the new value.

Each check takes the run as it stands after the change (``run_state``), trains on in the session,
and compares with an engine Trainer built independently from the experiment's new values and
loaded with that same state: bit-identical weights and optimizer slots. A worker that dropped the
change would keep training with the old value and differ. Readable consequences are checked too:
the learning rate in the history, the batch size in the steps an epoch takes, the optimizer's
slots, the schedule's decay."""
import numpy as np
import pytest

from engine import kernels as K
from playground import pipeline
from playground.fields import Layer
from playground.session import make_trainer
from playground.worker import Job

SMALL = {"n_points": 100, "layers": (Layer(5, "tanh"), Layer(4, "tanh")), "steps_per_frame": 10}
TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def wait_snapshot(qtbot, session, action, check):
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT, check_params_cb=check):
        action()
    return session.latest


def start_playing(qtbot, make_session, **values):
    experiment, session = make_session(**dict(SMALL, **values))
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    session.play()
    wait_snapshot(qtbot, session, lambda: None, lambda s: s.step >= 30)
    return experiment, session


def change_while_playing(qtbot, experiment, session, change):
    """Apply ``change(experiment)`` while training runs, train on a little, pause; the run
    as it stands then."""
    assert session.running
    step = session.latest.step
    change(experiment)
    wait_snapshot(qtbot, session, lambda: None, lambda s: s.step >= step + 30)
    assert session.running                  # a live change does not stop or rebuild the run
    session.pause()
    return session.run_state()


def reference_trainer(values: dict, trainer_state: dict):
    """An engine Trainer made from ``values`` alone (not from the session), continuing from
    ``trainer_state``."""
    data = pipeline.prepare(values)
    n_outputs = data.n_classes if data.task == "multiclass" else 1
    spec = pipeline.network_spec(values, len(data.features), n_outputs)
    trainer = make_trainer(Job(0, data, spec, pipeline.train_config(values), values["seed"]))
    trainer.load_state_dict(trainer_state)
    return trainer


def train_on(qtbot, session, n_steps: int) -> dict:
    target = session.latest.step + n_steps
    wait_snapshot(qtbot, session, lambda: session.step(n_steps), lambda s: s.step == target)
    return session.run_state()["trainer"]


def assert_trains_as(values: dict, before: dict, after: dict, n_steps: int, frame: int = 10):
    reference = reference_trainer(values, before)
    for _ in range(n_steps // frame):       # the worker's chunks (the result does not depend
        reference.run(frame)                # on them; this only keeps the comparison plain)
    np.testing.assert_array_equal(after["params"], reference.params)
    want = reference.state_dict()
    for key in ("slots", "state"):
        if key in want:
            np.testing.assert_array_equal(after[key], want[key], err_msg=key)


def _set(name, value):
    return lambda e: e.set(name, value)


LIVE_CHANGES = {
    "learning_rate": ({}, _set("learning_rate", 0.2)),
    "optimizer": ({}, _set("optimizer", "momentum")),
    "optimizer_params": ({}, _set("optimizer_params", {"beta1": 0.5, "beta2": 0.9})),
    "second-order optimizer": ({}, _set("optimizer", "lbfgs")),
    "batch_size": ({}, _set("batch_size", 3)),
    "l1": ({}, _set("l1", 0.01)),
    "l2": ({}, _set("l2", 0.05)),
    "schedule": ({}, lambda e: e.update({"schedule": "exponential",
                                         "schedule_params": {"k": 0.05}})),
    "schedule_params": ({"schedule": "exponential", "schedule_params": {"k": 0.001}},
                        _set("schedule_params", {"k": 0.1})),
    "clip_norm": ({"learning_rate": 0.1}, _set("clip_norm", 0.01)),
    "dropout": ({}, lambda e: e.set_layer(0, dropout=0.4)),
}


@pytest.mark.parametrize("name", list(LIVE_CHANGES))
def test_a_live_change_while_training_is_what_the_trainer_then_trains_with(qtbot, make_session,
                                                                           name):
    start, change = LIVE_CHANGES[name]
    experiment, session = start_playing(qtbot, make_session, **start)
    old_values = experiment.values()
    generation = session.generation
    before = change_while_playing(qtbot, experiment, session, change)
    new_values = experiment.values()
    assert new_values != old_values and session.generation == generation   # weights kept
    after = train_on(qtbot, session, 40)
    assert_trains_as(new_values, before["trainer"], after, 40)
    # and the change does matter: the old values would have trained differently
    try:
        stale = reference_trainer(old_values, before["trainer"])
    except (KeyError, ValueError):   # (the old optimizer cannot even take the new one's state)
        return
    for _ in range(4):
        stale.run(10)
    assert not np.array_equal(after["params"], stale.params)


def test_a_new_learning_rate_shows_in_the_history_the_engine_reports(qtbot, make_session):
    experiment, session = start_playing(qtbot, make_session)
    assert set(session.history.column("learning_rate")) == {0.01}
    change_while_playing(qtbot, experiment, session, _set("learning_rate", 0.2))
    train_on(qtbot, session, 20)
    rates = session.history.column("learning_rate")
    assert rates[-1] == 0.2 and rates[-2] == 0.2          # the engine's rate of the last steps
    assert set(rates) == {0.01, 0.2}


def test_a_new_batch_size_changes_the_steps_an_epoch_takes(qtbot, make_session):
    experiment, session = start_playing(qtbot, make_session)      # 50 training points
    before = change_while_playing(qtbot, experiment, session, _set("batch_size", 25))
    epoch = int(before["trainer"]["state"][K.EPOCH])
    first = wait_snapshot(qtbot, session, session.run_epoch, lambda s: s.epoch == epoch + 1)
    second = wait_snapshot(qtbot, session, session.run_epoch, lambda s: s.epoch == epoch + 2)
    assert second.step - first.step == 2                  # 25 a batch; 10 a batch took 5
    experiment.set("batch_size", 7)                       # paused, too
    third = wait_snapshot(qtbot, session, session.run_epoch, lambda s: s.epoch == epoch + 3)
    assert third.step - second.step == 8                  # ceil(50 / 7)


def test_a_new_optimizer_trains_with_its_own_slots(qtbot, make_session):
    experiment, session = start_playing(qtbot, make_session)      # adam: two moments a weight
    adam = session.run_state()["trainer"]["slots"]
    assert np.any(adam[0] != 0) and np.any(adam[1] != 0)
    before = change_while_playing(qtbot, experiment, session, _set("optimizer", "momentum"))
    slots = before["trainer"]["slots"]
    assert np.any(slots[0] != 0)                          # the velocity, built anew...
    assert np.all(slots[1] == 0)                          # ...and no second moment: momentum
    # the new optimizer counts its own updates, from the change on
    assert 0 < before["trainer"]["optimizer_iterations"] <= before["trainer"]["state"][K.STEP] - 30
    experiment.set("optimizer", "sgd")                    # paused, too: sgd keeps no slots
    after = train_on(qtbot, session, 10)
    np.testing.assert_array_equal(after["slots"], 0.0)


def test_a_new_schedule_decays_the_rate_from_the_next_step(qtbot, make_session):
    experiment, session = start_playing(qtbot, make_session, learning_rate=0.1)
    change_while_playing(qtbot, experiment, session,
                         lambda e: e.update({"schedule": "exponential",
                                             "schedule_params": {"k": 0.01}}))
    train_on(qtbot, session, 30)
    steps = session.history.column("step")
    rates = session.history.column("learning_rate")
    decayed = rates < 0.1
    assert decayed[-3:].all() and not decayed[0]
    # exponential decay of the step counter (the engine's own schedule, checked in
    # tests/engine/test_schedules.py against its formula): lr(t) = 0.1 * exp(-k t), where t
    # counts the steps done since the schedule started (where the change reached the
    # trainer, playground.schedule_start) before the last step of each row
    start = session.latest.schedule_start[0]
    assert 0 < start < steps[-3]
    np.testing.assert_allclose(rates[-3:], 0.1 * np.exp(-0.01 * (steps[-3:] - 1 - start)),
                               rtol=1e-12)
