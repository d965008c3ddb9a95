"""What every recogniser shares: tokens, phrase lists, the per-turn analysis and the contract.

Why this shape (Presidio's ``EntityRecognizer`` / ``PatternRecognizer``): each family of PII is
one recogniser object with a name, the policies it can emit and one ``analyze`` method. The
expensive per-turn work (spoken-form normalisation, tokens, context triggers) is done once in
:class:`Analysis` and handed to every recogniser, as Presidio hands ``NlpArtifacts`` around.

Recognisers that *claim* text (``claims = True``) record the ranges they labelled in
``Analysis.taken``; a later claiming recogniser skips text already claimed. Which one runs
first is not call order but the declared table :data:`hushscribe.pii.priority.CLAIM_ORDER`.
"""

from __future__ import annotations

import datetime as _dt
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from ..spoken import Normalized
from ..types import Span

__all__ = [
    "Pattern", "Tok", "tokenize", "PhraseSet", "SpanSink", "sent_of", "tok_range", "UNIT_AFTER",
    "is_formatted", "Analysis", "Recognizer", "PatternRecognizer", "free",
]


@dataclass(frozen=True)
class Pattern:
    """A named regex with a base score, as in Presidio's ``Pattern``."""

    name: str
    regex: str
    score: float


_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")


@dataclass
class Tok:
    """A word of the normalised text, with what follows it and its sentence number."""

    low: str
    text: str
    start: int
    end: int
    after: str  # characters between this token and the next one
    sent: int
    index: int

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    sent = 0
    matches = list(_TOKEN.finditer(text))
    for k, m in enumerate(matches):
        nxt = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        after = text[m.end() : nxt]
        toks.append(Tok(m.group().lower().replace("\u2019", "'"), m.group(), m.start(), m.end(), after, sent, k))
        abbrev = m.group().lower() in ("dr", "mr", "mrs", "ms", "st", "jr", "sr", "mt", "ft", "apt", "no")
        spelled = len(m.group()) == 1 and k + 1 < len(matches) and len(matches[k + 1].group()) == 1
        if re.search(r"[.?!]", after) and not ((abbrev or spelled) and after.strip() == "."):
            sent += 1
    return toks


