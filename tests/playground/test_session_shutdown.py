"""Shutting a session down (closing its window) waits a bounded time for the worker: a worker
busy in one long call (a first compile of the kernels, a large network's build) is left to end
on its own, and the process still ends cleanly. Long calls are made by a trainer factory that
waits on an Event; no wall-clock limits (the shutdown bound is set small, and a safety timer
opens the gate so that a shutdown that waits for the worker fails instead of hanging)."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gated_trainers import GatedFactory
from playground import lingering
from playground import session as session_module
from playground.fields import Layer

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"n_points": 100, "layers": (Layer(4, "tanh"),)}
TIMEOUT = 30_000


@pytest.fixture
def make_blocked(qtbot):
    """make_blocked() -> (session, experiment, factory): a session whose network builds after
    the first wait until ``factory.gate`` opens (gated_trainers.GatedFactory). Gates are opened
    and sessions shut down at teardown."""
    from playground.experiment import Experiment
    from playground.session import TrainingSession

    made = []

    def make():
        factory = GatedFactory()
        experiment = Experiment(SMALL)
        session = TrainingSession(experiment, trainer_factory=factory)
        made.append((session, factory))
        qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
        return session, experiment, factory

    yield make
    for session, factory in made:
        factory.release()
        session.shutdown()
    qtbot.waitUntil(lambda: lingering.still_running() == 0, timeout=TIMEOUT)


def test_a_worker_busy_in_a_long_call_does_not_hold_the_shutdown(qtbot, make_blocked,
                                                                 monkeypatch):
    monkeypatch.setattr(session_module, "SHUTDOWN_TIMEOUT_MS", 200)
    session, experiment, factory = make_blocked()
    session.play()
    experiment.set("seed", 7)             # a rebuild: the worker waits in the network's build
    assert factory.entered.wait(TIMEOUT / 1000)
    factory.safety.start()
    ended = session.shutdown()
    assert not factory.gate.is_set(), "shutdown waited for the worker's long call to end"
    assert ended is False and not session.running
    assert session.run_state() is None                    # no blocking call to that worker
    got = []
    session.request_run_state(got.append)
    assert got == [None]
    assert lingering.still_running() == 1                 # kept while it runs
    snapshots = []
    session.snapshot_ready.connect(snapshots.append)
    factory.gate.set()                                    # the long call ends...
    qtbot.waitUntil(lambda: lingering.still_running() == 0, timeout=TIMEOUT)   # ...so does it
    qtbot.wait(50)
    assert snapshots == []                    # nothing of the stopped worker reaches the views
    assert session.shutdown() is True         # a second shutdown waits no more


def test_changes_after_shutdown_send_the_stopped_worker_nothing(qtbot, make_session):
    experiment, session = make_session(**SMALL)
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    assert session.shutdown() is True
    latest = session.latest
    experiment.set("seed", 3)                 # would rebuild (on this thread, the worker's now)
    session.play()
    session.step(5)
    qtbot.wait(100)
    assert session.latest is latest and session.run_state() is None


def test_shutdown_while_training_ends_the_thread_within_the_bound(qtbot, make_session):
    _, session = make_session(**SMALL, steps_per_frame=5000)
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    session.play()
    qtbot.waitUntil(lambda: session.latest.step > 0, timeout=TIMEOUT)
    assert session.shutdown(timeout_ms=TIMEOUT) is True   # a frame ends at its next chunk
    assert lingering.still_running() == 0


# The end of the process: a worker still in its long call when the script ends.
SCRIPT = textwrap.dedent("""
    import sys, threading
    sys.path.insert(0, "tests")
    from PySide6.QtCore import QCoreApplication
    from gated_trainers import GatedFactory
    from playground import lingering
    from playground import session as S
    from playground.experiment import Experiment
    from playground.fields import Layer
    app = QCoreApplication([])
    factory = GatedFactory()
    experiment = Experiment({"n_points": 60, "layers": (Layer(3, "tanh"),)})
    session = S.TrainingSession(experiment, trainer_factory=factory)
    while session.latest is None:
        app.processEvents()
    experiment.set("seed", 4)
    factory.entered.wait(30)
    print("shutdown", session.shutdown(timeout_ms=100), lingering.still_running(), flush=True)
    if sys.argv[1] == "ends":
        threading.Timer(0.5, factory.gate.set).start()   # the long call ends after the script
    else:
        lingering.EXIT_WAIT_MS = 300                     # it never does
    del session
""")


@pytest.mark.parametrize("worker", ["ends", "stuck"])
def test_the_process_ends_cleanly_with_a_worker_still_busy(worker):
    done = subprocess.run([sys.executable, "-c", SCRIPT, worker], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.splitlines() == ["shutdown False 1"]
    assert "Destroyed while thread" not in done.stderr, done.stderr     # no Qt abort
    if worker == "ends":
        assert done.returncode == 0, done.stderr        # it waited for the call to end
        assert done.stderr.strip() == ""
    else:
        assert done.returncode == 1, done.stderr        # said so, and ended without it
        assert "did not stop within 0.3 s" in done.stderr
