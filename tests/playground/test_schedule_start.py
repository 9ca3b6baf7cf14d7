"""A schedule chosen or changed mid-run starts from that step: in the engine (a start offset),
the session (the rule), files (saved with the run; old files start at 0), headless runs and the
PyTorch export."""
import math

import numpy as np
import pytest

from engine.schedules import COSINE, SCHEDULES, schedule_lr, scheduled_lr
from playground import export, files, pipeline, run_state
from playground.experiment import Experiment
from playground.headless import HeadlessRun
from playground.schedule_start import apply_config, restarts_schedule

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target
SMALL = dict(n_points=100, optimizer="sgd", learning_rate=0.05, steps_per_frame=10)


def cosine(t, lr0, period=2500, end=0.0):
    """Half a cosine from lr0 to end * lr0 over ``period`` steps, written out by hand."""
    s = min(t, period)
    return end * lr0 + (lr0 - end * lr0) * (1 + math.cos(math.pi * s / period)) / 2


# ---- engine -----------------------------------------------------------------------------------
def test_a_started_schedule_counts_from_its_start():
    hp = SCHEDULES["cosine"]().hyper_vector()
    assert scheduled_lr(COSINE, 0.1, hp, 600, 30, 600, 30) == 0.1          # its first rate
    assert scheduled_lr(COSINE, 0.1, hp, 600, 30, 200, 10) == 0.1          # before its start
    assert scheduled_lr(COSINE, 0.1, hp, 600, 30, 1850, 92) == \
        schedule_lr(COSINE, 0.1, hp, 1250, 62)
    assert scheduled_lr(COSINE, 0.1, hp, 600, 30, 1850, 92) == pytest.approx(0.05, rel=1e-12)
    step = SCHEDULES["step"](factor=0.5, every_epochs=2)
    # epochs are counted from the start's epoch: a halving every 2 epochs after epoch 3
    assert list(step.lr_at(np.array([0, 30, 40, 50, 60]), 10, 1.0, start=30)) == \
        [1.0, 1.0, 1.0, 0.5, 0.5]
    with pytest.raises(ValueError, match="start must be an int >= 0"):
        step.lr_at(5, 10, 1.0, start=-1)


def test_the_rule_restarts_for_a_new_schedule_or_settings_only():
    values = Experiment(SMALL).values()
    base = pipeline.train_config(values)
    assert not restarts_schedule(None, base)
    assert not restarts_schedule(base, pipeline.train_config({**values, "learning_rate": 0.2}))
    assert restarts_schedule(base, pipeline.train_config({**values, "schedule": "cosine"}))
    cos = pipeline.train_config({**values, "schedule": "cosine"})
    longer = pipeline.train_config({**values, "schedule": "cosine",
                                    "schedule_params": {"decay_steps": 5000.0}})
    assert restarts_schedule(cos, longer) and not restarts_schedule(cos, cos)


# ---- the session ---------------------------------------------------------------------------
def wait_step(qtbot, session, step):
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.step >= step
                    and session.latest.generation == session.generation, timeout=TIMEOUT)
    return session.latest


def test_a_schedule_chosen_mid_run_starts_at_the_base_rate(qtbot, make_session):
    experiment, session = make_session(**SMALL)
    wait_step(qtbot, session, 0)
    session.step(600)
    before = wait_step(qtbot, session, 600)
    experiment.set("schedule", "cosine")              # 2,500 decay steps: done long ago
    qtbot.waitUntil(lambda: session.latest.schedule_start[0] == 600, timeout=TIMEOUT)
    now = session.latest
    assert now.step == 600 and now.schedule_start == (600, before.epoch)
    assert now.learning_rate == 0.05                  # what the next update will use
    session.step(1)
    wait_step(qtbot, session, 601)
    assert session.history.last("learning_rate") == 0.05     # the rate the engine used
    session.step(99)
    after = wait_step(qtbot, session, 700)
    assert session.history.last("learning_rate") == pytest.approx(cosine(99, 0.05), rel=1e-12)
    assert after.learning_rate == pytest.approx(cosine(100, 0.05), rel=1e-12)
    experiment.set("learning_rate", 0.1)              # rescales, keeps the start
    session.step(1)
    wait_step(qtbot, session, 701)
    assert session.latest.schedule_start[0] == 600
    assert session.history.last("learning_rate") == pytest.approx(cosine(100, 0.1), rel=1e-12)


