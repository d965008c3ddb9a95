"""The ``/v3/ws`` WebSocket end to end, with the scripted FakeEngine and the energy VAD.

Sections: Begin; parameters; paths; turns; Terminate/ForceEndpoint; client-message errors;
inactivity; engine failure; HTTP endpoints; a real server with websocket-client; the official
Python SDK (sync and async).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import urllib.parse
from typing import Any

import httpx
import numpy as np
import pytest
import websocket
from assemblyai.streaming.v3 import (
    AsyncStreamingClient,
    StreamingClient,
    StreamingClientOptions,
    StreamingEvents,
    StreamingParameters,
)
from assemblyai.streaming.v3._base import _BaseStreamingClient
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from hushscribe.core.params import PII_POLICIES, SPEECH_MODELS
from hushscribe.engine.fake import FakeEngine

from .conftest import (
    API_KEY,
    auth,
    build_app,
    chunks,
    drain,
    nothing_pending,
    recv,
    recv_json,
    send_audio,
    silence,
    speech,
    speech_samples,
    terminate,
    utterance,
)

URL = "/v3/ws?sample_rate=16000"
BEGIN_CONFIG_KEYS = {"model", "mode", "api_version", "speaker_labels", "redact_pii", "filter_profanity",
                     "domain", "voice_focus"}


def sdk_parse(msg: dict):
    """Every server message must validate against the Python SDK's models (protocol §5.0, §14.5)."""
    parsed = _BaseStreamingClient._parse_message(msg)
    assert parsed is not None, f"the SDK does not understand {msg}"
    return parsed


def check_turn_shape(msg: dict) -> None:
    sdk_parse(msg)
    assert isinstance(msg["turn_order"], int)
    assert isinstance(msg["end_of_turn"], bool)
    assert isinstance(msg["turn_is_formatted"], bool)
    assert isinstance(msg["transcript"], str)
    assert isinstance(msg["utterance"], str)
    assert 0 <= msg["end_of_turn_confidence"] <= 1
    assert "error" not in msg  # the JS SDK treats any message with "error" as an error
    for w in msg["words"]:
        assert isinstance(w["start"], int) and isinstance(w["end"], int)
        assert w["start"] <= w["end"]
        assert isinstance(w["word_is_final"], bool)
        assert isinstance(w["text"], str) and w["text"]


def begin(ws) -> dict:
    msg = recv_json(ws)
    assert msg["type"] == "Begin", msg
    sdk_parse(msg)
    return msg


def read_until_final(ws, *, formatted: bool | None = None, timeout: float = 5.0) -> list[dict]:
    """Messages up to and including the first final Turn (optionally: the formatted one)."""
    out = []
    deadline = time.monotonic() + timeout
    while True:
        msg = recv_json(ws, max(0.05, deadline - time.monotonic()))
        sdk_parse(msg)
        out.append(msg)
        if msg["type"] == "Turn" and msg["end_of_turn"]:
            if formatted is None or msg["turn_is_formatted"] == formatted:
                return out


def finish(ws) -> list[dict]:
    """Terminate and return what came before the close, which must be a normal one."""
    terminate(ws)
    messages, close = drain(ws)
    for msg in messages:
        sdk_parse(msg)
    assert messages and messages[-1]["type"] == "Termination", messages
    assert close["code"] == 1000
    assert close.get("reason") == "Session Ended"
    return messages


def assert_error_close(ws, code: int, text: str | None = None, *, prefix: str | None = None) -> dict:
    messages, close = drain(ws)
    errors = [m for m in messages if m["type"] == "Error"]
    assert len(errors) == 1 and messages[-1] is errors[0], messages
    err = errors[0]
    sdk_parse(err)
    assert err["error_code"] == code
    if text is not None:
        assert err["error"] == text
    if prefix is not None:
        assert err["error"].startswith(prefix), err["error"]
    assert close["code"] == code
    expected_reason = err["error"] if len(err["error"].encode()) <= 123 else "See Error message for details"
    assert close.get("reason") == expected_reason
    assert all(m["type"] != "Termination" for m in messages)
    return err


def finals(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["type"] == "Turn" and m["end_of_turn"]]


# =============================================================================================
# Begin
# =============================================================================================


