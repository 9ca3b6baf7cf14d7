"""How the window keeps up while it trains: GUI event latency, live detail, steps per frame.

    python -m benchmarks.bench_latency [--seconds S]

These figures depend on the machine and on what else runs on it, so they are measured and
printed here rather than asserted in tests (the tests check only the behaviour that does not
depend on load). Offscreen, at 1280x720:

1. GUI event latency while the default experiment trains at full speed (10,000 steps a frame):
   a 10 ms timer on the GUI thread, how late each tick comes (median, 95th percentile, worst);
   targets: 95th percentile under 50 ms, worst under 250 ms.
2. Live detail of a large network (4 hidden layers of 64 ReLU units): the detail level of the
   snapshots while it trains (0: every grid point; higher, coarser), of a paused snapshot, and
   the frames a second drawn while training.
3. Steps per frame that keep 60 frames a second, as the worker measures them, for a small network
   (2x4 tanh, 100 points) and a large one (3x128 tanh, batches of 50), and their ratio.
"""
import argparse
import statistics
import sys
import time

import numpy as np

from benchmarks.bench_frame import FULL_SPEED, _app, _wait, _window

LATENCY_P95_TARGET_MS = 50.0
LATENCY_WORST_TARGET_MS = 250.0
PROBE_MS = 10


def _run_for(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def event_latency(app, seconds: float) -> dict:
    """Lateness in ms of a 10 ms GUI timer while the window trains at full speed."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    window = _window(app, {"steps_per_frame": FULL_SPEED})
    session = window.session
    session.play()
    _wait(app, lambda: session.latest.step > 0)
    gaps, clock = [], QElapsedTimer()
    probe = QTimer()
    probe.setInterval(PROBE_MS)
    probe.timeout.connect(lambda: gaps.append(clock.restart()))
    clock.start()
    probe.start()
    _run_for(app, seconds)
    probe.stop()
    steps = session.latest.step
    session.pause()
    window.close()
    late = np.array(gaps[1:], dtype=np.float64) - PROBE_MS
    return {"median_ms": float(np.median(late)), "p95_ms": float(np.percentile(late, 95)),
            "worst_ms": float(late.max()), "ticks": len(late), "steps": steps}


def live_detail(app, seconds: float) -> dict:
    """Detail levels of a 4x64 network's snapshots while training and paused, frames/s."""
    from playground.fields import Layer
    window = _window(app, {"layers": (Layer(64, "relu"),) * 4})
    session = window.session
    levels = []
    session.snapshot_ready.connect(lambda s: levels.append(s.detail))
    session.play()
    _wait(app, lambda: len(levels) >= 3)
    count, start = len(levels), time.perf_counter()
    _run_for(app, seconds)
    fps = (len(levels) - count) / (time.perf_counter() - start)
    live = levels[count:] or levels[-1:]
    session.pause()
    for _ in range(2):          # the second snapshot after the pause is built paused
        target = session.latest.step + 1
        session.step(1)
        _wait(app, lambda: session.latest.step >= target)
    paused = session.latest.detail
    window.close()
    return {"live": statistics.median(live), "live_min": min(live), "live_max": max(live),
            "paused": paused, "fps": fps}


def steps_per_frame_at_60() -> tuple[int, int]:
    """What the worker says keeps 60 frames a second, small network and large one."""
    from PySide6.QtWidgets import QApplication

    from playground.experiment import Experiment
    from playground.fields import Layer
    from playground.session import TrainingSession
    app = QApplication.instance()
    fits = []
    for values in ({"n_points": 100, "layers": (Layer(4, "tanh"), Layer(4, "tanh"))},
                   {"n_points": 400, "batch_size": 50, "layers": (Layer(128, "tanh"),) * 3}):
        session = TrainingSession(Experiment(values))
        _wait(app, lambda: session.latest is not None)
        for n in (300, 300):          # two snapshots: the first one is not timed
            target = session.latest.step + n
            session.step(n)
            _wait(app, lambda: session.latest.step >= target)
        fits.append(session.latest.steps_per_frame_at_60)
        session.shutdown()
    return fits[0], fits[1]


def main(report=None, quick: bool = False, seconds: float = 3.0) -> None:
    """Measure and print; with a ``benchmarks.common.Report``, add the figures to it."""
    if quick:
        seconds = 1.5
    app = _app()
    latency = event_latency(app, seconds)
    detail = live_detail(app, seconds)
    small, large = steps_per_frame_at_60()
    if report is not None:
        report.add("GUI event latency at full speed (p95)", latency["p95_ms"], "ms")
        report.add("GUI event latency at full speed (worst)", latency["worst_ms"], "ms")
        report.add("4x64 network: live detail level (median)", detail["live"], "level")
        report.add("4x64 network: paused detail level", detail["paused"], "level")
        report.add("4x64 network: frames while training", detail["fps"], "frames/s")
        report.add("steps a frame at 60 fps, 2x4 network", small, "steps", "3x128 network",
                   small / large if large else None)
        return
    print(f"GUI event latency while training at full speed ({latency['ticks']} ticks of a "
          f"{PROBE_MS} ms timer, {latency['steps']:,} steps): median {latency['median_ms']:.1f}"
          f" ms, p95 {latency['p95_ms']:.1f} ms (target < {LATENCY_P95_TARGET_MS:g}), worst "
          f"{latency['worst_ms']:.0f} ms (target < {LATENCY_WORST_TARGET_MS:g})")
    print(f"4x64 network: live detail level {detail['live']:g} (from {detail['live_min']} to "
          f"{detail['live_max']}), paused {detail['paused']}, {detail['fps']:.1f} frames/s "
          f"while training")
    print(f"steps a frame at 60 frames/s: 2x4 network {small:,}, 3x128 network {large:,} "
          f"(ratio {small / max(large, 1):.0f})")


def cli(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    main(seconds=args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
