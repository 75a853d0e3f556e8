"""Benchmarks (not timed tests): `python -m benchmarks.preview_benchmark`."""