class PhraseSet:
    """Token-sequence lookup for phrase lists (longest match at a position)."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for ph in phrases:
            words = tuple(m.group().lower() for m in _TOKEN.finditer(ph))
            if words:
                self.by_first.setdefault(words[0], []).append(words)
        for v in self.by_first.values():
            v.sort(key=len, reverse=True)

    def match(self, toks: list[Tok], i: int) -> int:
        """Length (in tokens) of the longest phrase starting at toks[i]; 0 if none."""
        cands = self.by_first.get(toks[i].low)
        if not cands:
            return 0
        for words in cands:
            n = len(words)
            if i + n <= len(toks) and all(toks[i + k].low == words[k] for k in range(n)):
                if n == 1 or all(toks[i + k].sent == toks[i].sent for k in range(n)):
                    return n
        return 0

    def find_all(self, toks: list[Tok]) -> list[tuple[int, int]]:
        """Non-overlapping (first, last+1) token ranges, leftmost-longest."""
        out: list[tuple[int, int]] = []
        i = 0
        while i < len(toks):
            n = self.match(toks, i)
            if n:
                out.append((i, i + n))
                i += n
            else:
                i += 1
        return out


class SpanSink:
    """Collects spans in normalised coordinates and maps them to the original."""

    def __init__(self, norm: Normalized):
        self.norm = norm
        self.spans: list[Span] = []

    def add(self, start: int, end: int, policy: str, score: float, detector: str) -> None:
        if end <= start:
            return
        a, b = self.norm.to_original(start, end)
        if b > a:
            self.spans.append(Span(a, b, policy, score, detector))


def sent_of(toks: list[Tok], pos: int) -> tuple[int, int]:
    """(index of the first token at/after pos, its sentence)."""
    for t in toks:
        if t.end > pos:
            return t.index, t.sent
    return len(toks), toks[-1].sent if toks else 0


def tok_range(toks: list[Tok], start: int, end: int) -> tuple[int, int]:
    """(first, last+1) token indices overlapping ``[start, end)``; (0, 0) if none."""
    first: int | None = None
    last = 0
    for t in toks:
        if t.end > start and t.start < end:
            if first is None:
                first = t.index
            last = t.index
    if first is None:
        return 0, 0
    return first, last + 1

UNIT_AFTER = re.compile(
    r"\s*(?:dollars?|bucks|cents?|percent|%|people|persons|units|items|employees|minutes?|hours?|"
    r"seconds?|days?|weeks?|months?|years?|miles?|pounds?|lbs|kg|feet|foot|inches|times|points|"
    r"calories|grams|mg|ml|degrees|o'clock|am|pm|a\.m\.|p\.m\.|meters?|metres?|kilometers?|km|yards?|"
    r"steps?|liters?|litres?|gallons?|ounces?|oz|kilos?|tablets?|pills?|doses?)\b",
    re.IGNORECASE,
)



def is_formatted(text: str) -> bool:
    """Formatted ASR text has capitals or punctuation; the unformatted final has neither."""
    return any(c.isupper() for c in text) or bool(re.search(r"[.,?!]", text))


def free(taken: Iterable[tuple[int, int]], a: int, b: int) -> bool:
    """Does ``[a, b)`` overlap none of the ``taken`` ranges?"""
    return all(b <= x or a >= y for x, y in taken)


@dataclass
class Analysis:
    """One turn, analysed once and shared by every recogniser.

    ``text``/``toks``/``out`` are the spoken-form-normalised view ("four one five" -> "415");
    ``original``/``otoks``/``oout`` the words as heard (word lists run there: "capital one"
    must not become "capital 1"). ``year`` is today's year, read when the turn is analysed
    (never frozen at import: a birth year 15+ years back depends on it).
    """

    norm: Normalized
    year: int
    toks: list[Tok]
    otoks: list[Tok]
    out: SpanSink
    oout: SpanSink
    formatted: bool
    trigs: list  # list[context.Trigger]; typed loosely to keep this module free of the trigger table
    bank_turn: bool
    taken: list[tuple[int, int]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.norm.text

    @property
    def original(self) -> str:
        return self.norm.original

    @staticmethod
    def today_year() -> int:
        return _dt.date.today().year


class Recognizer(ABC):
    """One PII family's rules. Subclasses set ``name`` and ``policies`` and implement ``analyze``.

    ``view`` says which text the recogniser reads (``normalized`` or ``original``); ``claims``
    whether its spans keep later claiming recognisers off the same characters.
    """

    name: ClassVar[str]
    policies: ClassVar[tuple[str, ...]]
    view: ClassVar[Literal["normalized", "original"]] = "normalized"
    claims: ClassVar[bool] = True

    @abstractmethod
    def analyze(self, a: Analysis) -> None:
        """Add this recogniser's spans to ``a.out`` (or ``a.oout``) and claim them in ``a.taken``."""


class PatternRecognizer(Recognizer):
    """Regex patterns for one policy plus an optional validator (Presidio's ``validate_result``).

    Patterns are tried in order; a match over already claimed text is skipped, a match the
    validator rejects is dropped, every other match is added and claimed.
    """

    def __init__(self, name: str, policy: str, patterns: list[Pattern], *, ignore_case: bool = True,
                 validate: Callable[[Analysis, Pattern, re.Match[str]], bool] | None = None) -> None:
        self.name = name  # type: ignore[misc]  # per-instance names: several pattern recognisers
        self.policies = (policy,)  # type: ignore[misc]
        self.policy = policy
        self.patterns = patterns
        self._compiled = [(p, re.compile(p.regex, re.IGNORECASE if ignore_case else 0)) for p in patterns]
        self._validate = validate

    def analyze(self, a: Analysis) -> None:
        text = a.text
        for pat, rx in self._compiled:
            for m in rx.finditer(text):
                s, e = m.span()
                if not free(a.taken, s, e):
                    continue
                if self._validate is not None and not self._validate(a, pat, m):
                    continue
                a.out.add(s, e, self.policy, pat.score, f"rule:{pat.name}")
                a.taken.append((s, e))
