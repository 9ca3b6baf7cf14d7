"""Reading and writing large experiment files off the GUI thread.

``FileReader.read(path)`` reads and checks the file (``playground.files.load``) on a thread of
its own and reports on the GUI thread through ``finished(path, document, error)``: the Document,
or None and the FileFormatError. While it reads, the window shows a busy cursor; the experiment
that is open stays as it is until the caller applies the new one. ``FileWriter.write(path,
doc)`` saves on a thread of its own the same way (compressing tens of megabytes takes seconds).

The threads touch no Qt object: each leaves its result in a slot and a timer on the GUI thread
looks for it (every POLL_MS), so nothing crosses threads through Qt.
"""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from playground import files

POLL_MS = 20


class _Job(QObject):
    """One background call at a time; ``busy`` is the path it works on (None when idle)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.busy: Path | None = None
        self._result: tuple | None = None
        self._done = threading.Event()
        self._done.set()
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)

    def _start(self, path: Path, work, *args) -> None:
        self.busy = Path(path)
        self._result = None
        self._done.clear()

        def run():
            try:
                self._result = work(self.busy, *args)
            finally:
                self._done.set()
        threading.Thread(target=run, name=type(self).__name__, daemon=True).start()
        self._poll.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the call in progress has ended (a window closing waits for its save to
        reach the disk); True if it did. Its report still comes through the event loop."""
        return self._done.wait(timeout)

    def _on_poll_timeout(self) -> None:
        if not self._done.is_set():
            return
        self._poll.stop()
        result, self._result, self.busy = self._result, None, None
        self._report(result)

    def _report(self, result: tuple) -> None:
        raise NotImplementedError


class FileReader(_Job):
    """Reads one file at a time; ``busy`` is the path being read."""

    finished = Signal(object, object, object)      # path, Document | None, error | None

    def read(self, path: str | Path) -> bool:
        """Start reading ``path``; False (and nothing started) while another read runs."""
        if self.busy is not None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self._start(Path(path), _read)
        return True

    def _report(self, result: tuple) -> None:
        QApplication.restoreOverrideCursor()
        self.finished.emit(*result)


class FileWriter(_Job):
    """Writes experiment files (``playground.files.save``, atomic) one at a time and reports
    through ``finished(path, document, error, tag)`` (error None when written)."""

    finished = Signal(object, object, object, object)    # path, Document, error | None, tag

    def write(self, path: str | Path, doc: files.Document, tag=None) -> bool:
        """Start writing ``doc`` to ``path``; False (nothing started) while a write runs."""
        if self.busy is not None:
            return False
        self._start(Path(path), _write, doc, tag)
        return True

    def _report(self, result: tuple) -> None:
        self.finished.emit(*result)


def _read(path: Path) -> tuple:
    """On the reader's thread: (path, the Document or None, the reason it cannot be opened)."""
    try:
        return path, files.load(path), None
    except files.FileFormatError as problem:
        return path, None, problem
    except Exception as problem:     # never lose the report: say it in words
        return path, None, files.FileFormatError(
            f"it could not be read ({type(problem).__name__}: {problem}).", path)


def _write(path: Path, doc: files.Document, tag) -> tuple:
    """On the writer's thread: (path, doc, the error or None, tag)."""
    try:
        files.save(path, doc)
        return path, doc, None, tag
    except (OSError, ValueError) as problem:
        return path, doc, problem, tag
    except Exception as problem:     # never lose the report: say it in words
        return path, doc, OSError(f"{type(problem).__name__}: {problem}"), tag


def document_bytes(doc: files.Document) -> int:
    """About how many bytes ``doc``'s arrays take (weights, optimizer state, history)."""
    total = 0
    for part in (doc.trainer or {}, doc.history or {}):
        for value in part.values():
            total += getattr(value, "nbytes", 0)
            if isinstance(value, dict):
                total += sum(getattr(v, "nbytes", 0) for v in value.values())
    return total
