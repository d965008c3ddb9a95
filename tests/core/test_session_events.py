"""Messages a session sends besides turns: the Warning about parameters with no effect, Heartbeat,
Silence (protocol §5.6, §5.7), and ``language_code`` on English finals. Every message is validated with
the official Python SDK's own models, as a client would parse it."""

from __future__ import annotations

import typing

import pytest
from assemblyai.streaming.v3 import models as sdk

from hushscribe.core import messages as m
from hushscribe.core.no_effect import NO_EFFECT_PARAMS, no_effect, takes_warnings
from hushscribe.core.params import KNOWN_PARAMS
from hushscribe.core.session import ENGLISH_LANGUAGE_CONFIDENCE, SessionProtocol, SessionSettings

from .conftest import FRAME, RATE, Driver, FakeClock, ScriptedVad, make_session, params, pattern

SDK_PARAMS = tuple(sdk.StreamingParameters.model_fields)
ONE_TURN = pattern(("s", 40), ("v", 40), ("s", 80))


def of_type(d: Driver, kind: str) -> list[dict]:
    return [msg for msg in d.messages if msg["type"] == kind]


# --------------------------------------------------------------------------------------- Warning


def test_every_sdk_parameter_is_known_to_the_server():
    assert SDK_PARAMS, "the SDK model lists its parameters"
    assert set(SDK_PARAMS) <= KNOWN_PARAMS
    assert set(NO_EFFECT_PARAMS) <= KNOWN_PARAMS


def test_defaults_have_no_effect_to_report():
    assert no_effect(params()) == ()
    d = Driver(make_session(ONE_TURN)).frames(len(ONE_TURN))
    assert of_type(d, "Warning") == []


def test_warning_names_each_ignored_parameter_the_client_set_once():
    s = make_session(ONE_TURN, filter_profanity="true", domain="medical-v1", llm_gateway='{"model":"x"}',
                     max_speakers="2", format_turns="true")
    d = Driver(s).frames(len(ONE_TURN))
    warnings = of_type(d, "Warning")
    assert len(warnings) == 1
    w = sdk.WarningEvent.model_validate(warnings[0])
    assert w.warning_code == m.WARNING_NO_EFFECT
    for name in ("filter_profanity", "domain", "llm_gateway", "max_speakers"):
        assert f"{name}:" in w.warning
    assert "format_turns" not in w.warning  # it does something on Universal-Streaming
    assert d.messages[0]["type"] == "Warning"  # before any turn


@pytest.mark.parametrize(("user_agent", "takes"), [
    ("AssemblyAI/1.0 (integration=Pipecat/1.14.0)", False),  # Pipecat fails on message types it does not parse
    ("AssemblyAI/1.0 (integration=Livekit)", True),  # LiveKit logs them at debug and goes on
    ("python-websockets/15.0", True),
    (None, True),
])
def test_which_clients_take_unsolicited_warnings(user_agent, takes):
    assert takes_warnings(user_agent) is takes


def test_a_client_that_fails_on_warnings_gets_none_and_the_session_keeps_the_texts():
    s = SessionProtocol("sess-1", params(filter_profanity="true", continuous_partials="true", speechModel="x"),
                        ScriptedVad(ONE_TURN), clock=FakeClock(), settings=SessionSettings(vad_hangover_ms=0),
                        warnings=False)
    d = Driver(s).frames(len(ONE_TURN))
    assert of_type(d, "Warning") == []
    assert len(s.unsent_warnings) == 2
    assert "filter_profanity:" in s.unsent_warnings[0] and "continuous_partials:" in s.unsent_warnings[0]
    assert "speechModel" in s.unsent_warnings[1]


def test_update_configuration_warns_only_about_newly_ignored_parameters():
    d = Driver(make_session(ONE_TURN * 2, filter_profanity="true"))
    d.frames(len(ONE_TURN))
    d.text('{"type":"UpdateConfiguration","filter_profanity":true,"max_turn_silence":900}')
    assert len(of_type(d, "Warning")) == 1
    d.text('{"type":"UpdateConfiguration","continuous_partials":true}')
    d.frames(len(ONE_TURN))
    warnings = of_type(d, "Warning")
    assert len(warnings) == 2
    assert "continuous_partials" in warnings[1]["warning"] and "filter_profanity" not in warnings[1]["warning"]


def test_what_assemblyai_itself_ignores_on_u3_is_not_reported():
    assert no_effect(params(speech_model="u3-rt-pro", format_turns="true", end_of_turn_confidence_threshold="0.7")) == ()


def test_language_codes_are_ignored_on_english_models_only():
    assert [i.param for i in no_effect(params(language_codes='["es"]'))] == ["language_codes"]
    assert no_effect(params(language_codes='["es"]', speech_model="universal-streaming-multilingual")) == ()
    assert no_effect(params(language_codes='["en"]')) == ()


