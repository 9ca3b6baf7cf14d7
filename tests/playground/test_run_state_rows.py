"""run_state's history ends exactly at the saved network's step, even when the worker sends a
snapshot right after answering (run_state takes the queued snapshots at once, and such a
snapshot's rows lie past the answer's step). Seen in CI as a recovery file that would not
open: 'history goes to step 1470, past the network's step 1440'."""
import numpy as np
from PySide6.QtCore import Qt

from engine import kernels as K
from playground.fields import Layer

TIMEOUT = 30_000


def test_a_snapshot_sent_just_after_the_answer_stays_out_of_the_saved_history(qtbot,
                                                                              make_session):
    _, session = make_session(n_points=100, layers=(Layer(4, "tanh"),), steps_per_frame=3000)
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    worker = session._worker          # the race made certain: a snapshot at once after answering
    sent = []

    def snapshot_after_answer(box):
        if not sent:
            sent.append(True)
            worker._emit_snapshot()
    worker.state_served.connect(snapshot_after_answer, Qt.ConnectionType.DirectConnection)
    session.play()
    qtbot.waitUntil(lambda: session.latest.step > 0, timeout=TIMEOUT)
    state = session.run_state()       # mid-frame: the answer carries a pending row
    assert sent
    steps = state["history"]["step"]
    saved_step = int(state["trainer"]["state"][K.STEP])
    assert len(steps) and steps[-1] == saved_step
    qtbot.waitUntil(lambda: len(session.history) > len(steps), timeout=TIMEOUT)
    session.pause()
    for name, column in state["history"].items():   # the rows the session shows, no others
        np.testing.assert_array_equal(column, session.history.column(name)[:len(steps)])
