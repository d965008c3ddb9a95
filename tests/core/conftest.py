"""Shared helpers for the core tests: synthetic audio, a scripted VAD, a fake clock and a driver
that plays the engine for a :class:`SessionProtocol`.

Frame arithmetic used throughout: one VAD frame is 512 samples = 32 ms = 1024 bytes of 16 kHz
pcm_s16le. The scripted VAD gives the probability of frame *i* from a list, independent of the
audio content, so tests can put any audio (zeros, an index ramp) under any speech pattern.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from hushscribe.core.audio import MULAW_TO_PCM16
from hushscribe.core.params import parse_session_params
from hushscribe.core.ports import DecodeRequest, DecodeResult
from hushscribe.core.session import SessionProtocol, SessionSettings
from hushscribe.engine.fake import heard_words

RATE = 16000
FRAME = 512  # samples
FRAME_BYTES = FRAME * 2
SPEECH_P = 0.98
SILENCE_P = 0.01

# Sine at -10 dBFS RMS (the energy VAD's threshold is -45 dBFS).
SPEECH_AMPLITUDE = 10 ** (-10 / 20) * np.sqrt(2)


# ---------------------------------------------------------------------------------------------
# VAD / clock
# ---------------------------------------------------------------------------------------------


class ScriptedVad:
    """VadStream whose frame *i* gets ``probs[i]`` (``default`` past the end)."""

    frame_samples = FRAME

    def __init__(self, probs: Sequence[float], default: float = SILENCE_P):
        self.probs = list(probs)
        self.default = default
        self.frames_seen = 0

    def process(self, frames: np.ndarray) -> np.ndarray:
        frames = np.asarray(frames).reshape(-1, self.frame_samples)
        out = []
        for _ in range(len(frames)):
            i = self.frames_seen
            out.append(self.probs[i] if i < len(self.probs) else self.default)
            self.frames_seen += 1
        return np.asarray(out, dtype=np.float32)


def pattern(*parts: tuple[str, int]) -> list[float]:
    """``pattern(("s", 10), ("v", 30))`` -> 10 silent frames then 30 speech frames."""
    out: list[float] = []
    for kind, n in parts:
        out += [SPEECH_P if kind == "v" else SILENCE_P] * n
    return out


class FakeClock:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


# ---------------------------------------------------------------------------------------------
# Audio
# ---------------------------------------------------------------------------------------------


def s16le(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 32767 / 32768) * 32768).round().astype("<i2").tobytes()


def ramp_bytes(n_samples: int, start: int = 0) -> bytes:
    """pcm_s16le whose sample k (absolute index start+k) is ``index_value(start+k)``."""
    idx = np.arange(start, start + n_samples)
    return index_value(idx).astype("<i2").tobytes()


def index_value(idx) -> np.ndarray:
    return (np.asarray(idx) % 30000) - 15000


def zeros_bytes(n_frames: int) -> bytes:
    return bytes(n_frames * FRAME_BYTES)


def sine(ms: int, rate: int = RATE, freq: float = 300.0) -> np.ndarray:
    t = np.arange(rate * ms // 1000) / rate
    return (SPEECH_AMPLITUDE * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(ms: int, rate: int = RATE) -> np.ndarray:
    return np.zeros(rate * ms // 1000, dtype=np.float32)


def mulaw_encode(samples: np.ndarray) -> bytes:
    """Nearest-code G.711 mu-law encoding via the decoder's table (test helper)."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int32)
    table = MULAW_TO_PCM16.astype(np.int32)
    order = np.argsort(table, kind="stable")
    sorted_vals = table[order]
    pos = np.clip(np.searchsorted(sorted_vals, pcm), 1, 255)
    left, right = sorted_vals[pos - 1], sorted_vals[pos]
    pick = np.where(np.abs(pcm - left) <= np.abs(right - pcm), pos - 1, pos)
    return order[pick].astype(np.uint8).tobytes()


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


# ---------------------------------------------------------------------------------------------
# Session + scripted engine
# ---------------------------------------------------------------------------------------------


