"""Reading and writing large experiment files off the GUI thread.

``FileReader.read(path)`` reads and checks the file (``playground.files.load``) on a thread of
its own and reports on the GUI thread through ``finished(path, document, error)``: the Document,
or None and the FileFormatError. While it reads, the window shows a busy cursor; the experiment
that is open stays as it is until the caller applies the new one. ``FileWriter.write(path,
doc)`` saves on a thread of its own the same way (compressing tens of megabytes takes seconds).
"""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication

from playground import files


class FileReader(QObject):
    """One read at a time; ``busy`` is the path being read (None when idle)."""

    finished = Signal(object, object, object)      # path, Document | None, error | None

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.busy: Path | None = None
        self._done = threading.Event()
        self._done.set()
        self.finished.connect(self._on_self_finished)

    def read(self, path: str | Path) -> bool:
        """Start reading ``path``; False (and nothing started) while another read runs."""
        if self.busy is not None:
            return False
        self.busy = Path(path)
        self._done.clear()
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        threading.Thread(target=self._read, args=(self.busy,), name="file-reader",
                         daemon=True).start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the read in progress has ended (for closing a window); True if it
        did."""
        return self._done.wait(timeout)

    def _read(self, path: Path) -> None:
        """On the reader thread: the Document or the reason it cannot be opened."""
        doc = error = None
        try:
            doc = files.load(path)
        except files.FileFormatError as problem:
            error = problem
        except Exception as problem:     # never lose the report: say it in words
            error = files.FileFormatError(f"it could not be read ({type(problem).__name__}: "
                                          f"{problem}).", path)
        try:
            self.finished.emit(path, doc, error)     # queued to the GUI thread
        except RuntimeError:
            pass                                     # the window was closed meanwhile
        finally:
            self._done.set()

    def _on_self_finished(self, *_args) -> None:
        # connected first, so the reader is idle again before the caller hears of the result
        self.busy = None
        QApplication.restoreOverrideCursor()


class FileWriter(QObject):
    """Writes experiment files (``playground.files.save``, atomic) on a thread of its own, one
    at a time, and reports on the GUI thread through ``finished(path, document, error, tag)``
    (error None when written). ``busy`` is the path being written (None when idle)."""

    finished = Signal(object, object, object, object)    # path, Document, error | None, tag

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.busy: Path | None = None
        self._done = threading.Event()
        self._done.set()
        self.finished.connect(self._on_self_finished)

    def write(self, path: str | Path, doc: files.Document, tag: str = "") -> bool:
        """Start writing ``doc`` to ``path``; False (nothing started) while a write runs."""
        if self.busy is not None:
            return False
        self.busy = Path(path)
        self._done.clear()
        threading.Thread(target=self._write, args=(self.busy, doc, tag), name="file-writer",
                         daemon=True).start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the write in progress has ended (a window closing waits for its save
        to reach the disk); True if it did."""
        return self._done.wait(timeout)

    def _write(self, path: Path, doc: files.Document, tag: str) -> None:
        error = None
        try:
            files.save(path, doc)
        except (OSError, ValueError) as problem:
            error = problem
        except Exception as problem:     # never lose the report: say it in words
            error = OSError(f"{type(problem).__name__}: {problem}")
        try:
            self.finished.emit(path, doc, error, tag)
        except RuntimeError:
            pass                                     # the window was closed meanwhile
        finally:
            self._done.set()

    def _on_self_finished(self, *_args) -> None:
        self.busy = None


def document_bytes(doc: files.Document) -> int:
    """About how many bytes ``doc``'s arrays take (weights, optimizer state, history)."""
    total = 0
    for part in (doc.trainer or {}, doc.history or {}):
        for value in part.values():
            total += getattr(value, "nbytes", 0)
            if isinstance(value, dict):
                total += sum(getattr(v, "nbytes", 0) for v in value.values())
    return total
