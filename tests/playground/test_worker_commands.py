"""The worker never keeps a command waiting for a long frame: a frame's steps run in chunks, and
between two chunks a waiting command (Pause, Save, Step's end) ends the frame. Chunking changes
nothing in the run. No wall clock: chunks are counted, slow frames are made by a trainer that
waits on an Event."""
import threading

import numpy as np
import pytest

from playground.fields import Layer
from playground.pacing import Interrupts, chunk_steps, joined

SMALL = {"n_points": 100, "layers": (Layer(4, "tanh"), Layer(4, "tanh"))}
TIMEOUT = 30_000
LONG_FRAME = 10_000      # the most steps a frame


class GatedTrainer:
    """A real Trainer whose ``run(n)`` waits until the gate opens, recording each call's n."""

    def __init__(self, inner, gate: threading.Event, calls: list, entered: threading.Event):
        self._inner, self._gate, self.calls, self._entered = inner, gate, calls, entered

    def run(self, n):
        self.calls.append(int(n))
        self._entered.set()
        self._gate.wait()
        return self._inner.run(n)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.fixture
def make_gated(qtbot):
    """make_gated(open=True, chunk_seconds=..., **values) -> (session, gate, calls, entered):
    a session whose trainers run only while ``gate`` is set; shut down at teardown."""
    from playground.experiment import Experiment
    from playground.session import TrainingSession, make_trainer

    made = []

    def make(open=True, chunk_seconds=0.0, **values):
        gate, entered, calls = threading.Event(), threading.Event(), []
        if open:
            gate.set()

        def factory(job):
            return GatedTrainer(make_trainer(job), gate, calls, entered)

        session = TrainingSession(Experiment(dict(SMALL, **values)), trainer_factory=factory,
                                  chunk_seconds=chunk_seconds)
        made.append((session, gate))
        qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
        return session, gate, calls, entered

    yield make
    for session, gate in made:
        gate.set()
        session.shutdown()


def _step(state) -> int:
    from engine import kernels as K
    return int(state["trainer"]["state"][K.STEP])


# ---- the rules, without threads ---------------------------------------------------------------
def test_chunk_sizes_follow_the_measured_time_per_step():
    assert chunk_steps(500, 0.0, False) == 1              # not measured yet: one step
    assert chunk_steps(500, 0.001, False, 0.03) == 30     # 1 ms a step: 30 in 30 ms
    assert chunk_steps(20, 0.001, False, 0.03) == 20      # never more than is left
    assert chunk_steps(500, 1.0, False, 0.03) == 1        # a slow step: still one
    assert chunk_steps(500, 1e-6, True, 0.03) == 1        # second order: one iteration
    assert chunk_steps(500, 0.0, False, float("inf")) == 500   # a frame a call
    interrupts = Interrupts()
    assert not interrupts.pending()
    interrupts.sent(1, 2.0)
    interrupts.sent()
    interrupts.served()
    assert interrupts.pending()
    interrupts.served()
    interrupts.served()                                   # never below nothing
    assert not interrupts.pending()


def test_joined_results_read_as_one_call():
    from engine.trainer import RunResult
    a = RunResult(np.array([1.0, 2.0]), np.array([0.1, 0.1]), 2)
    b = RunResult(np.array([3.0]), np.array([0.05]), 1, True, "diverged")
    r = joined([a, b])
    np.testing.assert_array_equal(r.losses, [1.0, 2.0, 3.0])
    assert r.learning_rates[-1] == 0.05 and r.steps_done == 3 and r.diverged


# ---- commands inside a long frame ---------------------------------------------------------------
def test_pause_inside_a_long_frame_ends_it_at_the_next_chunk(qtbot, make_gated):
    session, gate, calls, entered = make_gated(open=False, steps_per_frame=LONG_FRAME)
    session.play()
    qtbot.waitUntil(entered.is_set, timeout=TIMEOUT)      # the worker waits inside chunk 1
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step > 0) as paused:
        session.pause()                                   # posted while the chunk runs
        gate.set()
    assert calls == [1]                                   # one chunk, not 10,000 steps
    assert paused.args[0].step == 1 and session.history.last("step") == 1
    assert not session.running
    qtbot.wait(100)
    assert calls == [1]                                   # and nothing after the pause


def test_save_inside_a_long_frame_waits_for_one_chunk_and_training_goes_on(qtbot, make_gated):
    session, gate, calls, entered = make_gated(steps_per_frame=LONG_FRAME)
    session.play()
    qtbot.waitUntil(lambda: len(calls) >= 3, timeout=TIMEOUT)
    state = session.run_state()
    step = _step(state)
    assert 3 <= step < LONG_FRAME and calls[:step] == [1] * step
    history = state["history"]["step"]
    assert history[0] == 0 and history[-1] == step         # a row where the frame stopped
    assert session.running
    qtbot.waitUntil(lambda: len(calls) > step + 3, timeout=TIMEOUT)   # still training
    session.pause()


