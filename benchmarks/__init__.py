"""Benchmarks: run from the repository root, e.g. `python -m benchmarks.throughput` (see benchmarks/README.md)."""
