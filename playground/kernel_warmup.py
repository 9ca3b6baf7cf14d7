"""The engine's first-start compile, run off the GUI thread with its progress reported.

numba compiles each engine kernel once per machine and caches it (``engine.warmup``); on a first
start (or after an update changed the kernels) that takes 25-80 s on a 2-core machine. The
window must not sit frozen meanwhile: ``KernelWarmup`` runs ``engine.warmup.warm_up`` on a
thread and turns its progress lines (``[ 9/64]   3.3 s  compiling engine.kernels.forward``) into
``progressed(done, total, kernel)`` signals; ``finished(seconds, error)`` when it is over. Loading
from the cache reports nothing, so a caller can show a dialog only once the first kernel
compiles. A float32 experiment needs the float32 training kernels too (compiled only then:
``precisions_for``).
"""
from __future__ import annotations

import re
import threading

from PySide6.QtCore import QObject, Signal

_LINE = re.compile(r"^\[\s*(\d+)/(\d+)\]\s+[\d.]+ s\s+compiling (\S+)")


def parse_progress(line: str) -> tuple[int, int, str] | None:
    """(kernels done or started, kernels in all, the kernel's name) of one progress line of
    ``engine.warmup`` (None for its other lines)."""
    found = _LINE.match(line.strip())
    if found is None:
        return None
    return int(found.group(1)), int(found.group(2)), found.group(3)


def precisions_for(precision: str) -> tuple:
    """The training precisions to compile for an experiment in ``precision``."""
    return ("float64", "float32") if precision == "float32" else ("float64",)


class _Lines:
    """A text stream that hands each complete line to ``on_line``."""

    def __init__(self, on_line):
        self.on_line, self._partial = on_line, ""

    def write(self, text: str) -> int:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self.on_line(line)
        return len(text)

    def flush(self) -> None:
        pass


class KernelWarmup(QObject):
    """``start()`` compiles (or loads) every engine kernel on a thread; signals arrive on the
    thread that owns this object. ``warm_up``: the function to run, ``warm_up(progress=stream)``
    (default ``engine.warmup.warm_up``; tests give their own). ``precisions``: the training
    precisions the default compiles for (float32 training kernels only when asked)."""

    progressed = Signal(int, int, str)
    finished = Signal(float, str)           # seconds, error ("" when it worked)

    def __init__(self, warm_up=None, parent: QObject | None = None,
                 precisions: tuple = ("float64",)):
        super().__init__(parent)
        self._warm_up = warm_up
        self.precisions = tuple(precisions)
        self.done = False
        self.compiled = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kernel-warmup", daemon=True)
        self._thread.start()

    def _on_line(self, line: str) -> None:
        parsed = parse_progress(line)
        if parsed is not None:
            self.compiled += 1
            self.progressed.emit(*parsed)       # (queued to the owner's thread)

    def _run(self) -> None:
        seconds, error = 0.0, ""
        try:
            warm_up = self._warm_up
            if warm_up is None:
                from functools import partial

                from engine.warmup import warm_up
                warm_up = partial(warm_up, precisions=self.precisions)
            seconds = float(warm_up(progress=_Lines(self._on_line)) or 0.0)
        except Exception as exc:               # the window still opens; training says why
            error = f"{type(exc).__name__}: {exc}"
        self.done = True
        self.finished.emit(seconds, error)
