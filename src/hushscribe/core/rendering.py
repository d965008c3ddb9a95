"""What a final turn's words look like on the wire: formatted and/or unformatted, redacted or not.

Why a separate pure step: redaction (a few ms of NER per turn) must not run on the event loop, so the
scheduler's worker thread calls :func:`final_renderings` right after the decode; the session calls
the same function inline when no worker did (offline transcription, tests). One function, one
behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .formatting import TimedWord, unformat_words_with_sources
from .ports import Redactor


@dataclass(frozen=True)
class RedactionSpec:
    policies: tuple[str, ...]
    sub: str  # "hash" | "entity_name"


@dataclass(frozen=True)
class RedactionHit:
    """What hid one word: the detection (policy, detector, score). ``key`` tells two detections with
    the same policy apart (the span's character offsets in the rendering's text); never the value."""

    policy: str
    detector: str = ""
    score: float | None = None
    key: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class Redaction:
    """One redacted run of words of one rendering of a final: the audit record's substance.

    ``word_indices`` index that rendering's ``words`` (the Turn's ``words[]``); ``start_ms``/``end_ms``
    are the first word's start and the last word's end, stream-absolute once the session shifts them.
    """

    rendering: str  # "formatted" | "unformatted"
    word_indices: tuple[int, ...]
    start_ms: int
    end_ms: int
    policy: str
    detector: str
    score: float | None


UNKNOWN_HIT = RedactionHit("unknown", "unknown", None)


def final_renderings(
    words: Sequence[TimedWord],
    *,
    formatted_only: bool,
    redaction: RedactionSpec | None,
    redactor: Redactor | None,
) -> dict[str, tuple[TimedWord, ...]]:
    """``{"formatted": words, "unformatted": words}`` (the latter unless ``formatted_only``),
    each redacted when ``redaction`` is set. See :func:`final_renderings_audited`."""
    return final_renderings_audited(words, formatted_only=formatted_only, redaction=redaction,
                                    redactor=redactor)[0]


def final_renderings_audited(
    words: Sequence[TimedWord],
    *,
    formatted_only: bool,
    redaction: RedactionSpec | None,
    redactor: Redactor | None,
) -> tuple[dict[str, tuple[TimedWord, ...]], tuple[Redaction, ...]]:
    """The renderings of :func:`final_renderings` and the :class:`Redaction` runs of each.

    Detection runs on each rendering's own text, as the client receives it; then the two are made
    consistent: a formatted word is redacted when any unformatted word made from it is, and the
    other way round (a name the detector finds only in "Greenfield Fire Machine", a number it
    finds only when spelled out). When unsure, redact. A word redacted only for consistency is
    credited to the detection that hid its counterpart.
    """
    out = {"formatted": tuple(words)}
    if formatted_only:
        if redaction is not None:
            fmt, hits = _redact(_redactor(redactor), list(words), redaction)
            out["formatted"] = tuple(fmt)
            return out, _runs("formatted", fmt, hits)
        return out, ()
    unformatted, sources = unformat_words_with_sources(words)
    if redaction is None:
        out["unformatted"] = tuple(unformatted)
        return out, ()
    r = _redactor(redactor)
    fmt, fmt_hits = _redact(r, list(words), redaction)
    raw, raw_hits = _redact(r, unformatted, redaction)
    for i, j in enumerate(sources):
        if fmt_hits[j] is not None and raw_hits[i] is None:
            raw[i] = redact_word(raw[i], _label_of(fmt[j].text), redaction.sub)
            raw_hits[i] = fmt_hits[j]
        elif raw_hits[i] is not None and fmt_hits[j] is None:
            fmt[j] = redact_word(fmt[j], _label_of(raw[i].text), redaction.sub)
            fmt_hits[j] = raw_hits[i]
    out["formatted"] = tuple(fmt)
    out["unformatted"] = tuple(raw)
    return out, _runs("unformatted", raw, raw_hits) + _runs("formatted", fmt, fmt_hits)


def _redact(r: Redactor, words: list[TimedWord],
            spec: RedactionSpec) -> tuple[list[TimedWord], list[RedactionHit | None]]:
    """Redact with the redactor's ``redact_detailed`` when it has one; a plain ``redact`` (test
    fakes) gets hits derived from which words changed, credited to an unknown detector."""
    detailed = getattr(r, "redact_detailed", None)
    if detailed is not None:
        out, hits = detailed(words, spec.policies, spec.sub)
        return list(out), list(hits)
    out = list(r.redact(words, spec.policies, spec.sub))
    return out, [UNKNOWN_HIT if a.text != b.text else None for a, b in zip(words, out, strict=False)]


def _runs(rendering: str, words: Sequence[TimedWord], hits: Sequence[RedactionHit | None]) -> tuple[Redaction, ...]:
    """Group consecutive words hidden by the same detection into one :class:`Redaction`."""
    runs: list[Redaction] = []
    group: list[int] = []

    def close() -> None:
        if group:
            h = hits[group[0]]
            assert h is not None
            runs.append(Redaction(rendering, tuple(group), int(words[group[0]].start_ms),
                                  int(words[group[-1]].end_ms), h.policy, h.detector, h.score))
            group.clear()

    for i, h in enumerate(hits):
        if h is None or (group and hits[group[-1]] != h) or (group and group[-1] != i - 1):
            close()
        if h is not None:
            group.append(i)
    close()
    return tuple(runs)


def _redactor(redactor: Redactor | None) -> Redactor:
    if redactor is None:
        raise RuntimeError("redact_pii requested but no redactor is configured")
    return redactor


_LABEL = re.compile(r"\[[A-Z_]+\]")


def _label_of(text: str) -> str:
    match = _LABEL.search(text)
    return match.group(0) if match else "[PII]"


def redact_word(word: TimedWord, label: str, sub: str) -> TimedWord:
    """Redact one whole word by the spec's rules: its core (first to last alphanumeric character)
    becomes ``label`` (``entity_name``) or one ``#`` per letter/digit (``hash``); punctuation
    around the core is kept."""
    bounds = _core_bounds(word.text)
    if bounds is None:
        return word
    a, b = bounds
    core = word.text[a:b]
    masked = label if sub == "entity_name" else "".join("#" if ch.isalnum() else ch for ch in core)
    return TimedWord(word.text[:a] + masked + word.text[b:], word.start_ms, word.end_ms, word.confidence)


# Spoken and written numbers. A partial often shows the first digits of a number before the detector
# has enough of it (and its context) to call it a phone or card number; the final will hide it.
NUMBER_WORDS = frozenset(
    """zero oh o one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million double triple""".split()
)
PARTIAL_NUMBER_LABEL = "[NUMBER_SEQUENCE]"


def _core_bounds(text: str) -> tuple[int, int] | None:
    idx = [i for i, ch in enumerate(text) if ch.isalnum()]
    return (idx[0], idx[-1] + 1) if idx else None


def _is_numeric(core: str) -> bool:
    return any(ch.isdigit() for ch in core) or core.lower() in NUMBER_WORDS


def mask_numbers(words: Sequence[TimedWord], sub: str) -> list[TimedWord]:
    """Hide every number-like word (digits or number words) of a *partial*: when unsure, redact."""
    out = []
    for w in words:
        bounds = _core_bounds(w.text)
        if bounds is None or w.text.startswith("[") or not _is_numeric(w.text[bounds[0] : bounds[1]]):
            out.append(w)
        else:
            out.append(redact_word(w, PARTIAL_NUMBER_LABEL, sub))
    return out
