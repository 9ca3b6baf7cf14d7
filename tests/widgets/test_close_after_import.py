"""Closing the window after switching to an imported image set: it asks about the unsaved
experiment (Cancel keeps it open and training), then stops training and ends the worker
thread; a worker still busy building the new network (a long call: a first compile, a large
set's first scoring) does not hold the close, and the window is gone before the close waits
for it. Long calls are made by a trainer factory that waits on an Event (gated_trainers); a
safety timer opens it, so that a close that waits fails instead of hanging."""
import functools

import pytest
from PySide6.QtCore import Qt

from gated_trainers import GatedFactory
from picture_folders import write_folder
from playground import lingering
from playground import session as session_module

TIMEOUT = 30_000


def import_folder(qtbot, window, folder):
    dialog = window.import_actions.open_dialog()
    dialog.folder.setText(str(folder))
    dialog.size.setValue(12)
    with qtbot.waitSignal(dialog.import_finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    dialog.close()
    return dialog.report


def test_close_after_an_import_asks_and_then_stops_training(make_window, qtbot, tmp_path):
    window = make_window()
    report = import_folder(qtbot, window, write_folder(tmp_path / "bars"))
    session = window.session
    qtbot.waitUntil(lambda: session.modality == "images" and session.latest is not None,
                    timeout=TIMEOUT)
    assert window.experiment.dataset == report.name
    session.play()
    qtbot.waitUntil(lambda: session.latest.step > 0, timeout=TIMEOUT)
    asked = []
    window.file_actions.ask_unsaved = lambda name: asked.append(name) or "cancel"
    assert window.close() is False                 # the unsaved experiment: kept
    assert asked and window.isVisible() and session.running
    step = session.latest.step
    qtbot.waitUntil(lambda: session.latest.step > step, timeout=TIMEOUT)   # still training
    window.file_actions.ask_unsaved = lambda name: asked.append(name) or "discard"
    assert window.close() is True and len(asked) == 2
    assert not session.running and session.run_state() is None
    assert lingering.still_running() == 0          # its thread ended, nothing left behind


@pytest.fixture
def gated_windows(monkeypatch):
    """Windows made from now on build every network after their first only once the gate of
    the GatedFactory returned is open (gated_trainers); it is opened at teardown. Shutdowns
    wait at most 300 ms."""
    from playground.session import TrainingSession
    from widgets import main_window

    factory = GatedFactory()
    monkeypatch.setattr(main_window, "TrainingSession",
                        functools.partial(TrainingSession, trainer_factory=factory))
    monkeypatch.setattr(session_module, "SHUTDOWN_TIMEOUT_MS", 300)
    yield factory
    factory.release()


def test_close_does_not_wait_for_a_worker_busy_building_the_imported_network(
        gated_windows, make_window, qtbot, tmp_path):
    factory = gated_windows
    window = make_window()
    qtbot.waitUntil(lambda: window.session.latest is not None, timeout=TIMEOUT)
    window.session.play()
    import_folder(qtbot, window, write_folder(tmp_path / "bars"))
    assert factory.entered.wait(TIMEOUT / 1000)   # the worker builds the conv net: a long call
    factory.safety.start()
    assert window.close() is True
    assert not factory.gate.is_set(), "close waited for the worker's long call to end"
    assert not window.isVisible() and not window.session.running
    assert window.session.run_state() is None
    assert lingering.still_running() == 1
    factory.gate.set()
    qtbot.waitUntil(lambda: lingering.still_running() == 0, timeout=TIMEOUT)


def test_the_window_disappears_before_the_close_waits_for_a_busy_worker(
        gated_windows, make_window, qtbot):
    factory = gated_windows
    window = make_window()
    qtbot.waitUntil(lambda: window.session.latest is not None, timeout=TIMEOUT)
    window.experiment.set("seed", 7)              # a rebuild: the worker waits in the build
    assert factory.entered.wait(TIMEOUT / 1000)
    factory.safety.start()
    session, shown_while_waiting = window.session, []
    shutdown = session.shutdown

    def watched_shutdown(*args, **kwargs):        # the bounded wait for the worker is in here
        shown_while_waiting.append(window.isVisible())
        return shutdown(*args, **kwargs)
    session.shutdown = watched_shutdown
    assert window.close() is True
    assert shown_while_waiting == [False], "the window stayed on screen, frozen, while waiting"
    assert not factory.gate.is_set(), "close waited for the worker's long call to end"
    assert not window.isVisible() and lingering.still_running() == 1
    factory.gate.set()
    qtbot.waitUntil(lambda: lingering.still_running() == 0, timeout=TIMEOUT)