def params(**kw):
    return parse_session_params([(k, str(v)) for k, v in kw.items()])


def make_session(
    probs: Sequence[float] | None = None,
    *,
    vad=None,
    # Left audio context off: these tests pin the geometry of decode requests; tests/core/test_left_context.py
    # covers it on.
    settings: SessionSettings = SessionSettings(vad_hangover_ms=0, left_context_ms=0),
    clock: FakeClock | None = None,
    redactor=None,
    **param_kw,
) -> SessionProtocol:
    if vad is None:
        vad = ScriptedVad(probs or [])
    return SessionProtocol(
        "sess-1",
        params(**param_kw),
        vad,
        clock=clock or FakeClock(),
        settings=settings,
        redactor=redactor,
    )


SENTENCE = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november".split()


def growing_script(ms_per_word: int = 250, final_text: str | None = None) -> Callable[[DecodeRequest], str]:
    """Deterministic engine: one word of SENTENCE per ``ms_per_word`` of request audio."""

    def script(req: DecodeRequest) -> str:
        n = max(1, min(len(SENTENCE), req.duration_ms // ms_per_word))
        text = " ".join(SENTENCE[:n])
        return text.capitalize() + "."

    return script


class Driver:
    """Feeds a session and plays the engine.

    ``auto=True``: every decode request is answered (FIFO) right after each input, with
    ``heard_words(script(request), request)`` (the words over the turn's own audio). ``auto=False``: requests stay in
    ``pending`` until :meth:`answer` is called.
    """

    def __init__(self, session: SessionProtocol, script=None, auto: bool = True):
        self.s = session
        self.script = script or (lambda req: "Hello world.")
        self.auto = auto
        self.messages: list[dict] = []
        self.msg_bytes: list[int] = []  # audio bytes fed when each message appeared
        self.requests: list[DecodeRequest] = []
        self.pending: dict[int, DecodeRequest] = {}
        self.bytes_fed = 0

    # -- plumbing
    def _collect(self) -> None:
        for r in self.s.requests_to_run():
            self.requests.append(r)
            self.pending[r.job_id] = r
        new = self.s.messages_to_send()
        self.messages.extend(new)
        self.msg_bytes.extend([self.bytes_fed] * len(new))

    def settle(self) -> None:
        self._collect()
        while self.auto and self.pending:
            self.answer(next(iter(self.pending)))

    def result_for(self, req: DecodeRequest, text: str | None = None) -> DecodeResult:
        text = self.script(req) if text is None else text
        return DecodeResult(tuple(heard_words(text, req)))

    def answer(self, job_id: int, text: str | None = None, *, fail: bool = False, none: bool = False) -> None:
        req = self.pending.pop(job_id)
        if fail:
            self.s.receive_result(job_id, None, "RuntimeError")
        elif none:
            self.s.receive_result(job_id, None)
        else:
            self.s.receive_result(job_id, self.result_for(req, text))
        self._collect()

    def answer_all(self) -> None:
        while self.pending:
            self.answer(next(iter(self.pending)))

    # -- inputs
    def audio(self, data: bytes, chunk: int | None = None) -> Driver:
        for c in chunks(data, chunk) if chunk else [data]:
            self.s.receive_audio(c)
            self.bytes_fed += len(c)
            self.settle()
        return self

    def frames(self, n: int, per_chunk: int = 2) -> Driver:
        """Feed ``n`` zero frames, ``per_chunk`` frames per message (64 ms by default)."""
        return self.audio(zeros_bytes(n), per_chunk * FRAME_BYTES)

    def text(self, t: str) -> Driver:
        self.s.receive_text(t)
        self.settle()
        return self

    # -- views
    def turns(self) -> list[dict]:
        return [m for m in self.messages if m["type"] == "Turn"]

    def finals(self) -> list[dict]:
        return [m for m in self.turns() if m["end_of_turn"]]

    def partials(self) -> list[dict]:
        return [m for m in self.turns() if not m["end_of_turn"]]

    def types(self) -> list[str]:
        return [m["type"] for m in self.messages]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
