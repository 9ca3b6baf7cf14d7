"""A progress dialog while the engine's kernels compile on a first start (instead of a window
that opens frozen, or a training run that does not start for a minute).

``ensure_kernels(app)`` runs ``playground.kernel_warmup.KernelWarmup`` and waits for it with the
event loop running; the dialog appears only when a kernel actually compiles (loading them from
numba's cache takes about a second and shows nothing). It cannot be cancelled: a kernel half
compiled cannot be stopped, and the window needs them all. ``Float32Kernels`` does the same for
the float32 training kernels the first time the experiment turns float32 (they are not compiled
on a first start: most experiments never need them).
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QProgressDialog

from playground.kernel_warmup import KernelWarmup, precisions_for

TITLE = "NN Playground: first start"


def explain(done: int, total: int, kernel: str) -> str:
    return (f"Compiling the engine's kernels, once per machine: {done} of {total}\n"
            f"({kernel.removeprefix('engine.')})\n\n"
            f"This takes about half a minute (up to a minute and a half on a busy\n"
            f"machine); later starts load them from the cache in a second.")


class CompileDialog(QProgressDialog):
    """The dialog, fed by ``KernelWarmup.progressed``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setCancelButton(None)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumWidth(520)

    def set_progress(self, done: int, total: int, kernel: str) -> None:
        self.setRange(0, max(total, 1))
        self.setValue(min(done, total))
        self.setLabelText(explain(done, total, kernel))
        if not self.isVisible():
            self.show()


def ensure_kernels(app, warm_up=None, precision: str = "float64") -> tuple[float, str, int]:
    """Compile or load every engine kernel an experiment in ``precision`` needs, before the
    window opens (or before it trains in float32), the event loop running; returns (seconds,
    error or "", kernels compiled). ``warm_up``: for tests."""
    job = KernelWarmup(warm_up, precisions=precisions_for(precision))
    dialog = CompileDialog()
    loop = QEventLoop()
    outcome: list = []

    def on_finished(seconds: float, error: str) -> None:
        outcome[:] = [seconds, error]
        loop.quit()

    job.progressed.connect(dialog.set_progress)
    job.finished.connect(on_finished)       # (queued from the thread: runs in the loop)
    job.start()
    if not outcome:
        loop.exec()
    dialog.close()
    dialog.deleteLater()
    return outcome[0], outcome[1], job.compiled


class Float32Kernels:
    """Compiles the float32 training kernels, with the dialog, the first time ``experiment``
    turns float32 (a float32 file opened, or the Training panel's Precision); then never
    again. ``done``: they are ready already (``ensure_kernels`` ran for float32)."""

    def __init__(self, app, experiment, warm_up=None, done: bool = False):
        self.app, self.experiment, self._warm_up = app, experiment, warm_up
        self.done = done
        experiment.state_changed.connect(self._on_experiment_state_changed)

    def _on_experiment_state_changed(self, name: str) -> None:
        if self.done or self.experiment.get("precision") != "float32":
            return
        self.done = True
        _, error, _ = ensure_kernels(self.app, self._warm_up, "float32")
        if error:
            print(f"The float32 kernels did not compile ({error}); training will say why.",
                  file=sys.stderr, flush=True)
