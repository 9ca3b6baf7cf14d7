"""How long the window waits on the worker: Save and Pause inside long frames.

    python -m benchmarks.bench_commands

Without a window (a TrainingSession on the GUI thread), while training plays:

1. L-BFGS at 500 steps a frame (one frame takes seconds): the time ``run_state()`` plus writing
   the file takes (what File > Save of a small network waits for), and the time from Pause until
   the worker has obeyed (Pause, then ``run_state()``, which returns once the worker served it).
2. The same for Adam at 10,000 steps a frame.

The worker serves a command at its next chunk (about worker.CHUNK_SECONDS, one iteration for
second-order methods), so both stay well under a second whatever the frame; before chunking
they waited for the rest of the frame (17 s and 23 s for case 1 on the machine these were
written on). Figures depend on the machine and its load: printed, never asserted.
"""
import os
import tempfile
import time

from PySide6.QtCore import QCoreApplication


def _spin(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def measure(optimizer: str, steps_per_frame: int, app) -> tuple[float, float]:
    """(seconds Save waited, seconds until a Pause was obeyed) while training plays."""
    from playground import files
    from playground.experiment import Experiment
    from playground.session import TrainingSession
    session = TrainingSession(Experiment({"optimizer": optimizer, "n_points": 400,
                                          "steps_per_frame": steps_per_frame}))
    try:
        _spin(app, 1.0)
        session.play()
        _spin(app, 3.0)
        start = time.perf_counter()
        state = session.run_state()
        doc = files.Document(session.experiment.values(), state["trainer"], state["history"])
        files.save(os.path.join(tempfile.gettempdir(), "bench_commands.nnp"), doc)
        save = time.perf_counter() - start
        _spin(app, 1.0)
        start = time.perf_counter()
        session.pause()
        session.run_state()
        return save, time.perf_counter() - start
    finally:
        session.shutdown()


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QCoreApplication.instance() or QCoreApplication([])
    for optimizer, steps in (("lbfgs", 500), ("adam", 10_000)):
        save, pause = measure(optimizer, steps, app)
        print(f"{optimizer:6s} {steps:6,d} steps/frame: Save waits {save:.3f} s, "
              f"Pause obeyed after {pause:.3f} s")


if __name__ == "__main__":
    main()
