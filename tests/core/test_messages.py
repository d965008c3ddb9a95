"""Wire messages: every server message validates against the official Python SDK's models,
integer fields are ints, close reasons fit a close frame, client text frames parse (protocol §4-§5, §8)."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from assemblyai.streaming.v3 import models as sdk
from assemblyai.streaming.v3._base import _BaseStreamingClient

from hushscribe.core import messages as m
from hushscribe.core.formatting import TimedWord
from hushscribe.core.params import SessionParams


def parse(d: dict):
    # Round-trip through JSON exactly like the wire does.
    return _BaseStreamingClient._parse_message(json.loads(m.to_json(d)))


WORDS = (
    TimedWord("hi", 1920, 2000, 0.874618),
    TimedWord("my", 2800, 2880, 0.8128311111),
    TimedWord("name", 2960, 3040, 0.999999),
)


def turn(**kw: Any) -> m.TurnMessage:
    base: dict[str, Any] = dict(
        turn_order=0,
        end_of_turn=False,
        turn_is_formatted=False,
        words=WORDS,
        final_word_count=2,
        end_of_turn_confidence=0.001037,
        transcript="hi my",
    )
    base.update(kw)
    return m.TurnMessage(**base)


def assert_ints(d: dict, keys):
    for k in keys:
        assert type(d[k]) is int, (k, d[k])


# ---------------------------------------------------------------------------------------------
# Server -> client: SDK validation
# ---------------------------------------------------------------------------------------------


def test_begin_validates():
    cfg = SessionParams(speech_model="u3-rt-pro").begin_configuration()
    d = m.begin("12c77068-02b3-4941-a960-275a65230e31", 1790221526.9, cfg)
    assert d["type"] == "Begin" and d["id"] == "12c77068-02b3-4941-a960-275a65230e31"
    assert_ints(d, ["expires_at"])
    assert d["expires_at"] == 1790221526
    ev = parse(d)
    assert isinstance(ev, sdk.BeginEvent)
    assert int(ev.expires_at.timestamp()) == 1790221526
    assert ev.configuration.model == "u3-rt-pro"


def test_begin_configuration_is_copied():
    cfg = {"model": "universal-streaming-english"}
    d = m.begin("x", 1, cfg)
    cfg["model"] = "changed"
    assert d["configuration"]["model"] == "universal-streaming-english"


def test_speech_started_validates():
    d = m.speech_started(1216.0, 0.98765432)  # type: ignore[arg-type]
    assert d == {"type": "SpeechStarted", "timestamp": 1216, "confidence": 0.987654}
    assert_ints(d, ["timestamp"])
    ev = parse(d)
    assert isinstance(ev, sdk.SpeechStartedEvent) and ev.timestamp == 1216


def test_partial_turn_validates():
    d = turn().to_dict()
    assert d == {
        "type": "Turn",
        "turn_order": 0,
        "turn_is_formatted": False,
        "end_of_turn": False,
        "transcript": "hi my",
        "end_of_turn_confidence": 0.001037,
        "words": [
            {"start": 1920, "end": 2000, "text": "hi", "confidence": 0.874618, "word_is_final": True},
            {"start": 2800, "end": 2880, "text": "my", "confidence": 0.812831, "word_is_final": True},
            {"start": 2960, "end": 3040, "text": "name", "confidence": 0.999999, "word_is_final": False},
        ],
        "utterance": "",
    }
    ev = parse(d)
    assert isinstance(ev, sdk.TurnEvent)
    assert ev.end_of_turn is False and [w.word_is_final for w in ev.words] == [True, True, False]


def test_final_turn_validates():
    d = turn(
        turn_order=3,
        end_of_turn=True,
        final_word_count=3,
        end_of_turn_confidence=0.5005,
        transcript="hi my name",
        utterance="hi my name",
    ).to_dict()
    assert d["end_of_turn"] is True and d["utterance"] == "hi my name"
    assert all(w["word_is_final"] for w in d["words"])
    ev = parse(d)
    assert isinstance(ev, sdk.TurnEvent) and ev.turn_order == 3 and ev.end_of_turn


def test_turn_integer_fields_from_float_inputs():
    words = (TimedWord("a", 10.7, 20.2, 0.5), TimedWord("b", 30.0, 25.0, 1))  # type: ignore[arg-type]
    d = turn(turn_order=2.0, words=words, final_word_count=1, transcript="a").to_dict()  # type: ignore[arg-type]
    assert_ints(d, ["turn_order"])
    for w in d["words"]:
        assert_ints(w, ["start", "end"])
        assert w["end"] >= w["start"]
        assert type(w["confidence"]) is float
    assert d["words"][1] == {"start": 30, "end": 30, "text": "b", "confidence": 1.0, "word_is_final": False}
    assert type(d["end_of_turn_confidence"]) is float
    assert isinstance(parse(d), sdk.TurnEvent)


def test_turn_empty_words_and_extra_keys():
    d = turn(words=(), final_word_count=0, transcript="", extra={"speaker_label": "A"}).to_dict()
    assert d["words"] == [] and d["speaker_label"] == "A"
    ev = parse(d)
    assert isinstance(ev, sdk.TurnEvent) and ev.speaker_label == "A"


@pytest.mark.parametrize(
    "audio, session, expected",
    [
        (7.6, 7.4, (8, 7)),
        (0.0, 0.0, (0, 0)),
        (0.4, 2.5, (0, 2)),  # Python rounds half to even; any int is valid
        (3600.49, 3600.51, (3600, 3601)),
    ],
)
def test_termination_rounds_to_int(audio, session, expected):
    d = m.termination(audio, session)
    assert (d["audio_duration_seconds"], d["session_duration_seconds"]) == expected
    assert_ints(d, ["audio_duration_seconds", "session_duration_seconds"])
    ev = parse(d)
    assert isinstance(ev, sdk.TerminationEvent)
    assert ev.audio_duration_seconds == expected[0]


def test_error_validates():
    d = m.error(3006, "Invalid Message Type: Bogus")
    assert d == {"type": "Error", "error_code": 3006, "error": "Invalid Message Type: Bogus"}
    assert_ints(d, ["error_code"])
    ev = parse(d)
    assert isinstance(ev, sdk.ErrorEvent) and ev.error_code == 3006 and ev.error.startswith("Invalid")


def test_warning_validates():
    d = m.warning(9001, "Unknown parameter ignored: foo")
    assert d == {"type": "Warning", "warning_code": 9001, "warning": "Unknown parameter ignored: foo"}
    assert_ints(d, ["warning_code"])
    ev = parse(d)
    assert isinstance(ev, sdk.WarningEvent) and ev.warning_code == 9001


def test_sdk_validation_has_teeth():
    """Sanity check of the harness: a fractional integer field really fails in the SDK."""
    with pytest.raises(pydantic.ValidationError):
        _BaseStreamingClient._parse_message(
            {"type": "Termination", "audio_duration_seconds": 7.5, "session_duration_seconds": 7}
        )


def _all_server_messages() -> list[dict]:
    return [
        m.begin("id", 1, SessionParams().begin_configuration()),
        m.speech_started(0, 0.5),
        turn().to_dict(),
        turn(end_of_turn=True, final_word_count=3, utterance="hi my name").to_dict(),
        m.termination(1.2, 3.4),
        m.warning(9000, "w"),
    ]


@pytest.mark.parametrize("d", _all_server_messages(), ids=lambda d: d["type"])
def test_no_error_key_in_non_error_messages(d):
    assert "error" not in d
    assert isinstance(d["type"], str)
    json.loads(m.to_json(d))  # JSON-serialisable


def test_to_json_is_compact_and_keeps_unicode():
    s = m.to_json({"type": "Turn", "transcript": "café"})
    assert s == '{"type":"Turn","transcript":"café"}'


# ---------------------------------------------------------------------------------------------
# Close reasons
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Session Ended", "Session Ended"),
        ("x" * 123, "x" * 123),
        ("x" * 124, m.LONG_REASON),
        ("é" * 61 + "x", "é" * 61 + "x"),  # 123 bytes
        ("é" * 62, m.LONG_REASON),  # 62 characters but 124 bytes
        ("", ""),
    ],
)
def test_close_reason(text, expected):
    r = m.close_reason(text)
    assert r == expected
    assert len(r.encode("utf-8")) <= 123


def test_close_codes():
    assert (m.CLOSE_NORMAL, m.CLOSE_SERVER_ERROR, m.CLOSE_INVALID_INPUT) == (1000, 3005, 3006)
    assert (m.CLOSE_AUDIO_DURATION, m.CLOSE_SESSION_EXPIRED, m.CLOSE_TOO_MANY_SESSIONS) == (3007, 3008, 3009)
    assert m.NORMAL_CLOSE_REASON == "Session Ended"
    assert m.LONG_REASON == "See Error message for details"


# ---------------------------------------------------------------------------------------------
# Client -> server
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"type":"Terminate"}', m.Terminate()),
        ('{"type": "ForceEndpoint"}', m.ForceEndpoint()),
        ('{"type":"KeepAlive"}', m.KeepAlive()),
        ('  {"type":"Terminate","extra":1}  ', m.Terminate()),
    ],
)
def test_parse_simple(text, expected):
    assert m.parse_client_text(text) == expected


def test_parse_update_configuration():
    msg = m.parse_client_text(
        '{"type":"UpdateConfiguration","max_turn_silence":2000,'
        '"keyterms_prompt":["account number","routing number"],"format_turns":false}'
    )
    assert isinstance(msg, m.UpdateConfiguration)
    assert dict(msg.fields) == {
        "max_turn_silence": 2000,
        "keyterms_prompt": ["account number", "routing number"],
        "format_turns": False,
    }
    assert dict(m.parse_client_text('{"type":"UpdateConfiguration"}').fields) == {}


def _violation(text: str) -> m.ProtocolViolation:
    with pytest.raises(m.ProtocolViolation) as ei:
        m.parse_client_text(text)
    assert ei.value.code == 3006
    return ei.value


@pytest.mark.parametrize(
    "text, error",
    [
        (
            "{bad",
            "User Input Validation Error: Invalid JSON: "
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        ("", "User Input Validation Error: Invalid JSON: Expecting value: line 1 column 1 (char 0)"),
        ('{"type":"Bogus"}', "Invalid Message Type: Bogus"),
        ('{"type":"terminate"}', "Invalid Message Type: terminate"),  # case-sensitive
        ('{"type":5}', "Invalid Message Type: 5"),
        ("{}", "Invalid Message Type: null"),
        ('{"type":null}', "Invalid Message Type: null"),
        ("[]", "Invalid Message: []"),
        ('"Terminate"', 'Invalid Message: "Terminate"'),
        ("42", "Invalid Message: 42"),
    ],
)
def test_parse_errors(text, error):
    v = _violation(text)
    assert v.text == error
    assert str(v) == error


def test_parse_error_texts_are_bounded():
    v = _violation('{"type":"' + "X" * 5000 + '"}')
    assert v.text == "Invalid Message Type: " + "X" * 200 + "..."
    v = _violation("[" + "1," * 5000 + "1]")
    assert v.text.startswith("Invalid Message: [1,1,") and v.text.endswith("...")
    assert len(v.text) < 250


def test_parse_deeply_nested_json_is_3006_not_a_crash():
    v = _violation("[" * 100_000 + "]" * 100_000)
    assert v.code == 3006


def test_words_text():
    assert m.words_text(WORDS) == "hi my name"
    assert m.words_text(()) == ""
