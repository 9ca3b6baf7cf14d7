"""Timing helpers shared by the benchmark scripts."""
import json
import statistics
import time


def median_time(fn, repeats=7, min_time=0.05):
    """Median seconds per call of fn(), each sample running fn enough times to last min_time."""
    fn()  # warm up (compilation, caches)
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t
        if dt >= min_time:
            break
        n *= 2
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t) / n)
    return statistics.median(samples)


class Report:
    """Collects records; prints a table or one JSON object per line."""

    def __init__(self, as_json=False):
        self.as_json = as_json
        self.records = []

    def add(self, name, value, unit, baseline=None, ratio=None):
        rec = {"name": name, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio}
        self.records.append(rec)
        if self.as_json:
            print(json.dumps(rec), flush=True)
        else:
            r = f"  ratio {ratio:8.1f}x vs {baseline}" if ratio is not None else ""
            print(f"{name:<48} {value:>14,.1f} {unit:<10}{r}", flush=True)


def interleaved_medians(fns, repeats=7, min_time=0.05):
    """{name: median seconds per call} for several contenders timed in turns: each round
    times every fn once (enough calls to last min_time), so a change in the machine's load
    falls on all of them alike rather than on whichever ran at that moment."""
    counts = {}
    for name, fn in fns.items():
        fn()  # warm up (compilation, caches)
        n = 1
        while True:
            t = time.perf_counter()
            for _ in range(n):
                fn()
            if time.perf_counter() - t >= min_time:
                break
            n *= 2
        counts[name] = n
    samples = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t = time.perf_counter()
            for _ in range(counts[name]):
                fn()
            samples[name].append((time.perf_counter() - t) / counts[name])
    return {name: statistics.median(s) for name, s in samples.items()}
