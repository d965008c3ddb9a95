"""Benchmarks and evaluation: corpora, scoring and the streaming load generator."""
