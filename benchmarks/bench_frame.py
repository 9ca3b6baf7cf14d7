"""Frame cost of one full view update, and training throughput while the window renders.

    python -m benchmarks.bench_frame [--frames N] [--seconds S] [--against TREE... [--rounds R]]

Offscreen, on the default experiment at 1280x720: (1) the time to hand one snapshot to every view
and paint the whole window (256x256 boundary, every neuron map, the links, the curves with one new
history row): median, 90th percentile and mean (the mean includes the frames that also redraw the
links, which are redrawn at most 20 times a second and only when a drawn link changed);
(2) training steps per second of the engine alone (``trainer.run`` in a loop, no window) and of the
window while it trains at full speed and renders, and their ratio.

``--against TREE...`` measures the frame cost of this checkout and of others (say, an export of
the previous commit) side by side: R rounds, each running every tree in a fresh process one after
the other, so that all see the same machine load; it prints each tree's median of medians.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

FULL_SPEED = 10_000      # steps per frame: the worker always has work
TARGET_MS = 8.0


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
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
    files = getattr(window, "file_actions", None)
    if files is not None:                  # closing must not wait for a "save changes?" answer
        files.ask_unsaved = lambda name: "discard"
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


def _next_row(history) -> dict:
    """One more history row after the last (the curves then have new data to draw)."""
    import numpy as np

    from playground.history import COLUMNS
    row = {name: np.array([history.last(name)]) for name in COLUMNS}
    row["step"] = row["step"] + 1
    return row


def frame_cost(app, frames: int) -> list[float]:
    """Seconds per full view update: every view takes a snapshot, the window paints."""
    window = _window(app)
    session = window.session
    snapshots = []
    for _ in range(2):
        step = (session.latest.step if session.latest else 0) + 200
        session.step(200)
        _wait(app, lambda target=step: session.latest.step >= target)
        snapshots.append(session.latest)
    for _ in range(5):
        app.processEvents()
    times = []
    for i in range(frames):
        snapshot = snapshots[i % 2]
        start = time.perf_counter()
        session.history.extend(_next_row(session.history))
        session.snapshot_ready.emit(snapshot)      # every view takes the snapshot
        window.curves_panel.refresh()              # curves too (they redraw at 10 Hz)
        app.processEvents()                        # the window paints what changed
        times.append(time.perf_counter() - start)
    window.close()
    return times


def engine_alone(seconds: float, values: dict | None = None) -> float:
    """Steps per second of the experiment's trainer (the default one without ``values``), run
    in chunks, nothing else."""
    from playground import pipeline
    from playground.experiment import Experiment
    from playground.session import make_trainer
    from playground.worker import Job
    values = Experiment(values).values()
    data = pipeline.prepare(values)
    spec = pipeline.network_spec(values, len(data.features), 1)
    trainer = make_trainer(Job(0, data, spec, pipeline.train_config(values), values["seed"]))
    trainer.run(100)
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        steps += trainer.run(FULL_SPEED).steps_done
    return steps / (time.perf_counter() - start)


def while_rendering(app, seconds: float, steps_per_frame: int | None = FULL_SPEED
                    ) -> tuple[float, int]:
    """Steps per second, and frames drawn per second, while the window trains at
    ``steps_per_frame`` (None: the experiment's default speed)."""
    window = _window(app, None if steps_per_frame is None else
                     {"steps_per_frame": steps_per_frame})
    session = window.session
    frames = []
    session.snapshot_ready.connect(lambda s: frames.append(s.step))
    session.play()
    _wait(app, lambda: len(frames) >= 2)
    first, count, start = frames[-1], len(frames), time.perf_counter()
    while time.perf_counter() - start < seconds:
        app.processEvents()
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    rate = (frames[-1] - first) / elapsed
    session.pause()
    window.close()
    return rate, round((len(frames) - count) / elapsed)


def networks() -> dict:
    """The networks whose frame rate issue 9 sets targets for: (values, frames/s target)."""
    from playground.fields import Layer
    return {"default": (None, None),
            "4x64 tanh": ({"layers": (Layer(64, "tanh"),) * 4}, 30),
            "8x128 tanh": ({"layers": (Layer(128, "tanh"),) * 8}, 15)}


def frames_by_network(app, seconds: float) -> dict:
    """Per network of ``networks()``: frames drawn per second at the default speed, the
    detail levels of those frames, the views' drawing time per frame (the session rests as long
    after each, so it bounds the frame rate) and the engine-alone steps/s."""
    out = {}
    for name, (values, target) in networks().items():
        window = _window(app, values)
        session = window.session
        frames, drawn = [], []
        session.snapshot_ready.connect(lambda s: (frames.append(s.detail),
                                                  drawn.append(session.frame_seconds)))
        session.play()
        _wait(app, lambda: len(frames) >= 3)
        count, start = len(frames), time.perf_counter()
        while time.perf_counter() - start < seconds:
            app.processEvents()
            time.sleep(0.001)
        fps = (len(frames) - count) / (time.perf_counter() - start)
        session.pause()
        window.close()
        live = frames[count:] or frames[-1:]
        out[name] = {"fps": fps, "target": target, "detail": statistics.median(live),
                     "draw_ms": 1000 * statistics.median(drawn[count:] or drawn[-1:]),
                     "alone": engine_alone(min(seconds, 2.0), values)}
    return out


def print_frames_by_network(rows: dict) -> None:
    for name, row in rows.items():
        target = f" (target >= {row['target']})" if row["target"] else ""
        print(f"{name:>10}: {row['fps']:5.1f} frames/s at the default speed{target}, live "
              f"detail {row['detail']:g}, views draw {row['draw_ms']:4.1f} ms; engine alone "
              f"{row['alone']:10,.0f} steps/s")


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median_ms": statistics.median(times) * 1000,
            "p90_ms": ordered[int(0.9 * (len(ordered) - 1))] * 1000,
            "mean_ms": statistics.mean(times) * 1000}


