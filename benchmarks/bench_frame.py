"""Frame cost of one full view update, and training throughput while the window renders.

    python -m benchmarks.bench_frame [--frames N] [--seconds S]

Offscreen, on the default experiment: (1) the median time to hand one snapshot to every view
and paint the whole window (256x256 boundary, every neuron map, the curves); (2) training steps
per second of the engine alone (``trainer.run`` in a loop, no window) and of the window while it
trains at full speed and renders, and their ratio.
"""
import argparse
import os
import statistics
import sys
import time

FULL_SPEED = 10_000      # steps per frame: the worker always has work


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import playground  # noqa: F401  (PySide6 6.12 refcount guard)
    from PySide6.QtWidgets import QApplication

    from widgets import theme
    app = QApplication.instance() or QApplication([])
    theme.apply(app)
    return app


def _window(app, values=None):
    import tempfile

    from PySide6.QtCore import QSettings

    from playground.experiment import Experiment
    from widgets.main_window import MainWindow
    path = os.path.join(tempfile.mkdtemp(), "layout.ini")
    window = MainWindow(Experiment(values), settings=QSettings(path, QSettings.Format.IniFormat))
    window.resize(1280, 720)
    window.show()
    _wait(app, lambda: window.session.latest is not None)
    return window


def _wait(app, condition, timeout=60.0):
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the worker did not answer")
        app.processEvents()
        time.sleep(0.001)


def frame_cost(app, frames: int) -> list[float]:
    """Seconds per full view update: every view takes a snapshot, the window paints."""
    window = _window(app)
    session = window.session
    snapshots = []
    for _ in range(2):
        step = (session.latest.step if session.latest else 0) + 200
        session.step(200)
        _wait(app, lambda: session.latest.step >= step)
        snapshots.append(session.latest)
    for _ in range(5):
        app.processEvents()
    times = []
    for i in range(frames):
        snapshot = snapshots[i % 2]
        start = time.perf_counter()
        session.snapshot_ready.emit(snapshot)      # every view takes the snapshot
        window.curves_panel.refresh()              # curves too (they redraw at 10 Hz)
        app.processEvents()                        # the window paints what changed
        times.append(time.perf_counter() - start)
    window.close()
    return times


def engine_alone(seconds: float) -> float:
    """Steps per second of the default experiment's trainer, run in chunks, nothing else."""
    from playground import pipeline
    from playground.experiment import Experiment
    from playground.session import make_trainer
    from playground.worker import Job
    values = Experiment().values()
    data = pipeline.prepare(values)
    spec = pipeline.network_spec(values, len(data.features), 1)
    trainer = make_trainer(Job(0, data, spec, pipeline.train_config(values), values["seed"]))
    trainer.run(100)
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        steps += trainer.run(FULL_SPEED).steps_done
    return steps / (time.perf_counter() - start)


def while_rendering(app, seconds: float) -> tuple[float, int]:
    """Steps per second, and frames drawn, while the window trains at full speed."""
    window = _window(app, {"steps_per_frame": FULL_SPEED})
    session = window.session
    frames = []
    session.snapshot_ready.connect(lambda s: frames.append(s.step))
    session.play()
    _wait(app, lambda: len(frames) >= 2)
    first, start = frames[-1], time.perf_counter()
    count = len(frames)
    while time.perf_counter() - start < seconds:
        app.processEvents()
        time.sleep(0.001)
    rate = (frames[-1] - first) / (time.perf_counter() - start)
    session.pause()
    window.close()
    return rate, len(frames) - count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args(argv)
    app = _app()
    times = frame_cost(app, args.frames)
    median_ms = statistics.median(times) * 1000
    print(f"frame cost (full view update, 1280x720 offscreen): median {median_ms:.2f} ms, "
          f"p90 {sorted(times)[int(0.9 * len(times))] * 1000:.2f} ms, target <= 8 ms")
    alone = engine_alone(args.seconds)
    rendering, frames = while_rendering(app, args.seconds)
    print(f"training throughput alone:          {alone:12,.0f} steps/s")
    print(f"training throughput while rendering: {rendering:12,.0f} steps/s "
          f"({frames / args.seconds:.0f} frames/s)")
    print(f"ratio rendering / alone:            {rendering / alone:12.2f}   target >= 0.50")
    return 0


if __name__ == "__main__":
    sys.exit(main())
