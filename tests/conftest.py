"""Shared fixtures: Qt runs offscreen; main windows and sessions are closed (workers stopped)
at teardown; window tests never block on a modal dialog; Hypothesis is deterministic."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

# CI must be deterministic: the same examples on every run (derandomize), and no deadline,
# since numba compiles kernels inside the first examples. HYPOTHESIS_PROFILE=explore draws new
# examples on a developer's machine.
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def settings(tmp_path):
    """A QSettings in a temporary file, so tests never touch the user's remembered layout."""
    from PySide6.QtCore import QSettings
    return QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)


def _no_dialogs(actions) -> None:
    """Answer the File menu's modal questions at once (offscreen, a modal dialog would wait
    for a click that never comes): discard unsaved changes, decline recovery, cancel file
    dialogs, and record errors in ``actions.errors`` instead of showing them."""
    actions.errors = []
    actions.ask_unsaved = lambda name: "discard"
    actions.ask_recover = lambda doc: False
    actions.ask_open_path = lambda *a: None
    actions.ask_save_path = lambda *a: None
    actions.ask_folder = lambda *a: None
    actions.show_error = lambda title, text: actions.errors.append(text)


@pytest.fixture
def make_window(qtbot, settings, tmp_path):
    """Factory: make_window(experiment=None, autosave_ms=0, **values) -> a shown MainWindow
    whose dialogs answer at once (see _no_dialogs) and whose recovery file is in tmp_path; all
    are closed (their workers stopped) at teardown."""
    from PySide6.QtWidgets import QApplication

    from playground.experiment import Experiment
    from widgets import theme
    from widgets.main_window import MainWindow

    theme.apply(QApplication.instance())
    windows = []

    def make(experiment=None, size=(1280, 720), autosave_ms=0, **values):
        window = MainWindow(experiment or Experiment(values or None), settings=settings,
                            recovery_path=tmp_path / f"recovery{len(windows)}.nnp",
                            autosave_ms=autosave_ms)
        _no_dialogs(window.file_actions)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.file_actions.ask_unsaved = lambda name: "discard"   # a test may have changed it
        window.close()
        assert window.session.run_state() is None      # the worker thread has ended


@pytest.fixture
def make_session(qtbot):
    """Factory: make_session(**values) -> (experiment, session) without a window; sessions are
    shut down at teardown."""
    from playground.experiment import Experiment
    from playground.session import TrainingSession

    sessions = []

    def make(**values):
        experiment = Experiment(values or None)
        session = TrainingSession(experiment)
        sessions.append(session)
        return experiment, session

    yield make
    for session in sessions:
        session.shutdown()


@pytest.fixture
def alive():
    """alive(pid) -> whether a process with this id exists (no worker may be left behind)."""
    def check(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return check