def test_the_start_is_saved_with_the_run_and_continues_after_opening(qtbot, make_session,
                                                                     tmp_path):
    experiment, session = make_session(**SMALL)
    wait_step(qtbot, session, 0)
    session.step(300)
    wait_step(qtbot, session, 300)
    experiment.set("schedule", "linear")
    qtbot.waitUntil(lambda: session.latest.schedule_start[0] == 300, timeout=TIMEOUT)
    session.step(50)
    wait_step(qtbot, session, 350)
    state = session.run_state()
    assert state["trainer"]["schedule_start"] == 300
    path = files.save(tmp_path / "started.nnp",
                      files.Document(experiment.values(), state["trainer"], state["history"]))
    doc = files.load(path)
    assert doc.trainer["schedule_start"] == 300
    assert doc.trainer["schedule_start_epoch"] == state["trainer"]["schedule_start_epoch"]
    _, reopened = make_session()
    reopened.load_document(doc.values, doc.trainer, doc.history)
    s = wait_step(qtbot, reopened, 350)
    assert s.schedule_start == (300, state["trainer"]["schedule_start_epoch"])
    assert s.learning_rate == session.latest.learning_rate
    for run in (session, reopened):
        run.step(40)
        wait_step(qtbot, run, 390)
    np.testing.assert_array_equal(reopened.latest.params, session.latest.params)
    assert reopened.history.last("learning_rate") == session.history.last("learning_rate")


def test_reset_starts_the_schedule_at_step_zero_again(qtbot, make_session):
    experiment, session = make_session(**SMALL)
    wait_step(qtbot, session, 0)
    session.step(100)
    wait_step(qtbot, session, 100)
    experiment.set("schedule", "cosine")
    qtbot.waitUntil(lambda: session.latest.schedule_start[0] == 100, timeout=TIMEOUT)
    session.reset()
    s = wait_step(qtbot, session, 0)
    assert s.step == 0 and s.schedule_start == (0, 0)


# ---- files, headless runs, export ------------------------------------------------------------
def started_run(steps=200, more=30):
    """A headless run on a constant rate for ``steps`` steps, switched to cosine through the
    playground's rule, then trained ``more`` steps."""
    run = HeadlessRun(files.Document(Experiment(SMALL).values()))
    run.train(steps)
    run.values = {**run.values, "schedule": "cosine", "schedule_params": {"decay_steps": 400.0}}
    run.config = pipeline.train_config(run.values)
    assert apply_config(run.trainer, run.config)
    run.train(more)
    return run


def test_a_file_without_a_start_starts_its_schedule_at_zero():
    run = started_run()
    encoded, arrays = run_state.encode(run.trainer.state_dict())
    assert encoded["schedule_start"] == 200
    old = {k: v for k, v in encoded.items() if not k.startswith("schedule_start")}
    state = run_state.decode(old, arrays)
    assert (state["schedule_start"], state["schedule_start_epoch"]) == (0, 0)
    with pytest.raises(files.FileFormatError, match="schedule_start"):
        run_state.decode({**encoded, "schedule_start": encoded["step"] + 1}, arrays)


def test_headless_runs_continue_from_the_saved_start(tmp_path):
    run = started_run()
    path = files.save(tmp_path / "h.nnp", run.document())
    again = HeadlessRun(files.load(path))
    assert again.trainer.schedule_start == run.trainer.schedule_start
    for r in (run, again):
        r.train(50)
    np.testing.assert_array_equal(again.trainer.params, run.trainer.params)
    lr = again.history.last("learning_rate")
    assert lr == pytest.approx(cosine(79, 0.05, period=400), rel=1e-12)   # step 279 = t 79


def test_the_pytorch_export_uses_the_same_start(tmp_path):
    pytest.importorskip("torch")
    import importlib.util
    run = started_run()
    script, _ = export.export_pytorch(run.document(), tmp_path, "net")
    spec = importlib.util.spec_from_file_location("net", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.SCHEDULE_START, module.SCHEDULE_START_EPOCH) == run.trainer.schedule_start
    spe = run.trainer.steps_per_epoch
    schedule = run.trainer.config.make_schedule()
    for step in (200, 230, 450, 700):
        expected = schedule.lr_at(step, spe, 0.05, *run.trainer.schedule_start)
        assert module.LEARNING_RATE * module.lr_factor(step, step // spe) == \
            pytest.approx(expected, rel=1e-12)
