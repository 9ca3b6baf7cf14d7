"""Comparisons scale with the cores: variants in parallel processes against one after another.

    python -m benchmarks.bench_compare [--epochs N]

1. Two variants of the spiral example (seeds 1 and 2), each trained N epochs in its own worker
   process: both at once on 2 processes, and one after the other on 1, measured side by side;
   the speedup (target at least 1.7x on 2 cores).
2. The start-up cost of one worker process: from submitting a task that builds and steps a
   network (kernels loaded from numba's cache, not compiled) to its result, median of 5.
"""
import argparse
import statistics
import sys
import time

from benchmarks.common import Report

SPEEDUP_TARGET = 1.7


def _startup_task(payload, report):
    """In a fresh worker process: import the engine and train one step (kernels from the
    cache)."""
    from playground import files, presets
    from playground.headless import HeadlessRun
    run = HeadlessRun(files.Document(presets.load("default").values), resolution=2)
    run.train(1)
    return run.trainer.step_count


def _timed_comparison(epochs: int, workers: int) -> float:
    from playground import compare, presets
    doc = presets.load("spiral")
    c = compare.Comparison(doc, compare.seed_variants(doc.values, 2), epochs=epochs,
                           workers=workers)
    t = time.perf_counter()
    results = c.run()
    seconds = time.perf_counter() - t
    bad = [r for r in results if r.status != "done"]
    if bad:
        raise RuntimeError(f"a variant did not finish: {bad[0].status} {bad[0].message}")
    return seconds


def startup_seconds(repeats: int = 5) -> float:
    from playground.processes import ProcessPool
    samples = []
    for i in range(repeats):
        pool = ProcessPool(1)
        t = time.perf_counter()
        pool.submit(i, _startup_task, None)
        results = pool.run_all()
        samples.append(time.perf_counter() - t)
        if results[i][0] != "done":
            raise RuntimeError(f"the start-up task failed: {results[i][1]}")
    return statistics.median(samples)


def main(report: Report, epochs: int = 1000) -> None:
    from playground.processes import cores
    _timed_comparison(1, 2)                   # warm the file cache of every module
    parallel = min(_timed_comparison(epochs, 2) for _ in range(2))
    sequential = min(_timed_comparison(epochs, 1) for _ in range(2))
    report.add(f"compare: 2 variants x {epochs} epochs, 2 processes", parallel, "s")
    report.add(f"compare: the same, 1 process ({cores()} cores)", sequential, "s",
               baseline=f"1 process; target {SPEEDUP_TARGET}x",
               ratio=sequential / parallel)
    report.add("compare: worker process start-up (cached kernels)", startup_seconds() * 1000,
               "ms")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_compare", description=__doc__)
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    main(Report(as_json=args.json), args.epochs)
    sys.exit(0)
