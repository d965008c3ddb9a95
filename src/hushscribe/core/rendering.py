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