def test_unknown_parameters_get_their_own_warning():
    s = make_session(ONE_TURN, speechModel="u3-rt-pro", sampleRate="8000")
    d = Driver(s).frames(4)
    (w,) = of_type(d, "Warning")
    assert sdk.WarningEvent.model_validate(w).warning_code == m.WARNING_UNKNOWN_PARAMS
    assert "speechModel" in w["warning"] and "sampleRate" in w["warning"]


# ------------------------------------------------------------------------------------- Heartbeat


LONG = ONE_TURN + pattern(("s", 200))  # 11.5 s: speech in the first 5 s only


def heartbeat_run(clock: FakeClock, **kw) -> Driver:
    s = make_session(LONG, clock=clock, settings=SessionSettings(vad_hangover_ms=0), **kw)
    d = Driver(s)
    for _ in range(len(LONG) // 2):  # 64 ms chunks in real time
        clock.t += 2 * FRAME / RATE
        d.frames(2)
    return d


def test_heartbeat_every_five_seconds_validates_with_the_sdk(clock):
    d = heartbeat_run(clock, session_heartbeat="true")
    beats = [sdk.HeartbeatEvent.model_validate(h) for h in of_type(d, "Heartbeat")]
    audio_s = len(LONG) * FRAME / RATE
    assert len(beats) == int(audio_s // 5) == 2
    assert all(b.total_audio_received_ms <= b.total_duration_ms + 64 for b in beats)
    assert beats[0].max_speech_probability == pytest.approx(0.98, abs=1e-3)  # speech in the first 5 s
    assert beats[-1].max_speech_probability < 0.5  # only silence after it
    assert 0.9 < beats[-1].realtime_factor < 1.1


def test_heartbeat_comes_from_tick_while_the_client_is_quiet(clock):
    s = make_session(clock=clock, session_heartbeat="true")
    d = Driver(s)
    clock.t += 4.9
    s.tick()
    d.settle()
    assert of_type(d, "Heartbeat") == []
    clock.t += 0.2
    s.tick()
    d.settle()
    (h,) = of_type(d, "Heartbeat")
    assert h["total_audio_received_ms"] == 0 and h["total_duration_ms"] == 5100


def test_no_heartbeat_unless_asked(clock):
    assert of_type(heartbeat_run(clock), "Heartbeat") == []


# --------------------------------------------------------------------------------------- Silence


def test_silence_covers_turn_free_audio_about_once_a_second():
    d = Driver(make_session(ONE_TURN, acknowledge_silence="true", include_partial_turns="false"))
    d.frames(len(ONE_TURN))
    events = [sdk.SilenceEvent.model_validate(x) for x in of_type(d, "Silence")]
    assert events
    assert len(d.finals()) == 1
    speech_start, speech_end = 40 * 32, 80 * 32  # ONE_TURN's speech frames, in ms
    for e in events:
        assert 1000 <= e.end_ms - e.start_ms < 1100
        assert e.end_ms <= speech_start or e.start_ms >= speech_end  # never inside the turn
    for a, b in zip(events, events[1:], strict=False):
        assert b.start_ms >= a.end_ms
    total_ms = len(ONE_TURN) * FRAME * 1000 // RATE
    # Leading 1.28 s of silence -> 1 event; 2.56 s after the turn (less the turn-end wait) -> at least 1.
    assert sum(1 for e in events if e.end_ms <= speech_start) == 1
    assert any(e.start_ms >= speech_end for e in events) and events[-1].end_ms <= total_ms


def test_no_silence_unless_asked():
    d = Driver(make_session(ONE_TURN)).frames(len(ONE_TURN))
    assert of_type(d, "Silence") == []


# ----------------------------------------------------------------------------- English language


def test_english_finals_say_en_with_detection():
    d = Driver(make_session(ONE_TURN, language_detection="true", format_turns="true")).frames(len(ONE_TURN))
    finals = d.finals()
    assert len(finals) == 2
    for f in finals:
        ev = sdk.TurnEvent.model_validate(f)
        assert ev.language_code == "en" and ev.language_confidence == ENGLISH_LANGUAGE_CONFIDENCE
    assert all("language_code" not in p for p in d.partials())


def test_english_finals_have_no_language_without_detection():
    d = Driver(make_session(ONE_TURN)).frames(len(ONE_TURN))
    assert d.finals() and all("language_code" not in f for f in d.finals())


def test_sdk_event_union_accepts_the_new_messages():
    union = typing.get_args(sdk.EventMessage)
    assert sdk.HeartbeatEvent in union and sdk.SilenceEvent in union
