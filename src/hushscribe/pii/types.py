"""The value every detector returns: a labelled character span."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Span"]


@dataclass(frozen=True, order=True)
class Span:
    """``text[start:end]`` is PII of ``policy`` (an AssemblyAI policy name).

    ``score`` is the detector's confidence (0..1), ``detector`` names the rule or model that
    found it (for debugging and the benchmark's per-detector breakdown).
    """

    start: int
    end: int
    policy: str
    score: float = 1.0
    detector: str = ""

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def length(self) -> int:
        return self.end - self.start
