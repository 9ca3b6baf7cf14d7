"""python -m benchmarks [--json] [--quick]: every benchmark, ratios measured side by side."""
import argparse

from benchmarks import bench_engine
from benchmarks.common import Report


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--json", action="store_true", help="one JSON record per line")
    ap.add_argument("--quick", action="store_true", help="shorter runs (noisier)")
    args = ap.parse_args(argv)
    report = Report(as_json=args.json)
    bench_engine.main(report, quick=args.quick)
    try:
        from benchmarks import bench_frame
    except ImportError:
        bench_frame = None
    if bench_frame is not None and hasattr(bench_frame, "main"):
        bench_frame.main(report)
    from benchmarks import bench_latency
    bench_latency.main(report, quick=args.quick)


if __name__ == "__main__":
    main()