def test_a_state_request_that_does_not_wait_is_answered_at_the_next_chunk(qtbot, make_gated):
    session, gate, calls, entered = make_gated(open=False, steps_per_frame=LONG_FRAME)
    session.play()
    qtbot.waitUntil(entered.is_set, timeout=TIMEOUT)      # the worker waits inside chunk 1
    answers = []
    session.request_run_state(answers.append)             # returns while the chunk runs
    assert answers == []
    gate.set()
    qtbot.waitUntil(lambda: len(answers) == 1, timeout=TIMEOUT)
    state = answers[0]
    assert _step(state) == 1 and calls[0] == 1
    np.testing.assert_array_equal(state["history"]["step"], [0, 1])
    session.shutdown()
    session.request_run_state(answers.append)             # no worker: None at once
    assert answers[1] is None


def test_save_during_a_long_step_is_served_and_the_step_still_ends_exactly(qtbot, make_gated):
    session, gate, calls, entered = make_gated(steps_per_frame=2000)
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step == 2000):
        session.step(2000)
        qtbot.waitUntil(lambda: len(calls) >= 3, timeout=TIMEOUT)
        # hold the worker inside its next chunk until the Save below is on its way (however
        # fast the machine, the step cannot end first); the gate opens from another thread
        gate.clear()
        threading.Timer(0.5, gate.set).start()
        state = session.run_state()
        assert 3 <= _step(state) < 2000
    assert sum(calls) == 2000 and session.history.last("step") == 2000
    assert state["history"]["step"][-1] == _step(state)


def test_a_rebuild_inside_a_long_frame_does_not_wait_for_it(qtbot, make_gated):
    session, gate, calls, entered = make_gated(open=False, steps_per_frame=LONG_FRAME)
    session.play()
    qtbot.waitUntil(entered.is_set, timeout=TIMEOUT)
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.generation == session.generation):
        session.experiment.set("n_points", 60)
        gate.set()
    assert calls[0] == 1 and sum(calls) < LONG_FRAME


# ---- chunking changes nothing ------------------------------------------------------------------
def test_a_chunked_frame_equals_one_compiled_call(qtbot, make_gated):
    """adam, a decaying schedule and dropout: 95 steps in frames of 30, once one step a call
    and once a frame a call. The same weights, optimizer state, counters and history rows."""
    values = dict(steps_per_frame=30, optimizer="adam", schedule="exponential",
                  schedule_params={"k": 0.01}, batch_size=7,
                  layers=(Layer(5, "tanh", dropout=0.2), Layer(4, "relu")))
    runs = {}
    for chunk_seconds in (0.0, float("inf")):
        session, gate, calls, entered = make_gated(chunk_seconds=chunk_seconds, **values)
        with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                              check_params_cb=lambda s: s.step == 95):
            session.step(95)
        runs[chunk_seconds] = (session.run_state(), list(calls))
    (chunked, chunk_calls), (whole, whole_calls) = runs[0.0], runs[float("inf")]
    assert chunk_calls == [1] * 95 and whole_calls == [30, 30, 30, 5]
    for key in ("params", "initial_params", "state", "slots"):
        np.testing.assert_array_equal(chunked["trainer"][key], whole["trainer"][key])
    for column, expected in whole["history"].items():
        np.testing.assert_array_equal(chunked["history"][column], expected, err_msg=column)
    np.testing.assert_array_equal(whole["history"]["step"], [0, 30, 60, 90, 95])


def test_second_order_frames_run_one_iteration_a_call_as_headless_in_one(qtbot, make_gated):
    from playground import files
    from playground.headless import HeadlessRun
    session, gate, calls, entered = make_gated(chunk_seconds=1.0, optimizer="lbfgs",
                                               steps_per_frame=12)
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step == 24):
        session.step(24)
    assert calls == [1] * 24
    got = session.run_state()
    headless = HeadlessRun(files.Document(session.experiment.values(), None, None, {}))
    headless.train(24)                                    # trainer.run(12) twice
    np.testing.assert_array_equal(got["trainer"]["params"], headless.trainer.params)
    np.testing.assert_array_equal(got["history"]["step"], [0, 12, 24])
    np.testing.assert_array_equal(got["history"]["train_loss"],
                                  headless.history.column("train_loss"))


def test_steps_and_epochs_asked_for_before_the_last_one_ended_add_up(make_gated, qtbot):
    """Pressing S three times quickly trains three steps, and E after them runs to the end of
    the epoch those steps are in; E twice runs two epochs (none is lost to the one before)."""
    session, gate, calls, entered = make_gated(open=False, n_points=100, batch_size=10)
    per_epoch = session.steps_per_epoch
    for _ in range(3):
        session.step(1)
    gate.set()
    qtbot.waitUntil(lambda: session.latest.step == 3, timeout=TIMEOUT)
    gate.clear()
    session.run_epoch()
    session.step(1)
    session.run_epoch()
    gate.set()
    # three steps, to the end of epoch 1, one step into epoch 2, to the end of epoch 2
    qtbot.waitUntil(lambda: session.latest.step == 2 * per_epoch, timeout=TIMEOUT)
    assert session.latest.epoch == 2
