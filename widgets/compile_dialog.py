"""A progress dialog while the engine's kernels compile on a first start (instead of a window
that opens frozen, or a training run that does not start for a minute).

``ensure_kernels(app)`` runs ``playground.kernel_warmup.KernelWarmup`` and waits for it with the
event loop running; the dialog appears only when a kernel actually compiles (loading them from
numba's cache takes about a second and shows nothing). It cannot be cancelled: a kernel half
compiled cannot be stopped, and the window needs them all.
"""
from __future__ import annotations

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QProgressDialog

from playground.kernel_warmup import KernelWarmup

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


def ensure_kernels(app, warm_up=None) -> tuple[float, str, int]:
    """Compile or load every engine kernel before the window opens, the event loop running;
    returns (seconds, error or "", kernels compiled). ``warm_up``: for tests."""
    job = KernelWarmup(warm_up)
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
