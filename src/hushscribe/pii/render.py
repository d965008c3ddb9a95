"""Render redacted words from character spans (spec section 7.4), pure.

Why words and not text: a Turn carries ``transcript`` and ``words[]`` and both must agree,
word for word, with timestamps unchanged. So the detectors work on the space-joined word
texts and this module maps their character spans back onto the words.

Rules:

* A word's *core* runs from its first to its last alphanumeric character (``str.isalnum``);
  everything before/after it is leading/trailing punctuation and is always kept
  (``"Springfield,"`` -> ``"[LOCATION],"``; ``"415-555-0137."`` -> ``"###-###-####."``).
* A word is redacted when any span overlaps its core. The *whole* core is then redacted,
  even if the span covers only part of it: a half-hashed name or number still leaks,
  so we take the safe side (``"O'Brien"`` is one unit, and so is ``"john@example.com"``).
  One exception keeps English readable: a possessive ``'s`` ending the core stays outside
  when the span stops before the apostrophe (``"Smith's"`` -> ``"[PERSON_NAME]'s"``).
* ``hash``: every alphanumeric character of the core becomes ``#``; other characters
  (``-``, ``@``, ``.``, ``'``) stay, so ``john@example.com`` -> ``####@#######.###``.
* ``entity_name``: the core becomes ``[POLICY]`` (upper case), one label per word, never
  collapsed, so ``words[]`` stays aligned 1:1 with its timestamps.
* Overlapping spans: a word takes the label of the best span touching it (higher score,
  then longer span). Words with no alphanumeric character are never changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from hushscribe.core.formatting import TimedWord

from .types import Span

__all__ = ["render_words", "render_words_with_hits", "render_text", "word_offsets", "word_core"]

_SUBS = ("hash", "entity_name")


def word_core(text: str) -> tuple[int, int]:
    """(start, end) of the core of ``text``; (0, 0) when it has no alphanumeric character."""
    first = -1
    for i, c in enumerate(text):
        if c.isalnum():
            first = i
            break
    if first < 0:
        return 0, 0
    last = first
    for i in range(len(text) - 1, first - 1, -1):
        if text[i].isalnum():
            last = i
            break
    return first, last + 1


def word_offsets(words: Sequence[TimedWord]) -> list[int]:
    """Start offset of each word in ``" ".join(w.text for w in words)``."""
    offsets = []
    pos = 0
    for w in words:
        offsets.append(pos)
        pos += len(w.text) + 1
    return offsets


def _best(spans: list[Span]) -> Span:
    return max(spans, key=lambda s: (s.score, s.length, -s.start))


def _render_one(text: str, core: tuple[int, int], label: str, sub: str) -> str:
    a, b = core
    if sub == "hash":
        return text[:a] + "".join("#" if c.isalnum() else c for c in text[a:b]) + text[b:]
    return text[:a] + "[" + label.upper() + "]" + text[b:]


def render_words(words: Sequence[TimedWord], spans: Iterable[Span], sub: str = "hash") -> list[TimedWord]:
    """Redact ``words`` given spans over their space-joined text. Same length, same times."""
    return render_words_with_hits(words, spans, sub)[0]


def render_words_with_hits(words: Sequence[TimedWord], spans: Iterable[Span],
                           sub: str = "hash") -> tuple[list[TimedWord], list[Span | None]]:
    """:func:`render_words`, plus for each word the span that redacted it (None: kept). The audit
    trail needs it: which policy, detector and score hid which words (never the words)."""
    if sub not in _SUBS:
        raise ValueError(f"unknown redact_pii_sub {sub!r}; expected one of {_SUBS}")
    span_list = sorted(spans, key=lambda s: s.start)
    out = list(words)
    hits_out: list[Span | None] = [None] * len(out)
    if not span_list or not out:
        return out, hits_out
    for i, (w, off) in enumerate(zip(words, word_offsets(words), strict=True)):
        a, b = word_core(w.text)
        if a == b:
            continue
        ca, cb = off + a, off + b
        hits = [s for s in span_list if s.start < cb and ca < s.end]
        if not hits:
            continue
        core = (a, b)
        core_text = w.text[a:b]
        if len(core_text) > 2 and core_text[-2] in "'\u2019" and core_text[-1] in "sS":
            apos = ca + len(core_text) - 2
            if all(s.end <= apos for s in hits):
                core = (a, b - 2)
        best = _best(hits)
        out[i] = replace(w, text=_render_one(w.text, core, best.policy, sub))
        hits_out[i] = best
    return out, hits_out


def render_text(text: str, spans: Iterable[Span], sub: str = "hash") -> str:
    """Convenience: redact a plain string, treating each space-separated token as a word."""
    words = [TimedWord(t, 0, 0, 1.0) for t in text.split(" ")]
    return " ".join(w.text for w in render_words(words, spans, sub))
