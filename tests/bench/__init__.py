"""Tests of the benchmarks (``hushscribe bench``)."""
