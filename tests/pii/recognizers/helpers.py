"""Run one recogniser (or the whole registry) on a turn and read back (policy, text) pairs."""

from __future__ import annotations

from hushscribe.pii.recognizers import Recognizer, RecognizerRegistry, default_registry
from hushscribe.pii.spoken import normalize_spoken


def found(text: str, *recognizers: Recognizer, year: int = 2026) -> set[tuple[str, str]]:
    """(policy, covered text) of every span ``recognizers`` (default: all) find in ``text``."""
    reg = RecognizerRegistry(recognizers) if recognizers else default_registry()
    return {(s.policy, text[s.start : s.end]) for s in reg.analyze(normalize_spoken(text), year=year)}


def by_name(name: str) -> Recognizer:
    """The built-in recogniser called ``name``."""
    (rec,) = [r for r in default_registry().get_recognizers() if r.name == name]
    return rec
