"""Shared fixtures for the PII tests: one detector per test session (spaCy loads once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushscribe.core.formatting import TimedWord
from hushscribe.pii.bench import default_paths
from hushscribe.pii.detector import get_detector

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def detector():
    det = get_detector()
    det.warm_up()
    return det


@pytest.fixture(scope="session")
def dev_paths() -> list[Path]:
    paths = default_paths()
    if not paths:
        pytest.skip("shared/pii/eval.jsonl and shared/audio/pii.jsonl not found")
    return paths


def words_of(text: str) -> list[TimedWord]:
    """Words as the engine delivers them: one per space-separated token, 100 ms each."""
    return [TimedWord(t, i * 100, i * 100 + 90, 0.9) for i, t in enumerate(text.split(" "))]


def joined(words) -> str:
    return " ".join(w.text for w in words)
