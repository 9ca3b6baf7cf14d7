"""Worker threads that outlive their session's shutdown.

Closing the window waits a bounded time for the training worker (``TrainingSession.shutdown``).
A worker still busy then in one long call (a first compile of the kernels, a large network's
build) cannot be interrupted: it is kept alive here, its thread and it, until that call ends
(a QThread deleted while it runs aborts the process, and a worker deleted while it runs a slot
crashes it). The end of the process waits for them, at most ``EXIT_WAIT_MS`` in all; one still
running then makes the process end at once with status 1 instead of Qt's abort.
"""
import atexit
import os
import sys
import time

from PySide6.QtCore import QObject, QThread

#: (thread, worker) of sessions shut down while their worker was still busy in one long call,
#: kept until the thread has ended.
_LINGERING: list = []
#: How long the end of the process waits for them (their long call, a compile say, ends): the
#: window has closed already; only a worker stuck for good makes the process end without it.
EXIT_WAIT_MS = 60_000


def keep_until_ended(thread: QThread, worker: QObject) -> None:
    """Keep ``thread`` and its ``worker`` (still running) until the thread has ended; the end
    of the process waits for it (``_wait_at_exit``)."""
    if not _LINGERING:
        # Registered after PySide's own clean-up, so it runs before it (atexit is last in,
        # first out): PySide deletes every QObject Python owns, a running QThread too.
        atexit.register(_wait_at_exit)
    _LINGERING[:] = [(t, w) for t, w in _LINGERING if t.isRunning()]
    _LINGERING.append((thread, worker))


def still_running() -> int:
    """How many worker threads of sessions already shut down are still running."""
    return sum(1 for thread, _ in _LINGERING if thread.isRunning())


def _wait_at_exit(timeout_ms: int | None = None) -> None:
    """At the end of the process: wait (at most ``EXIT_WAIT_MS`` in all) for the worker
    threads of sessions shut down while busy. One still running then would abort the process
    in PySide's clean-up ("QThread: Destroyed while thread is still running"): say so and end
    the process at once instead, with status 1."""
    timeout_ms = EXIT_WAIT_MS if timeout_ms is None else timeout_ms
    deadline = time.monotonic() + timeout_ms / 1000
    for thread, _ in _LINGERING:
        if not thread.wait(max(0, int((deadline - time.monotonic()) * 1000))):
            print(f"A training thread did not stop within {timeout_ms / 1000:g} s; ending "
                  f"the process without it.", file=sys.stderr, flush=True)
            sys.stdout.flush()
            os._exit(1)
