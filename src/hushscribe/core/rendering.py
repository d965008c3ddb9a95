"""What a final turn's words look like on the wire: formatted and/or unformatted, redacted or not.

Why a separate pure step: redaction (a few ms of NER per turn) must not run on the event loop, so the
scheduler's worker thread calls :func:`final_renderings` right after the decode; the session calls
the same function inline when no worker did (offline transcription, tests). One function, one
behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .formatting import TimedWord, unformat_words
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
    each redacted when ``redaction`` is set. Detection runs on each rendering's own text, as the
    client receives it."""
    out = {"formatted": tuple(words)}
    if not formatted_only:
        out["unformatted"] = tuple(unformat_words(words))
    if redaction is not None:
        if redactor is None:
            raise RuntimeError("redact_pii requested but no redactor is configured")
        out = {k: tuple(redactor.redact(list(v), redaction.policies, redaction.sub)) for k, v in out.items()}
    return out


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
            continue
        a, b = bounds
        core = w.text[a:b]
        masked = PARTIAL_NUMBER_LABEL if sub == "entity_name" else "".join("#" if ch.isalnum() else ch for ch in core)
        out.append(TimedWord(w.text[:a] + masked + w.text[b:], w.start_ms, w.end_ms, w.confidence))
    return out

