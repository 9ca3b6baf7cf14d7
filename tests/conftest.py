"""Shared fixtures: Qt runs offscreen; main windows and sessions are closed (workers stopped)
at teardown."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

import playground  # noqa: E402,F401  (guards PySide6 6.12's refcount bug on Python 3.11)


@pytest.fixture
def settings(tmp_path):
    """A QSettings in a temporary file, so tests never touch the user's remembered layout."""
    from PySide6.QtCore import QSettings
    return QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    """Factory: make_window(experiment=None, **values) -> a shown MainWindow; all are closed
    (their workers stopped) at teardown."""
    from PySide6.QtWidgets import QApplication

    from playground.experiment import Experiment
    from widgets import theme
    from widgets.main_window import MainWindow

    theme.apply(QApplication.instance())
    windows = []

    def make(experiment=None, size=(1280, 720), **values):
        window = MainWindow(experiment or Experiment(values or None), settings=settings)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert not window.session._thread.isRunning()


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
