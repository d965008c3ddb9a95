"""PII detection for one turn, and the :class:`~hushscribe.core.ports.Redactor` adapter.

Why one shared detector: loading spaCy costs ~1 s and ~100 MB; a server with many sessions
must load it once. :func:`get_detector` builds the instance lazily under a lock, so the first
caller pays and every other caller (any thread) reuses it. ``detect`` itself is safe to call
concurrently: the rule pass is pure, and the Presidio adapter serialises its spaCy call.

Pipeline of :meth:`PiiDetector.detect`:

1. :func:`.spoken.normalize_spoken` turns spoken numbers, e-mails and URLs into written form
   (identity for already formatted text) with an offset map back to the original;
2. :func:`.recognizers.find_rule_spans` runs the recogniser registry (one recogniser per PII
   family, see :mod:`.recognizers`) on the normalised text;
3. the Presidio adapter runs spaCy NER and Presidio's recognisers on the original text;
4. spans under the score threshold go; overlaps are resolved (see :func:`resolve_overlaps`);
5. :func:`.policies.filter_spans` keeps what the client asked for, under the requested names.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence

from hushscribe.core.formatting import TimedWord
from hushscribe.core.rendering import RedactionHit

from .policies import effective_policies, filter_spans, same_family
from .priority import CONTEXT_BONUS, DEFAULT_POLICY_PRIORITY, NER_PENALTY, POLICY_PRIORITY
from .recognizers import find_rule_spans
from .render import render_words_with_hits
from .spoken import normalize_spoken
from .types import Span

log = logging.getLogger(__name__)

__all__ = ["Span", "PiiDetector", "PiiRedactor", "get_detector", "warm_up", "resolve_overlaps"]

SCORE_THRESHOLD = 0.5


def _priority(s: Span) -> int:
    """The span's rank in :data:`.priority.POLICY_PRIORITY`, adjusted for who found it."""
    p = POLICY_PRIORITY.get(s.policy, DEFAULT_POLICY_PRIORITY)
    if s.detector.startswith("presidio:SpacyRecognizer") or s.detector.startswith("spacy:"):
        p -= NER_PENALTY
    elif s.detector.startswith("rule:id:") and not s.detector.startswith("rule:id:shape"):
        p += CONTEXT_BONUS
    return p


def resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Non-overlapping spans: best first; a compatible overlap merges, a conflicting one loses.

    "Best" is (priority, length, score). Compatible means same policy family (see
    :func:`.policies.same_family`): "Springfield" (city) inside an address merges into the
    address; a spaCy PERSON "kevin" inside an e-mail address loses to the e-mail.
    """
    order = sorted(spans, key=lambda s: (-_priority(s), -s.length, -s.score, s.start))
    kept: list[Span] = []
    for s in order:
        hits = [i for i, k in enumerate(kept) if s.overlaps(k)]
        if any(not same_family(s.policy, kept[i].policy) for i in hits):
            continue
        if not hits:
            kept.append(s)
            continue
        i = hits[0]
        k = kept[i]
        kept[i] = Span(min(k.start, s.start), max(k.end, s.end), k.policy, max(k.score, s.score), k.detector)
    kept.sort(key=lambda s: s.start)
    return kept


# Up to three capitalised words (with commas) between two parts of one address: the city the ASR
# split or that no list knows ("420 Maple Street, Spring Field, Illinois").
_ADDRESS_GAP = re.compile(r"[\s,]*(?:[A-Z][\w'.-]*[\s,]+){1,3}")


def bridge_location_gaps(text: str, spans: list[Span]) -> list[Span]:
    """Merge two location spans separated only by a few capitalised words: those words are part of
    the same address (typically the city between the street and the state)."""
    out: list[Span] = []
    for s in spans:
        prev = out[-1] if out else None
        if (
            prev is not None
            and same_family(prev.policy, "location")
            and same_family(s.policy, "location")
            and _ADDRESS_GAP.fullmatch(text[prev.end : s.start])
        ):
            out[-1] = Span(prev.start, s.end, prev.policy, max(prev.score, s.score), prev.detector)
        else:
            out.append(s)
    return out


class PiiDetector:
    """Finds PII spans in one turn of text. Build once (heavy); call from any thread."""

    def __init__(self, *, use_presidio: bool = True, score_threshold: float = SCORE_THRESHOLD) -> None:
        self.score_threshold = score_threshold
        self._engine = None
        if use_presidio:
            try:
                from .presidio_engine import PresidioEngine  # noqa: PLC0415 - heavy optional: presidio + spaCy

                self._engine = PresidioEngine()
            except ImportError as exc:  # pragma: no cover - deployment without presidio
                log.warning("presidio/spaCy unavailable (%s); PII detection uses rules only", exc)

    @property
    def uses_presidio(self) -> bool:
        return self._engine is not None

    def detect_all(self, text: str, policies: Iterable[str] | None = None) -> list[Span]:
        """All resolved detections before policy filtering (for debugging and the benchmark)."""
        if not text or not text.strip():
            return []
        wanted = effective_policies(policies)
        norm = normalize_spoken(text)
        spans = find_rule_spans(norm)
        if self._engine is not None:
            spans.extend(self._engine.analyze(text, wanted))
        spans = [s for s in spans if s.score >= self.score_threshold and s.end > s.start]
        return bridge_location_gaps(text, resolve_overlaps(spans))

    def detect(self, text: str, policies: Iterable[str] | None = None) -> list[Span]:
        """PII spans over ``text`` for the requested policies (None or all 65 = default set)."""
        wanted = effective_policies(policies)
        return filter_spans(self.detect_all(text, wanted), wanted)

    def warm_up(self) -> None:
        """Run one detection so the first real turn does not pay for lazy initialisation."""
        if self._engine is not None:
            self._engine.warm_up()
        self.detect("My name is John Smith, call me at 415-555-0137 or four one five.")


_shared: PiiDetector | None = None
_shared_lock = threading.Lock()


def get_detector() -> PiiDetector:
    """The process-wide detector, created on first use."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = PiiDetector()
    return _shared


def warm_up() -> None:
    """Load and exercise the shared detector (call at server start-up)."""
    get_detector().warm_up()


class PiiRedactor:
    """Implements ``ports.Redactor``: detect on the space-joined words, then render (spec 7.4)."""

    def __init__(self, detector: PiiDetector | None = None) -> None:
        self._detector = detector

    @property
    def detector(self) -> PiiDetector:
        if self._detector is None:
            self._detector = get_detector()
        return self._detector

    def redact(self, words: Sequence[TimedWord], policies: Sequence[str], sub: str) -> list[TimedWord]:
        return self.redact_detailed(words, policies, sub)[0]

    def redact_detailed(self, words: Sequence[TimedWord], policies: Sequence[str],
                        sub: str) -> tuple[list[TimedWord], list[RedactionHit | None]]:
        """``redact``, plus which detection hid each word (for the audit trail; no values)."""
        if not words:
            return [], []
        text = " ".join(w.text for w in words)
        spans = self.detector.detect(text, policies)
        out, hits = render_words_with_hits(words, spans, sub)
        return out, [None if s is None else RedactionHit(s.policy, s.detector, round(float(s.score), 4),
                                                         (s.start, s.end)) for s in hits]
