"""What a final turn's words look like on the wire: formatted and/or unformatted, redacted or not.

Why a separate pure step: redaction (a few ms of NER per turn) must not run on the event loop, so the
scheduler's worker thread calls :func:`final_renderings` right after the decode; the session calls
the same function inline when no worker did (offline transcription, tests). One function, one
behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import re

from .formatting import TimedWord, unformat_words_with_sources
from .ports import Redactor


@dataclass(frozen=True)
class RedactionSpec:
    policies: tuple[str, ...]
    sub: str  # "hash" | "entity_name"


def final_renderings(
    words: Sequence[TimedWord],
    *,
    formatted_only: bool,
    redaction: RedactionSpec | None,
    redactor: Redactor | None,
) -> dict[str, tuple[TimedWord, ...]]:
    """``{"formatted": words, "unformatted": words}`` (the latter unless ``formatted_only``),
    each redacted when ``redaction`` is set.

    Detection runs on each rendering's own text, as the client receives it; then the two are made
    consistent: a formatted word is redacted when any unformatted word made from it is, and the
    other way round (a name the detector finds only in "Greenfield Fire Machine", a number it
    finds only when spelled out). When unsure, redact.
    """
    out = {"formatted": tuple(words)}
    if formatted_only:
        if redaction is not None:
            out["formatted"] = tuple(_redactor(redactor).redact(list(words), redaction.policies, redaction.sub))
        return out
    unformatted, sources = unformat_words_with_sources(words)
    if redaction is None:
        out["unformatted"] = tuple(unformatted)
        return out
    r = _redactor(redactor)
    fmt = list(r.redact(list(words), redaction.policies, redaction.sub))
    raw = list(r.redact(unformatted, redaction.policies, redaction.sub))
    fmt_hit = [a.text != b.text for a, b in zip(words, fmt)]
    raw_hit = [a.text != b.text for a, b in zip(unformatted, raw)]
    for i, j in enumerate(sources):
        if fmt_hit[j] and not raw_hit[i]:
            raw[i] = redact_word(raw[i], _label_of(fmt[j].text), redaction.sub)
        elif raw_hit[i] and not fmt_hit[j]:
            fmt[j] = redact_word(fmt[j], _label_of(raw[i].text), redaction.sub)
            fmt_hit[j] = True
    out["formatted"] = tuple(fmt)
    out["unformatted"] = tuple(raw)
    return out


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