def test_begin_first_and_prompt(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        msg = recv_json(ws)
        assert msg["type"] == "Begin"
        assert isinstance(msg["id"], str) and len(msg["id"]) >= 8
        assert isinstance(msg["expires_at"], int)
        assert abs(msg["expires_at"] - (time.time() + 10800)) <= 5
        cfg = msg["configuration"]
        assert {"model", "mode", "api_version"} <= set(cfg)
        assert set(cfg) == BEGIN_CONFIG_KEYS
        assert cfg["model"] == "universal-streaming-english"
        assert cfg["mode"] is None  # Universal-Streaming echoes null (protocol §5.1)
        assert cfg["api_version"] == "2025-05-12"
        assert cfg["redact_pii"] is False and cfg["speaker_labels"] is False
        parsed = sdk_parse(msg)
        assert parsed.id == msg["id"]
        finish(ws)


def test_begin_ids_are_unique(client):
    ids = set()
    for _ in range(3):
        with client.websocket_connect(URL, headers=auth()) as ws:
            ids.add(begin(ws)["id"])
            finish(ws)
    assert len(ids) == 3


def test_begin_u3_configuration(client):
    with client.websocket_connect(URL + "&speech_model=u3-rt-pro", headers=auth()) as ws:
        cfg = begin(ws)["configuration"]
        assert cfg["model"] == "u3-rt-pro"
        assert cfg["mode"] == "balanced"
        finish(ws)


def test_begin_expires_at_follows_max_session_seconds(make_client):
    c = make_client(max_session_seconds=600)
    with c.websocket_connect(URL, headers=auth()) as ws:
        assert abs(begin(ws)["expires_at"] - (time.time() + 600)) <= 5
        finish(ws)


def test_server_default_speech_model(make_client):
    c = make_client(default_speech_model="u3-rt-pro")
    with c.websocket_connect(URL, headers=auth()) as ws:
        assert begin(ws)["configuration"]["model"] == "u3-rt-pro"
        finish(ws)
    with c.websocket_connect(URL + "&speech_model=universal-streaming-english", headers=auth()) as ws:
        assert begin(ws)["configuration"]["model"] == "universal-streaming-english"
        finish(ws)


# =============================================================================================
# Connection parameters
# =============================================================================================

_SPEECH_MODEL_CHOICES = ", ".join(f"'{m}'" for m in SPEECH_MODELS[:-1]) + f" or '{SPEECH_MODELS[-1]}'"
_POLICY_CHOICES = ", ".join(f"'{p}'" for p in PII_POLICIES[:-1]) + f" or '{PII_POLICIES[-1]}'"


@pytest.mark.parametrize(
    "query, text",
    [
        ("sample_rate=7000",
         "User Input Validation Error: Invalid 'sample_rate': Value error, sample_rate must be at least 8,000 Hz"),
        ("sample_rate=16000&speech_model=bogus",
         f"User Input Validation Error: Invalid 'speech_model': Input should be {_SPEECH_MODEL_CHOICES}"),
        ("sample_rate=16000&encoding=flac",
         "User Input Validation Error: Invalid 'encoding': 'flac' is not a valid Encoding"),
        ("sample_rate=16000&redact_pii=true&redact_pii_policies=" + urllib.parse.quote('["nope"]'),
         f"User Input Validation Error: Invalid 'redact_pii_policies.0': Input should be {_POLICY_CHOICES}"),
        ("sample_rate=abc",
         "User Input Validation Error: Invalid 'sample_rate': "
         "Input should be a valid integer, unable to parse string as an integer"),
        ("sample_rate=16000&format_turns=maybe",
         "User Input Validation Error: Invalid 'format_turns': "
         "Input should be a valid boolean, unable to interpret input"),
        ("sample_rate=16000&inactivity_timeout=2",
         "User Input Validation Error: Invalid 'inactivity_timeout': Input should be greater than or equal to 5"),
    ],
    ids=["sample_rate", "speech_model", "encoding", "redact_pii_policies", "int", "bool", "range"],
)
def test_bad_parameter_is_3006_before_begin(client, query, text):
    with client.websocket_connect(f"/v3/ws?{query}", headers=auth()) as ws:
        err = assert_error_close(ws, 3006, text)
    assert err == {"type": "Error", "error_code": 3006, "error": text}


def test_long_validation_error_uses_the_literal_close_reason(client):
    with client.websocket_connect(URL + "&speech_model=bogus", headers=auth()) as ws:
        messages, close = drain(ws)
    assert close["code"] == 3006
    assert close["reason"] == "See Error message for details"  # the text is > 123 bytes
    assert len(messages[0]["error"].encode()) > 123


def test_unknown_parameters_are_ignored(client):
    url = URL + "&speechModel=bogus&some_future_param=1&x="
    with client.websocket_connect(url, headers=auth()) as ws:
        assert begin(ws)["configuration"]["model"] == "universal-streaming-english"
        finish(ws)


def test_sample_rate_may_be_omitted(client):
    with client.websocket_connect("/v3/ws", headers=auth()) as ws:
        begin(ws)
        finish(ws)


@pytest.mark.parametrize("value", ["True", "true", "TRUE", "1"])
def test_booleans_any_case(client, value):
    with client.websocket_connect(f"{URL}&redact_pii={value}&speaker_labels={value}", headers=auth()) as ws:
        cfg = begin(ws)["configuration"]
        assert cfg["redact_pii"] is True
        assert cfg["speaker_labels"] is True
        finish(ws)


@pytest.mark.parametrize("value", ["False", "false"])
def test_booleans_false(client, value):
    with client.websocket_connect(f"{URL}&redact_pii={value}", headers=auth()) as ws:
        assert begin(ws)["configuration"]["redact_pii"] is False
        finish(ws)


def test_python_sdk_style_format_turns_true(client):
    # The Python SDK sends format_turns=True (capitalised): it must switch formatting on.
    with client.websocket_connect(URL + "&format_turns=True", headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance())
        msgs = read_until_final(ws, formatted=True)
        assert finals(msgs)[-1]["transcript"] == "Hello world."
        finish(ws)


# =============================================================================================
# Paths
# =============================================================================================


@pytest.mark.parametrize("path", ["/v3/ws", "/v3/ws/", "//v3/ws", "/prefix/v3/ws", "/a/b/v3/ws/"])
def test_paths(client, path):
    # Full URL: a relative "//v3/ws" would be read as a network-path reference (host "v3").
    with client.websocket_connect(f"ws://testserver{path}?sample_rate=16000", headers=auth()) as ws:
        begin(ws)
        finish(ws)


@pytest.mark.parametrize("path", ["/v3/wsx", "/v2/ws", "/ws"])
def test_other_paths_are_not_sessions(client, path):
    # No route: the socket is closed before it is accepted (uvicorn turns that into HTTP 403).
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect(f"ws://testserver{path}?sample_rate=16000", headers=auth()):
            pass


# =============================================================================================
# Turns
# =============================================================================================


def test_speech_then_silence_gives_final_turn(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance(1000, 1000))
        msgs = read_until_final(ws)
        for msg in msgs:
            assert msg["type"] == "Turn", msg  # Universal-Streaming sends no SpeechStarted
            check_turn_shape(msg)
            assert msg["turn_order"] == 0
        partials, final = msgs[:-1], msgs[-1]
        assert all(not p["end_of_turn"] and not p["turn_is_formatted"] for p in partials)
        assert final["end_of_turn"] is True
        assert final["turn_is_formatted"] is False
        assert final["transcript"] == "hello world"
        assert final["utterance"] == "hello world"
        assert [w["text"] for w in final["words"]] == ["hello", "world"]
        assert all(w["word_is_final"] for w in final["words"])
        assert final["end_of_turn_confidence"] > 0.4
        # Word times are in the speech region of the stream (0-1000 ms, plus a little slack).
        assert final["words"][0]["start"] >= 0 and final["words"][-1]["end"] <= 2000
        rest = finish(ws)
        assert [m["type"] for m in rest] == ["Termination"]  # no second or empty final
        assert rest[-1]["audio_duration_seconds"] == 2


def test_partials_never_finalize_the_trailing_word(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance(2500, 1000))
        msgs = read_until_final(ws)
        partials = [m for m in msgs if not m["end_of_turn"]]
        assert partials, "a 2.5 s turn should produce at least one partial"
        for p in partials:
            assert p["words"] and p["words"][-1]["word_is_final"] is False
            assert p["utterance"] == ""
            final_words = [w["text"] for w in p["words"] if w["word_is_final"]]
            assert p["transcript"] == " ".join(final_words)
        finish(ws)


def test_two_turns_increment_turn_order(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance(800, 1000) + utterance(800, 1000))
        first = read_until_final(ws)
        second = read_until_final(ws)
        assert {m["turn_order"] for m in first} == {0}
        assert {m["turn_order"] for m in second} == {1}
        assert second[-1]["words"][0]["start"] >= 1500  # times run on from the stream start
        finish(ws)


def test_format_turns_gives_unformatted_then_formatted_final(client):
    with client.websocket_connect(URL + "&format_turns=true", headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance())
        msgs = read_until_final(ws, formatted=True)
        fin = finals(msgs)
        assert len(fin) == 2
        raw, fmt = fin
        for m in fin:
            check_turn_shape(m)
        assert raw["turn_order"] == fmt["turn_order"] == 0
        assert (raw["turn_is_formatted"], fmt["turn_is_formatted"]) == (False, True)
        assert raw["transcript"] == "hello world" and raw["utterance"] == "hello world"
        assert fmt["transcript"] == "Hello world." and fmt["utterance"] == ""
        assert [w["text"] for w in fmt["words"]] == ["Hello", "world."]
        assert [(w["start"], w["end"]) for w in fmt["words"]] == [(w["start"], w["end"]) for w in raw["words"]]
        assert fmt["end_of_turn_confidence"] == raw["end_of_turn_confidence"]
        assert [m["type"] for m in finish(ws)] == ["Termination"]


def test_u3_pro_gives_one_formatted_final(client):
    with client.websocket_connect(URL + "&speech_model=u3-rt-pro&format_turns=true", headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance())
        msgs = read_until_final(ws)
        assert msgs[0]["type"] == "SpeechStarted"
        assert isinstance(msgs[0]["timestamp"], int) and 0 <= msgs[0]["timestamp"] < 300
        turns = [m for m in msgs if m["type"] == "Turn"]
        for m in turns:
            check_turn_shape(m)
        final = turns[-1]
        assert final["turn_is_formatted"] is True
        assert final["transcript"] == "Hello world."
        assert final["utterance"] == "Hello world."
        assert final["end_of_turn_confidence"] == 1
        for p in turns[:-1]:
            assert p["end_of_turn"] is False and p["end_of_turn_confidence"] == 0
        rest = finish(ws)
        assert [m["type"] for m in rest] == ["Termination"]  # exactly one final, no formatted twin


def test_include_partial_turns_false(client):
    with client.websocket_connect(URL + "&include_partial_turns=false", headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance(2500, 1000))
        msgs = read_until_final(ws)
        assert [m["end_of_turn"] for m in msgs] == [True]
        finish(ws)


def test_silence_only_gives_no_turn(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, silence(2000))
        assert [m["type"] for m in finish(ws)] == ["Termination"]


def test_pcm_mulaw_and_8khz(client):
    # mu-law 8 kHz, as telephony clients send it.
    x = np.concatenate([speech_samples(1000, 8000), np.zeros(8000, np.float32)])
    pcm = np.clip(x * 32768, -32768, 32767).astype(np.int32)
    sign = np.where(pcm < 0, 0x80, 0)
    mag = np.minimum(np.abs(pcm), 32635) + 0x84
    exp = np.floor(np.log2(mag)).astype(np.int32) - 7
    mant = (mag >> (exp + 3)) & 0x0F
    ulaw = (~(sign | (exp << 4) | mant) & 0xFF).astype(np.uint8).tobytes()
    with client.websocket_connect("/v3/ws?sample_rate=8000&encoding=pcm_mulaw", headers=auth()) as ws:
        begin(ws)
        for i in range(0, len(ulaw), 800):  # 100 ms
            ws.send_bytes(ulaw[i : i + 800])
        assert finals(read_until_final(ws))[0]["transcript"] == "hello world"
        assert finish(ws)[-1]["audio_duration_seconds"] == 2


# =============================================================================================
# Terminate and ForceEndpoint
# =============================================================================================


def test_terminate_without_audio(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        terminate(ws)
        messages, close = drain(ws)
    assert messages == [{"type": "Termination", "audio_duration_seconds": 0, "session_duration_seconds": 0}]
    sdk_parse(messages[0])
    assert close["code"] == 1000 and close["reason"] == "Session Ended"


def test_terminate_mid_turn_flushes_the_final_first(make_client):
    c = make_client(engine=FakeEngine(lambda req: "Hello world.", latency_s=0.2))
    with c.websocket_connect(URL + "&format_turns=true", headers=auth()) as ws:
        begin(ws)
        send_audio(ws, speech(800))  # no trailing silence: the turn is still open
        messages = finish(ws)
        types = [m["type"] for m in messages]
        assert types[-1] == "Termination" and types.count("Termination") == 1
        fin = finals(messages)
        assert [m["turn_is_formatted"] for m in fin] == [False, True]  # both finals, before Termination
        assert fin[-1]["transcript"] == "Hello world."
        assert all(isinstance(v, int) for k, v in messages[-1].items() if k != "type")
        assert messages[-1]["audio_duration_seconds"] == 1  # 0.8 s, rounded


def test_terminate_is_idempotent_and_later_input_ignored(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        terminate(ws)
        terminate(ws)
        messages, close = drain(ws)
    assert [m["type"] for m in messages] == ["Termination"]
    assert close["code"] == 1000


def test_force_endpoint_ends_the_turn_now(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, speech(700))
        ws.send_text('{"type":"ForceEndpoint"}')
        msgs = read_until_final(ws, timeout=2)
        assert msgs[-1]["transcript"] == "hello world"
        assert msgs[-1]["turn_order"] == 0
        # The rest of the speech is a new turn.
        send_audio(ws, utterance(700, 1000))
        assert read_until_final(ws)[-1]["turn_order"] == 1
        finish(ws)


def test_force_endpoint_without_turn_does_nothing(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        ws.send_text('{"type":"ForceEndpoint"}')
        ws.send_text('{"type":"KeepAlive"}')
        assert nothing_pending(ws, 0.2)
        assert [m["type"] for m in finish(ws)] == ["Termination"]


def test_update_configuration_is_silent_and_applies(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        ws.send_text(json.dumps({"type": "UpdateConfiguration", "format_turns": True, "max_turn_silence": 2000,
                                 "sample_rate": 8000, "unknown_field": 1}))
        assert nothing_pending(ws, 0.2)  # no acknowledgement
        send_audio(ws, utterance())
        msgs = read_until_final(ws, formatted=True)
        assert finals(msgs)[-1]["transcript"] == "Hello world."
        finish(ws)


def test_update_configuration_invalid_value_is_3006(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        ws.send_text(json.dumps({"type": "UpdateConfiguration", "agent_context": "x" * 1751}))
        assert_error_close(ws, 3006, prefix="User Input Validation Error: Invalid 'agent_context': ")


# =============================================================================================
# Audio and client-message errors
# =============================================================================================


def test_chunk_over_1000_ms_is_3007(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        ws.send_bytes(speech(1200))
        assert_error_close(
            ws, 3007, "Input Duration Error: Input Duration Violation: 1200.0 ms. Expected between 50 and 1000 ms"
        )


def test_chunk_of_exactly_1000_ms_is_fine(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        ws.send_bytes(speech(1000))
        ws.send_bytes(silence(1000))
        assert finals(read_until_final(ws))[0]["transcript"] == "hello world"
        finish(ws)


def test_short_chunks_are_accepted_by_default(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance(), ms=20)
        send_audio(ws, b"\x00\x00\x00")  # an odd byte count, too
        assert finals(read_until_final(ws))[0]["transcript"] == "hello world"
        finish(ws)


def test_short_chunks_rejected_when_strict(make_client):
    c = make_client(strict_min_chunk=True)
    with c.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        ws.send_bytes(silence(20))
        assert_error_close(
            ws, 3007, "Input Duration Error: Input Duration Violation: 20.0 ms. Expected between 50 and 1000 ms"
        )


def test_chunk_duration_uses_the_session_sample_rate(client):
    # 1200 ms at 8 kHz is 19200 bytes, which would be only 600 ms at 16 kHz.
    with client.websocket_connect("/v3/ws?sample_rate=8000", headers=auth()) as ws:
        begin(ws)
        ws.send_bytes(bytes(19200))
        assert_error_close(ws, 3007, prefix="Input Duration Error: Input Duration Violation: 1200.0 ms.")


@pytest.mark.parametrize(
    "frame, text",
    [
        ("{", "User Input Validation Error: Invalid JSON: "
              "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("not json", "User Input Validation Error: Invalid JSON: Expecting value: line 1 column 1 (char 0)"),
        ('{"type":"Bogus"}', "Invalid Message Type: Bogus"),
        ("[]", "Invalid Message: []"),
        ("42", "Invalid Message: 42"),
    ],
    ids=["truncated", "not-json", "bogus-type", "array", "number"],
)
def test_invalid_text_frames_are_3006(client, frame, text):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        ws.send_text(frame)
        assert_error_close(ws, 3006, text)


def test_error_mid_turn_sends_no_turn_after_the_error(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, speech(600))
        ws.send_text('{"type":"Bogus"}')
        assert_error_close(ws, 3006, "Invalid Message Type: Bogus")


# =============================================================================================
# Inactivity
# =============================================================================================

INACTIVITY_TEXT = "Session terminated due to inactivity: No messages received for 5 seconds"


def test_inactivity_timeout(client):
    with client.websocket_connect(URL + "&inactivity_timeout=5", headers=auth()) as ws:
        begin(ws)
        t0 = time.monotonic()
        messages, close = drain(ws, timeout=8)
        elapsed = time.monotonic() - t0
    assert messages == [{"type": "Error", "error_code": 3006, "error": INACTIVITY_TEXT}]
    assert close["code"] == 3006 and close["reason"] == INACTIVITY_TEXT
    assert elapsed >= 4.5, elapsed  # not early (a slow machine only makes it later; drain's timeout bounds it)


@pytest.mark.slow
def test_keepalive_resets_inactivity_timer(client):
    with client.websocket_connect(URL + "&inactivity_timeout=5", headers=auth()) as ws:
        begin(ws)
        t0 = time.monotonic()
        time.sleep(3)
        ws.send_text('{"type":"KeepAlive"}')
        # Without the reset the error would arrive at ~5 s; nothing may come before ~6 s.
        assert nothing_pending(ws, 6 - (time.monotonic() - t0))
        messages, close = drain(ws, timeout=4)
        elapsed = time.monotonic() - t0
    assert messages == [{"type": "Error", "error_code": 3006, "error": INACTIVITY_TEXT}]
    assert close["code"] == 3006
    assert elapsed >= 7.5, elapsed  # 3 s + 5 s: the KeepAlive restarted the timer


def test_no_inactivity_timeout_by_default(client):
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        assert nothing_pending(ws, 0.3)
        finish(ws)


def test_max_session_duration_is_3008(make_client):
    c = make_client(max_session_seconds=1)
    with c.websocket_connect(URL, headers=auth()) as ws:
        msg = begin(ws)
        assert abs(msg["expires_at"] - (time.time() + 1)) <= 2
        send_audio(ws, speech(300))
        err = assert_error_close(ws, 3008, "Session Expired: Maximum session duration exceeded")
    assert err["error_code"] == 3008


# =============================================================================================
# Engine failure
# =============================================================================================


def test_engine_failure_on_final_is_3005(make_client):
    c = make_client(engine=FakeEngine(lambda req: "Hello world.", fail=lambda req: req.kind == "final"))
    with c.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance())
        assert_error_close(ws, 3005, "Session Cancelled: An error occurred")


def test_engine_failure_on_terminate_is_3005(make_client):
    c = make_client(engine=FakeEngine(lambda req: "Hello world.", fail=lambda req: req.kind == "final"))
    with c.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, speech(600))
        terminate(ws)
        assert_error_close(ws, 3005, "Session Cancelled: An error occurred")


def test_engine_failure_on_partial_is_not_fatal(make_client):
    c = make_client(engine=FakeEngine(lambda req: "Hello world.", fail=lambda req: req.kind == "partial"))
    with c.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance(2500, 1000))
        msgs = read_until_final(ws)
        assert all(m["type"] == "Turn" for m in msgs)  # no Error: a failed partial is skipped
        assert msgs[-1]["transcript"] == "hello world"
        finish(ws)


def test_server_survives_a_failed_session(make_client):
    failed = []

    def fail_first_final(req) -> bool:
        if req.kind == "final" and not failed:
            failed.append(req)
            return True
        return False

    c = make_client(engine=FakeEngine(lambda req: "Hello world.", fail=fail_first_final))
    with c.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance())
        assert_error_close(ws, 3005)
    with c.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        send_audio(ws, utterance())
        assert finals(read_until_final(ws))[0]["transcript"] == "hello world"
        finish(ws)


# =============================================================================================
# HTTP endpoints
# =============================================================================================


@pytest.mark.parametrize("path", ["/health", "/v3/health"])
def test_health(client, path):
    r = client.get(path)
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_ready_after_startup_counts_sessions(client):
    r = client.get("/ready")
    assert r.status_code == 200
    limit = 3 * len(os.sched_getaffinity(0))  # the default: 3 per core
    assert r.json() == {"ready": True, "active_sessions": 0, "max_sessions": limit, "free_slots": limit,
                        "decode_backlog_s": 0.0}
    with client.websocket_connect(URL, headers=auth()) as ws:
        begin(ws)
        assert client.get("/ready").json()["active_sessions"] == 1
        assert client.get("/ready").json()["free_slots"] == limit - 1
        finish(ws)
    deadline = time.monotonic() + 2
    while client.get("/ready").json()["active_sessions"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.get("/ready").json()["active_sessions"] == 0


def test_not_ready_before_startup():
    c = TestClient(build_app())  # no context manager: the lifespan has not run
    r = c.get("/ready")
    assert r.status_code == 503
    assert r.json()["ready"] is False


# =============================================================================================
# Real server: raw websocket-client
# =============================================================================================


def ws_recv(ws: websocket.WebSocket):
    """('text', dict) or ('close', code, reason)."""
    opcode, frame = ws.recv_data_frame(control_frame=True)
    if opcode == websocket.ABNF.OPCODE_CLOSE:
        data = frame.data
        code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
        return ("close", code, data[2:].decode())
    assert opcode == websocket.ABNF.OPCODE_TEXT, f"non-text frame from the server: opcode {opcode}"
    return ("text", json.loads(frame.data.decode()))


def ws_drain(ws: websocket.WebSocket) -> tuple[list[dict], tuple]:
    out: list[dict] = []
    while True:
        item = ws_recv(ws)
        if item[0] == "close":
            return out, item
        sdk_parse(item[1])
        out.append(item[1])


def test_quickstart_raw_websocket_client(live_server):
    url = f"{live_server.ws_url}?sample_rate=16000&format_turns=true"
    ws = websocket.create_connection(url, header={"Authorization": API_KEY}, timeout=5)
    try:
        kind, first = ws_recv(ws)  # Begin right after the upgrade (its latency: hushscribe bench stream)
        assert kind == "text" and first["type"] == "Begin"
        for c in chunks(utterance(1000, 1000), 50):
            ws.send_binary(c)
        ws.send('{"type":"Terminate"}')
        messages, close = ws_drain(ws)
    finally:
        ws.close()
    assert messages[-1]["type"] == "Termination"
    assert messages[-1]["audio_duration_seconds"] == 2
    fin = finals(messages)
    assert [(m["turn_order"], m["turn_is_formatted"], m["transcript"]) for m in fin] == [
        (0, False, "hello world"),
        (0, True, "Hello world."),
    ]
    assert close[1:] == (1000, "Session Ended")


def test_real_server_auth_failure_close_code(live_server):
    ws = websocket.create_connection(f"{live_server.ws_url}?sample_rate=16000", header={"Authorization": "nope"},
                                     timeout=5)
    try:
        messages, close = ws_drain(ws)
    finally:
        ws.close()
    assert messages == [{"type": "Error", "error_code": 1008, "error": "Unauthorized Connection: Invalid API key"}]
    assert close[1] == 1008


def test_real_server_3007_close_code(live_server):
    ws = websocket.create_connection(f"{live_server.ws_url}?sample_rate=16000", header={"Authorization": API_KEY},
                                     timeout=5)
    try:
        assert ws_recv(ws)[1]["type"] == "Begin"
        ws.send_binary(speech(1200))
        messages, close = ws_drain(ws)
    finally:
        ws.close()
    assert [m["error_code"] for m in messages] == [3007]
    assert close[1] == 3007


@pytest.mark.parametrize("path", ["/v3/ws", "//v3/ws", "/asr/v3/ws", "/v3/ws/"])
def test_real_server_paths(live_server, path):
    ws = websocket.create_connection(f"{live_server.host}{path}?sample_rate=16000",
                                     header={"Authorization": API_KEY}, timeout=5)
    try:
        assert ws_recv(ws)[1]["type"] == "Begin"
        ws.send('{"type":"Terminate"}')
        messages, close = ws_drain(ws)
    finally:
        ws.close()
    assert [m["type"] for m in messages] == ["Termination"]
    assert close[1] == 1000


def test_real_server_http(live_server):
    assert httpx.get(f"{live_server.http_url}/health").json() == {"status": "ok"}
    assert httpx.get(f"{live_server.http_url}/v3/health").status_code == 200
    r = httpx.get(f"{live_server.http_url}/ready")
    assert r.status_code == 200 and r.json()["ready"] is True


def test_real_server_concurrent_sessions(live_server):
    results: dict[int, list] = {}

    def one(i: int) -> None:
        ws = websocket.create_connection(f"{live_server.ws_url}?sample_rate=16000",
                                         header={"Authorization": API_KEY}, timeout=10)
        try:
            ws_recv(ws)
            for c in chunks(utterance(800, 1000), 100):
                ws.send_binary(c)
            ws.send('{"type":"Terminate"}')
            results[i] = ws_drain(ws)[0]
        finally:
            ws.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert sorted(results) == [0, 1, 2, 3]
    for messages in results.values():
        assert [m["transcript"] for m in finals(messages)] == ["hello world"]
        assert messages[-1]["type"] == "Termination"


# =============================================================================================
# Official Python SDK
# =============================================================================================


class RecordingClient(StreamingClient):
    """The sync SDK client, recording every raw message its read thread parses."""

    def __init__(self, options):
        super().__init__(options)
        self.raw: list[dict] = []
        self.parsed: list = []

    def _parse_message(self, data):  # the read thread calls self._parse_message(...)
        parsed = super()._parse_message(data)
        self.raw.append(data)
        self.parsed.append(parsed)
        return parsed


class SdkEvents:
    def __init__(self, *, want_formatted: bool = False):
        self.begin: list[Any] = []
        self.turns: list[Any] = []
        self.termination: list[Any] = []
        self.errors: list[Any] = []
        self.speech_started: list[Any] = []
        self.final = threading.Event()
        self.final_at = 0.0
        self.want_formatted = want_formatted

    def attach(self, client) -> None:
        client.on(StreamingEvents.Begin, lambda c, e: self.begin.append(e))
        client.on(StreamingEvents.Turn, self._turn)
        client.on(StreamingEvents.Termination, lambda c, e: self.termination.append(e))
        client.on(StreamingEvents.Error, lambda c, e: self.errors.append(e))
        client.on(StreamingEvents.SpeechStarted, lambda c, e: self.speech_started.append(e))

    def _turn(self, client, event) -> None:
        self.turns.append(event)
        if event.end_of_turn and (event.turn_is_formatted or not self.want_formatted):
            self.final_at = time.monotonic()
            self.final.set()


def run_sync_sdk(host: str, params: StreamingParameters, audio: bytes, *, want_formatted: bool = False,
                 key: str = API_KEY):
    client = RecordingClient(StreamingClientOptions(api_key=key, api_host=host))
    ev = SdkEvents(want_formatted=want_formatted)
    ev.attach(client)
    client.connect(params)
    client.stream(iter(chunks(audio, 50)))
    got_final = ev.final.wait(5)
    client.disconnect(terminate=True)  # returns on Termination, else after terminate_timeout (5 s) without it
    return client, ev, got_final


@pytest.mark.parametrize("suffix", ["", "/", "/asr"], ids=["plain", "trailing-slash", "prefix"])
def test_python_sdk_sync(live_server, suffix):
    client, ev, got_final = run_sync_sdk(
        live_server.host + suffix, StreamingParameters(sample_rate=16000, format_turns=True), utterance(),
        want_formatted=True,
    )
    assert got_final, f"no final; turns={ev.turns} errors={ev.errors}"
    assert ev.errors == []
    assert len(ev.begin) == 1 and len(ev.termination) == 1
    assert ev.termination[0].audio_duration_seconds == 2
    fin = [t for t in ev.turns if t.end_of_turn]
    assert [(t.turn_order, t.turn_is_formatted, t.transcript) for t in fin] == [
        (0, False, "hello world"),
        (0, True, "Hello world."),
    ]
    # Every message the SDK read validated against its models.
    assert client.raw and all(p is not None for p in client.parsed)
    assert [m["type"] for m in client.raw][0] == "Begin"
    assert [m["type"] for m in client.raw][-1] == "Termination"


def test_python_sdk_sync_u3_pro(live_server):
    params = StreamingParameters(sample_rate=16000, speech_model="u3-rt-pro")
    client, ev, got_final = run_sync_sdk(live_server.host, params, utterance())
    assert got_final and ev.errors == []
    assert len(ev.termination) == 1
    assert len(ev.speech_started) == 1
    assert ev.begin[0].configuration.model == "u3-rt-pro"
    fin = [t for t in ev.turns if t.end_of_turn]
    assert [(t.turn_is_formatted, t.transcript) for t in fin] == [(True, "Hello world.")]
    assert all(p is not None for p in client.parsed)


def test_python_sdk_sync_terminate_mid_turn(live_server):
    # No trailing silence: the final only comes with Terminate, and must precede Termination.
    client = RecordingClient(StreamingClientOptions(api_key=API_KEY, api_host=live_server.host))
    ev = SdkEvents()
    ev.attach(client)
    client.connect(StreamingParameters(sample_rate=16000))
    client.stream(iter(chunks(speech(800), 50)))  # Terminate is queued behind this audio
    client.disconnect(terminate=True)
    assert ev.errors == [] and len(ev.termination) == 1
    assert [t.transcript for t in ev.turns if t.end_of_turn] == ["hello world"]
    assert [m["type"] for m in client.raw][-2:] == ["Turn", "Termination"]


def test_python_sdk_sync_bad_key(live_server):
    client = StreamingClient(StreamingClientOptions(api_key="wrong", api_host=live_server.host))
    ev = SdkEvents()
    ev.attach(client)
    client.connect(StreamingParameters(sample_rate=16000))
    deadline = time.monotonic() + 5
    while not ev.errors and time.monotonic() < deadline:
        time.sleep(0.01)
    client.disconnect()
    assert ev.begin == []
    assert len(ev.errors) == 1
    assert ev.errors[0].code == 1008
    assert "Unauthorized Connection: Invalid API key" in str(ev.errors[0])


def test_python_sdk_sync_bad_parameter(live_server):
    client = StreamingClient(StreamingClientOptions(api_key=API_KEY, api_host=live_server.host))
    ev = SdkEvents()
    ev.attach(client)
    client.connect(StreamingParameters(sample_rate=7000))
    deadline = time.monotonic() + 5
    while not ev.errors and time.monotonic() < deadline:
        time.sleep(0.01)
    client.disconnect()
    assert ev.begin == []
    assert len(ev.errors) == 1 and ev.errors[0].code == 3006
    assert "sample_rate must be at least 8,000 Hz" in str(ev.errors[0])


def test_python_sdk_async(live_server):
    raw: list[dict] = []
    parsed: list = []

    class RecordingAsync(AsyncStreamingClient):
        def _parse_message(self, data):
            p = super()._parse_message(data)
            raw.append(data)
            parsed.append(p)
            return p

    async def main():
        client = RecordingAsync(StreamingClientOptions(api_key=API_KEY, api_host=live_server.host))
        ev = SdkEvents(want_formatted=True)
        final = asyncio.Event()

        async def on_turn(c, e):
            ev._turn(c, e)
            if ev.final.is_set():
                final.set()

        client.on(StreamingEvents.Begin, lambda c, e: ev.begin.append(e))
        client.on(StreamingEvents.Turn, on_turn)
        client.on(StreamingEvents.Termination, lambda c, e: ev.termination.append(e))
        client.on(StreamingEvents.Error, lambda c, e: ev.errors.append(e))
        await client.connect(StreamingParameters(sample_rate=16000, format_turns=True))
        await client.stream(chunks(utterance(), 50))
        await asyncio.wait_for(final.wait(), 5)
        await client.disconnect(terminate=True)
        return ev

    ev = asyncio.run(main())
    assert ev.errors == []
    assert len(ev.begin) == 1 and len(ev.termination) == 1
    fin = [t for t in ev.turns if t.end_of_turn]
    assert [(t.turn_is_formatted, t.transcript) for t in fin] == [(False, "hello world"), (True, "Hello world.")]
    assert raw and all(p is not None for p in parsed)
    assert raw[-1]["type"] == "Termination"


def test_other_paths_are_refused_on_real_server(live_server):
    with pytest.raises(websocket.WebSocketException):
        websocket.create_connection(f"{live_server.host}/v3/other", header={"Authorization": API_KEY}, timeout=5)


def test_begin_arrives_before_any_audio_is_needed(live_server):
    # Begin is pushed by the server right after the upgrade, not in response to client data.
    ws = websocket.create_connection(f"{live_server.ws_url}?sample_rate=16000", header={"Authorization": API_KEY},
                                     timeout=1)
    try:
        assert ws_recv(ws)[1]["type"] == "Begin"
    finally:
        ws.close()


def test_client_disconnect_mid_session_frees_the_session(live_server):
    ws = websocket.create_connection(f"{live_server.ws_url}?sample_rate=16000", header={"Authorization": API_KEY},
                                     timeout=5)
    ws_recv(ws)
    for c in chunks(speech(500), 100):
        ws.send_binary(c)
    ws.close()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if httpx.get(f"{live_server.http_url}/ready").json()["active_sessions"] == 0:
            break
        time.sleep(0.02)
    assert httpx.get(f"{live_server.http_url}/ready").json()["active_sessions"] == 0


def test_recv_helper_reports_close_as_message(client):
    # Sanity check of the test helper used above: a close is a message, not an exception.
    with client.websocket_connect("/v3/ws?sample_rate=7000", headers=auth()) as ws:
        recv(ws)
        assert recv(ws)["type"] == "websocket.close"


def test_refused_session_raises_disconnect_on_receive_json(client):
    # Starlette's own helper sees the error frame, then the close, as a WebSocketDisconnect.
    with client.websocket_connect("/v3/ws?sample_rate=16000") as ws:
        assert ws.receive_json()["error_code"] == 1008
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
        assert info.value.code == 1008
