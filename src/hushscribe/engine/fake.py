"""A scripted engine for tests: deterministic text, optional latency and failures, no model."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from ..core.formatting import TimedWord
from ..core.ports import DecodeRequest, DecodeResult


class FakeEngine:
    """Returns ``script(request)`` words spread over the request's audio, after ``latency_s``."""

    name = "fake"

    def __init__(
        self,
        script: Callable[[DecodeRequest], str] | None = None,
        latency_s: float = 0.0,
        fail: Callable[[DecodeRequest], bool] | None = None,
        max_batch: int = 0,
    ):
        self.script = script or (lambda req: "hello world.")
        self.latency_s = latency_s
        self.fail = fail
        self.calls: list[DecodeRequest] = []
        self.max_batch = max_batch  # > 1: offers transcribe_batch (see core.ports.BatchEngine)
        self.batches: list[list[int]] = []  # job ids of each transcribe_batch call
        self._lock = threading.Lock()

    def transcribe(self, request: DecodeRequest) -> DecodeResult:
        with self._lock:
            self.calls.append(request)
        if self.latency_s:
            time.sleep(self.latency_s)
        if self.fail is not None and self.fail(request):
            raise RuntimeError("scripted engine failure")
        return DecodeResult(tuple(heard_words(self.script(request), request)))

    def transcribe_batch(self, requests: Sequence[DecodeRequest]) -> list[DecodeResult]:
        """One engine call for several requests: one latency for all of them."""
        with self._lock:
            self.batches.append([r.job_id for r in requests])
            self.calls.extend(requests)
        if self.latency_s:
            time.sleep(self.latency_s)
        if self.fail is not None and any(self.fail(r) for r in requests):
            raise RuntimeError("scripted engine failure")
        return [DecodeResult(tuple(heard_words(self.script(r), r))) for r in requests]


def spread_words(text: str, duration_ms: int, start_ms: int = 0) -> list[TimedWord]:
    """The words of ``text`` evenly over ``duration_ms`` of audio from ``start_ms``."""
    tokens = text.split()
    if not tokens:
        return []
    step = max(1, duration_ms // len(tokens))
    return [TimedWord(t, start_ms + i * step, start_ms + (i + 1) * step, 0.9) for i, t in enumerate(tokens)]


def heard_words(text: str, request: DecodeRequest) -> list[TimedWord]:
    """``text`` as the words of the request's turn: spread over its audio after the left context (core.left_context),
    as a recogniser that hears the turn where it is."""
    context = min(request.context_ms, request.duration_ms)
    return spread_words(text, request.duration_ms - context, context)