def against(trees: list[str], frames: int, rounds: int) -> dict:
    """Median of per-round frame-cost medians of this checkout and of each of ``trees``, run
    one after the other in every round."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results = {here: []}
    results.update((os.path.abspath(tree), []) for tree in trees)
    for _ in range(rounds):
        for root, runs in results.items():
            env = dict(os.environ, PYTHONPATH=root, QT_QPA_PLATFORM="offscreen")
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--frame-only",
                                  "--frames", str(frames)], cwd=root, env=env, check=True,
                                 capture_output=True, text=True).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
    return {root: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for root, runs in results.items()}


def main(report=None, quick: bool = False, frames: int = 60, seconds: float = 4.0) -> None:
    """Measure and print; with a ``benchmarks.common.Report``, add the figures to it."""
    if quick:
        frames, seconds = 30, 2.0
    app = _app()
    cost = summary(frame_cost(app, frames))
    alone = engine_alone(seconds)
    rendering, fps = while_rendering(app, seconds)
    _, default_fps = while_rendering(app, seconds, None)
    if report is not None:
        report.add("frames drawn per second, default speed", default_fps, "frames/s")
        report.add("frames drawn per second, full speed", fps, "frames/s")
        report.add("frame cost, full view update (median)", cost["median_ms"], "ms")
        report.add("frame cost, full view update (mean)", cost["mean_ms"], "ms")
        report.add("training while rendering", rendering, "steps/s", "engine alone",
                   rendering / alone if alone else None)
        return
    print(f"frame cost (full view update, 1280x720 offscreen): median {cost['median_ms']:.2f} "
          f"ms, p90 {cost['p90_ms']:.2f} ms, mean {cost['mean_ms']:.2f} ms, "
          f"target <= {TARGET_MS:g} ms")
    print(f"training throughput alone:           {alone:12,.0f} steps/s")
    print(f"training throughput while rendering: {rendering:12,.0f} steps/s ({fps} frames/s)")
    print(f"ratio rendering / alone:             {rendering / alone:12.2f}   target >= 0.50")
    print(f"frames drawn per second at the default speed: {default_fps}")


def cli(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--against", metavar="TREE", nargs="+",
                        help="other checkouts to measure the frame cost of, side by side")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--networks", action="store_true",
                        help="only the frames a second of the default, 4x64 and 8x128 networks")
    parser.add_argument("--frame-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.networks:
        print_frames_by_network(frames_by_network(_app(), args.seconds))
        return 0
    if args.frame_only:                    # one side of --against: one JSON line
        print(json.dumps(summary(frame_cost(_app(), args.frames))))
        return 0
    if args.against:
        for root, cost in against(args.against, args.frames, args.rounds).items():
            print(f"{root}: frame cost median {cost['median_ms']:.2f} ms, p90 "
                  f"{cost['p90_ms']:.2f} ms, mean {cost['mean_ms']:.2f} ms "
                  f"(median of {args.rounds} runs of {args.frames} frames)")
        return 0
    main(frames=args.frames, seconds=args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
