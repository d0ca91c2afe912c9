"""Benchmarks for massagecodes (run as modules, e.g. ``python -m benchmarks.bench_rules``); not part of the test suite."""
