"""Benchmarks: ``python -m benchmarks [--json] [--quick]``. Ratios are measured side by side in
one run, against a plain numpy implementation and, when installed, PyTorch CPU."""
