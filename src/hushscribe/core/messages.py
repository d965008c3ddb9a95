"""The v3 wire messages: the only place that knows AssemblyAI's field names.

Why: the official SDKs validate every server message with strict models (protocol §5.0) -- an integer
field sent as ``1.5`` silently kills the Python SDK's read thread. Building every outgoing message
here, from typed values, keeps those rules in one tested module. Client text frames are parsed here
too, into small frozen dataclasses, with the exact 3006 texts of protocol §4.6.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .formatting import TimedWord

# Close codes (protocol §8.1).
CLOSE_NORMAL = 1000
CLOSE_UNAUTHORIZED = 1008
CLOSE_SERVER_ERROR = 3005
CLOSE_INVALID_INPUT = 3006
CLOSE_AUDIO_DURATION = 3007
CLOSE_SESSION_EXPIRED = 3008
CLOSE_TOO_MANY_SESSIONS = 3009

NORMAL_CLOSE_REASON = "Session Ended"
LONG_REASON = "See Error message for details"
MAX_CLOSE_REASON_BYTES = 123


def close_reason(text: str) -> str:
    """The full error text when it fits a close frame (123 bytes), else production's literal."""
    return text if len(text.encode("utf-8")) <= MAX_CLOSE_REASON_BYTES else LONG_REASON


def to_json(message: Mapping[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------
# Server -> client
# ---------------------------------------------------------------------------------------------


def begin(session_id: str, expires_at_unix_s: int, configuration: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "Begin",
        "id": session_id,
        "expires_at": int(expires_at_unix_s),
        "configuration": dict(configuration),
    }


def speech_started(timestamp_ms: int, confidence: float) -> dict[str, Any]:
    return {"type": "SpeechStarted", "timestamp": int(timestamp_ms), "confidence": round(float(confidence), 6)}


def word(w: TimedWord, *, is_final: bool) -> dict[str, Any]:
    start = int(w.start_ms)
    return {
        "start": start,
        "end": max(start, int(w.end_ms)),
        "text": w.text,
        "confidence": round(float(w.confidence), 6),
        "word_is_final": bool(is_final),
    }


@dataclass(frozen=True)
class TurnMessage:
    """One ``Turn`` message, before JSON. Kept as a value so redaction can rewrite texts."""

    turn_order: int
    end_of_turn: bool
    turn_is_formatted: bool
    words: tuple[TimedWord, ...]
    final_word_count: int  # the first N words carry word_is_final=true
    end_of_turn_confidence: float
    transcript: str
    utterance: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        msg = {
            "type": "Turn",
            "turn_order": int(self.turn_order),
            "turn_is_formatted": bool(self.turn_is_formatted),
            "end_of_turn": bool(self.end_of_turn),
            "transcript": self.transcript,
            "end_of_turn_confidence": round(float(self.end_of_turn_confidence), 6),
            "words": [word(w, is_final=i < self.final_word_count) for i, w in enumerate(self.words)],
            "utterance": self.utterance,
        }
        msg.update(self.extra)
        return msg


def termination(audio_duration_s: float, session_duration_s: float) -> dict[str, Any]:
    return {
        "type": "Termination",
        "audio_duration_seconds": int(round(audio_duration_s)),
        "session_duration_seconds": int(round(session_duration_s)),
    }


def error(code: int, text: str) -> dict[str, Any]:
    return {"type": "Error", "error_code": int(code), "error": text}


# hushscribe's own Warning codes (protocol §5.6 REC: a private range; production's codes are unknown).
WARNING_REDACTED_AUDIO_DROPPED = 9101
WARNING_NO_EFFECT = 9102  # parameters the client set that this server accepts and ignores
WARNING_UNKNOWN_PARAMS = 9103  # query parameters this server does not know (typos, newer SDK fields)


def warning(code: int, text: str) -> dict[str, Any]:
    return {"type": "Warning", "warning_code": int(code), "warning": text}


def heartbeat(audio_received_ms: int, duration_ms: int, max_speech_probability: float) -> dict[str, Any]:
    """``Heartbeat`` (protocol §5.7): integer ms, as the SDK's HeartbeatEvent requires. ``realtime_factor`` is
    audio received per wall-clock time (may exceed 1 when a client sends faster than real time)."""
    audio_ms, wall_ms = int(audio_received_ms), int(duration_ms)
    return {
        "type": "Heartbeat",
        "total_audio_received_ms": audio_ms,
        "total_duration_ms": wall_ms,
        "realtime_factor": round(audio_ms / wall_ms, 4) if wall_ms > 0 else 0.0,
        "max_speech_probability": round(min(1.0, max(0.0, float(max_speech_probability))), 4),
    }


def silence(start_ms: int, end_ms: int) -> dict[str, Any]:
    """``Silence`` (protocol §5.7): a stretch of stream audio, in word-timestamp ms, with no turn in it."""
    start = int(start_ms)
    return {"type": "Silence", "start_ms": start, "end_ms": max(start, int(end_ms))}


# ---------------------------------------------------------------------------------------------
# Client -> server
# ---------------------------------------------------------------------------------------------


class ProtocolViolation(Exception):
    """A client frame the protocol does not allow: becomes ``Error`` + close with ``code``."""

    def __init__(self, code: int, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass(frozen=True)
class Terminate:
    pass


@dataclass(frozen=True)
class ForceEndpoint:
    pass


@dataclass(frozen=True)
class KeepAlive:
    pass


@dataclass(frozen=True)
class UpdateConfiguration:
    fields: Mapping[str, Any]


ClientMessage = Terminate | ForceEndpoint | KeepAlive | UpdateConfiguration

_SIMPLE: dict[str, ClientMessage] = {"Terminate": Terminate(), "ForceEndpoint": ForceEndpoint(), "KeepAlive": KeepAlive()}
_MAX_ECHO = 200  # keep error texts (and logs) bounded when a client sends megabytes of junk


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "..."


def parse_client_text(text: str) -> ClientMessage:
    """Parse one client text frame or raise :class:`ProtocolViolation` (3006, protocol §4.6)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolViolation(
            CLOSE_INVALID_INPUT, f"User Input Validation Error: Invalid JSON: {_clip(str(exc))}"
        ) from None
    if not isinstance(data, dict):
        raise ProtocolViolation(CLOSE_INVALID_INPUT, f"Invalid Message: {_clip(text)}")
    kind = data.get("type")
    if isinstance(kind, str) and kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind == "UpdateConfiguration":
        return UpdateConfiguration({k: v for k, v in data.items() if k != "type"})
    shown = kind if isinstance(kind, str) else json.dumps(kind)
    raise ProtocolViolation(CLOSE_INVALID_INPUT, f"Invalid Message Type: {_clip(shown)}")


def words_text(words: Sequence[TimedWord]) -> str:
    return " ".join(w.text for w in words)
