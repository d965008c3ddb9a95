"""Which of the parameters a client sent have no effect on this server, and what it does instead.

Why: every parameter the official SDK can send is accepted (protocol §3.1: never fail on them), but some
ask for features hushscribe does not have (profanity filter, LLM gateway, webhooks, ...). A client
cannot tell from the transcript whether ``filter_profanity=true`` did anything, so the session says so
once, in a ``Warning`` (protocol §5.6), listing exactly the parameters it sent that changed nothing.

A parameter counts as sent when its value differs from the default: the SDKs send only what the user
set, and a default value asks for nothing. The reasons here are the ones ``docs/protocol.md`` lists.
Parameters that AssemblyAI itself ignores for some models (``format_turns`` and the EOT threshold on
Universal-3 Pro, protocol §6.4) behave as there and are not listed: the Warning is about this server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .params import SessionParams


@dataclass(frozen=True)
class NoEffect:
    """One parameter the client set that this server accepts and ignores."""

    param: str  # the wire name
    why: str  # what the server does instead, short enough for a Warning


def _english(p: SessionParams) -> bool:
    return p.decode_model == "english"


# (wire name, "the client asked for something" predicate, what the server does instead). Order = wire order
# of the SDK's StreamingParameters, so Warning texts are stable.
_RULES: tuple[tuple[str, Callable[[SessionParams], bool], str], ...] = (
    ("filter_profanity", lambda p: p.filter_profanity, "no profanity filter: words are sent as recognised"),
    ("prompt", lambda p: p.prompt is not None, "not passed to the model"),
    ("agent_context", lambda p: p.agent_context is not None, "not passed to the model"),
    ("interruption_delay", lambda p: p.interruption_delay_ms != 500, "turns end by silence and punctuation only"),
    ("turn_left_pad_ms", lambda p: p.turn_left_pad_ms is not None, "a fixed 300 ms pre-roll is used"),
    ("language_codes", lambda p: _english(p) and any(c not in ("en", "multi") for c in p.language_codes),
     "this speech_model decodes English only"),
    ("language_code", lambda p: p.language_code is not None and p.language_code != "en",
     "deprecated: use language_codes with universal-streaming-multilingual"),
    ("language", lambda p: p.language == "multi", "deprecated: speech_model picks the model"),
    ("domain", lambda p: p.domain is not None, "no domain model: the general model decodes"),
    ("webhook_url", lambda p: p.webhook_url is not None, "no webhooks are called"),
    ("webhook_auth_header_name", lambda p: p.webhook_auth_header_name is not None, "no webhooks are called"),
    ("webhook_auth_header_value", lambda p: p.webhook_auth_header_value is not None, "no webhooks are called"),
    ("llm_gateway", lambda p: p.llm_gateway is not None, "no LLMGatewayResponse is sent"),
    ("max_speakers", lambda p: p.max_speakers is not None and not p.speaker_labels, "only used with speaker_labels"),
    ("speaker_labels_revision_interval_ms", lambda p: p.speaker_labels_revision_interval_ms != 0,
     "no SpeakerRevision is sent"),
    ("voice_focus", lambda p: p.voice_focus is not None, "no noise suppression: audio is decoded as sent"),
    ("voice_focus_threshold", lambda p: p.voice_focus_threshold is not None,
     "no noise suppression: audio is decoded as sent"),
    ("continuous_partials", lambda p: p.continuous_partials, "partials come about once a second while speech lasts"),
    ("customer_support_audio_capture", lambda p: p.customer_support_audio_capture, "no audio is captured"),
    ("mode", lambda p: p.mode is not None and p.mode != "balanced",
     "one decoding setting serves every mode (echoed in Begin only)"),
)

#: Wire names that can ever appear in the Warning (docs and tests check them against the SDK).
NO_EFFECT_PARAMS: tuple[str, ...] = tuple(name for name, _, _ in _RULES)


def no_effect(params: SessionParams) -> tuple[NoEffect, ...]:
    """The parameters ``params`` sets that change nothing here, in a stable order. (``speaker_labels``
    is never listed: a server without the speaker model refuses it with 3006 instead.)"""
    return tuple(NoEffect(name, why) for name, asked, why in _RULES if asked(params))


def warning_text(items: tuple[NoEffect, ...]) -> str:
    """The ``Warning`` text: every ignored parameter with what happens instead."""
    listed = "; ".join(f"{i.param}: {i.why}" for i in items)
    return f"Parameters with no effect on this server: {listed}"


def unknown_text(names: tuple[str, ...], limit: int = 20) -> str:
    """The ``Warning`` text for parameters this server does not know (typos, newer SDK fields)."""
    shown = ", ".join(n[:60] for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"Unknown parameters ignored: {shown}{more}"


# Clients that treat any message type they do not know as an error. Pipecat 1.14's AssemblyAISTTService
# parses only Begin / Turn / SpeechStarted / Termination and turns anything else into an ErrorFrame
# ("Unknown message type: Warning"), and by default it sends parameters that change nothing here
# (continuous_partials, formatted_finals). It names itself in its User-Agent ("integration=Pipecat/...").
_NO_UNSOLICITED_MESSAGES = ("integration=pipecat",)


def takes_warnings(user_agent: str | None) -> bool:
    """May this client be sent a ``Warning`` it did not ask for? False for the integrations known to fail on
    message types they do not parse; the server then logs what it would have said instead."""
    ua = (user_agent or "").lower()
    return not any(marker in ua for marker in _NO_UNSOLICITED_MESSAGES)
