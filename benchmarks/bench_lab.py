"""Frame cost of the optimizer lab: ten racers revealed step by step, and the cost of a new race.

    python -m benchmarks.bench_lab [--frames N] [--steps S] [--size WxH]

Offscreen, a lab window with the ten default racers on Rosenbrock (and on the saddle):
(1) one animation frame while playing: ``lab.advance()`` (two more steps; every view gets slices
of the paths computed ahead, as the window's 60 Hz timer does) and the window painting what
changed; wall-clock median, 90th percentile and mean, and the process's CPU time per frame
(steadier on a loaded machine), against the 16.7 ms a frame has at 60 frames a second;
(2) one new race of all ten (what a changed setting or a click on the plot costs: ``run_lab``
plus the views rebuilding, contours included).
Figures depend on the machine and its load: printed, never asserted.
"""
import argparse
import os
import statistics
import time

FRAME_BUDGET_MS = 1000.0 / 60.0


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from widgets import theme
    app = QApplication.instance() or QApplication([])
    theme.apply(app)
    return app


def measure(app, surface: str, frames: int, steps: int, size) -> dict:
    from playground.lab import LabSetup, run_lab
    from widgets.lab_window import LabWindow

    setup = LabSetup.default(surface, steps=steps)
    window = LabWindow(setup)
    window.resize(*size)
    window.show()
    window.panel.tabs.setCurrentIndex(2)                # the step-by-step arrows and numbers
    window.panel.inspect_box.setCurrentIndex(7)
    window.panel.inspect_box.activated.emit(7)
    for _ in range(10):
        app.processEvents()
    lab = window.lab
    lab.set_speed(2)
    lab.play()
    window.timer.stop()                                 # the frames come from this loop
    times, cpu = [], []
    for i in range(frames):
        if lab.shown >= steps - 2:
            lab.show(0)
        start, start_cpu = time.perf_counter(), time.process_time()
        lab.advance()                                   # what the 60 Hz timer calls
        app.processEvents()                             # the window paints what changed
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    lab.pause()
    start = time.perf_counter()
    paths = run_lab(setup)
    race_s = time.perf_counter() - start
    start = time.perf_counter()
    lab.set_start(setup.start[0] + 0.01, setup.start[1])
    window.repaint()
    app.processEvents()
    rebuild_s = time.perf_counter() - start
    window.close()
    times_ms = sorted(t * 1000 for t in times)
    cpu_ms = sorted(t * 1000 for t in cpu)
    return {"cpu_median_ms": statistics.median(cpu_ms), "cpu_mean_ms": statistics.fmean(cpu_ms),
            "surface": surface, "racers": len(paths), "steps": steps,
            "frame_median_ms": statistics.median(times_ms),
            "frame_p90_ms": times_ms[int(0.9 * (len(times_ms) - 1))],
            "frame_mean_ms": statistics.fmean(times_ms),
            "race_ms": race_s * 1000, "new_race_with_views_ms": rebuild_s * 1000}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_lab", description=__doc__)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--size", default="1280x720")
    args = ap.parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    app = _app()
    for surface in ("rosenbrock", "saddle"):
        r = measure(app, surface, args.frames, args.steps, size)
        print(f"{surface:>10}: {r['racers']} racers x {r['steps']} steps at {args.size}: frame "
              f"median {r['frame_median_ms']:.2f} ms, p90 {r['frame_p90_ms']:.2f} ms, mean "
              f"{r['frame_mean_ms']:.2f} ms; CPU time median {r['cpu_median_ms']:.2f} ms, "
              f"mean {r['cpu_mean_ms']:.2f} ms (budget {FRAME_BUDGET_MS:.1f} ms at 60 fps); "
              f"new race {r['race_ms']:.0f} ms, with the views {r['new_race_with_views_ms']:.0f} ms")


if __name__ == "__main__":
    main()
