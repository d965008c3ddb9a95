"""Interfaces between the pure session core and the adapters that do real work.

Why: the session never imports a model, a thread or a socket. It calls a :class:`VadStream`
synchronously (cheap: ~3 ms of compute per second of audio), hands :class:`DecodeRequest` values
out, and takes :class:`DecodeResult` values back -- effects out, results in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from .formatting import TimedWord


class VadStream(Protocol):
    """Per-session voice-activity state (the LSTM state of Silero, say)."""

    frame_samples: int

    def process(self, frames: np.ndarray) -> np.ndarray:
        """``frames``: float32 array (k, frame_samples) -> speech probabilities, shape (k,)."""
        ...


class VoiceDetector(Protocol):
    """Shared model; hands out one stream per session."""

    def new_stream(self) -> VadStream: ...


@dataclass(frozen=True)
class DecodeRequest:
    """Decode ``audio`` (16 kHz float32) of one session. ``priority`` 0 (finals) beats 1 (partials)."""

    job_id: int
    kind: str  # "final" (on the end-of-turn path) | "partial"
    audio: np.ndarray
    offset_ms: int  # session time of audio[0]
    keyterms: tuple[str, ...] = ()
    prompt: str | None = None  # replaces the engine's own decoder prompt (tests, benchmarks)
    # What came before the turn (previous finals, the agent's last words): the decoder reads it as
    # previous text, and words that merely echo it are dropped (core.word_filter). Never the key terms.
    context: str | None = None
    # Left audio context (core.left_context): the first ``context_ms`` of ``audio`` end the previous turn. They are
    # decoded so that the turn is heard in context; words whose middle lies before it are not this turn's and are
    # dropped (the worker does it before rendering, the session again on arrival).
    context_ms: int = 0
    # Stretches of the request's audio (ms from audio[0]) the session's VAD called speech; None: unknown.
    # Words outside them are dropped (core.word_filter).
    speech_ms: tuple[tuple[int, int], ...] | None = None
    # For decodes that may become a final: how the worker should render it (see core.rendering).
    formatted_only: bool = False
    redaction: Any = None  # core.rendering.RedactionSpec | None
    # Which model decodes it: "english", or "multilingual" (language detected per request, limited to
    # ``languages`` when that is not empty). Set from SessionParams.decode_model; engine.router routes it.
    model: str = "english"
    languages: tuple[str, ...] = ()
    # speaker_labels sessions: the worker adds the speaker embedding of final-kind decodes (speakers.encoder).
    embed_speaker: bool = False

    @property
    def priority(self) -> int:
        return 0 if self.kind == "final" else 1

    @property
    def duration_ms(self) -> int:
        return len(self.audio) * 1000 // 16000


@dataclass(frozen=True)
class DecodeResult:
    """Formatted (Whisper-style) words with times relative to the request's audio start."""

    words: tuple[TimedWord, ...]
    # Filled in by the worker thread for final-kind decodes: core.rendering.final_renderings().
    renderings: Mapping[str, tuple[TimedWord, ...]] | None = field(default=None, compare=False)
    # With the renderings: the redacted runs of each (core.rendering.Redaction), for the audit trail.
    redactions: tuple[Any, ...] = field(default=(), compare=False)
    # Multilingual decodes: the detected language (ISO 639-1) and the model's probability for it.
    language: str | None = None
    language_confidence: float | None = None
    # Speaker embedding of the turn's speech (unit length), when the request asked for one and the turn
    # had enough speech; the session clusters it into a speaker_label.
    speaker_embedding: Any = field(default=None, compare=False)

    def with_words(self, words: Sequence[TimedWord], renderings: Mapping[str, tuple[TimedWord, ...]] | None = None,
                   redactions: Sequence[Any] = ()) -> DecodeResult:
        """The same result (language and speaker embedding kept) with other words, renderings or redactions."""
        return replace(self, words=tuple(words), renderings=renderings, redactions=tuple(redactions))

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


class Engine(Protocol):
    """Speech recogniser. Must be safe to call from several worker threads."""

    name: str

    def transcribe(self, request: DecodeRequest) -> DecodeResult: ...


class BatchEngine(Engine, Protocol):
    """An engine that decodes several requests in one call more cheaply than one by one.

    The scheduler groups queued finals of different sessions into one call of at most ``max_batch``
    requests. Whisper on CPU gains nothing from batching (``shared/notes/engine-facts.md``: 8 clips
    one by one 1.84 s, batched by 4 1.84 s), so the faster-whisper engine does not offer it; a GPU
    engine would."""

    max_batch: int

    def transcribe_batch(self, requests: Sequence[DecodeRequest]) -> list[DecodeResult]: ...


class Redactor(Protocol):
    """Rewrites final turns (PII redaction); the identity when ``redact_pii`` is off."""

    def redact(self, words: Sequence[TimedWord], policies: Sequence[str], sub: str) -> list[TimedWord]: ...
