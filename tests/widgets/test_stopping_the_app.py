"""Stopping the app from outside: ``main.py`` as its own process, interrupted with SIGINT
(Ctrl-C in its terminal) or SIGTERM (kill) while it trains, closes cleanly: status 0, no
traceback, no Qt abort, the worker thread ended, and the unsaved work in the recovery file."""
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from playground import files

ROOT = Path(__file__).resolve().parents[2]

# Runs main.py's own main(); only adds, once the window is shown, an unsaved change (as a click
# on the learning rate would make) and training when asked to, and says "ready" on stdout.
DRIVER = """
import sys
from PySide6.QtCore import QTimer
import main
from widgets.main_window import MainWindow

modify = sys.argv[1] != "keep"
shown = MainWindow.show

def show(self):
    shown(self)
    if sys.argv[1] == "background":
        self.file_actions.background_bytes = 0   # every file would be written on a thread
    if modify:
        self.experiment.set("learning_rate", 0.1)
        self.session.play()                      # trained weights are unsaved work too
    QTimer.singleShot(300, lambda: print("ready", flush=True))

MainWindow.show = show
close_without_asking = MainWindow.close_without_asking

def close_and_look(self):
    kept = close_without_asking(self)
    print(f"on disk when closed: {self.file_actions.recovery_path.exists()}", file=sys.stderr)
    return kept

MainWindow.close_without_asking = close_and_look
sys.exit(main.main([]))
"""


def start_app(tmp_path, modify: bool, mode: str = "") -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    # As from a terminal: SIGINT not ignored even when the test runner was started in the
    # background (which makes the app keep it ignored, as it should).
    mode = mode or ("modify" if modify else "keep")
    process = subprocess.Popen([sys.executable, "-c", DRIVER, mode],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    up, _, _ = select.select([process.stdout], [], [], 120)   # the window is up, or it died
    line = process.stdout.readline() if up else "(nothing for 120 s)"
    if line.strip() != "ready":
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the app did not come up: {line}{out}\n{err}")
    time.sleep(0.5)                              # let it train a few frames
    return process


def stop(process: subprocess.Popen, signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"still running 60 s after {signum}: {err}")
    return process.returncode, err


def recovery_files(tmp_path) -> list[Path]:
    return sorted((tmp_path / "data").rglob(f"*{files.EXTENSION}"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_saves_unsaved_work_to_the_recovery_file_and_exits_cleanly(tmp_path, signum):
    process = start_app(tmp_path, modify=True)
    code, err = stop(process, signum)
    assert code == 0, err
    for bad in ("Traceback", "QThread: Destroyed", "Aborted", "KeyboardInterrupt"):
        assert bad not in err
    (recovery,) = recovery_files(tmp_path)
    assert str(recovery) in err and signal.Signals(signum).name in err
    doc = files.load(recovery)
    assert doc.values["learning_rate"] == 0.1
    assert doc.meta["pid"] == str(process.pid)   # offered back at the next start


def test_without_unsaved_work_no_recovery_file_is_written(tmp_path):
    process = start_app(tmp_path, modify=False)
    code, err = stop(process, signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err and "QThread: Destroyed" not in err
    assert "Stopped by SIGTERM." in err
    assert recovery_files(tmp_path) == []


def test_the_recovery_file_is_complete_even_where_large_files_are_written_on_a_thread(tmp_path):
    """The process ends right after the close: the recovery file must be on disk by then."""
    process = start_app(tmp_path, modify=True, mode="background")
    code, err = stop(process, signal.SIGTERM)
    assert code == 0, err
    assert "on disk when closed: True" in err
    (recovery,) = recovery_files(tmp_path)
    assert files.load(recovery).values["learning_rate"] == 0.1
