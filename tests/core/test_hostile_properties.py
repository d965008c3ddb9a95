"""Property-based tests (hypothesis) of the protocol layer against hostile input: query parameters,
client text frames, and audio of any length (odd byte counts included) into SessionProtocol.

Invariants: parsing never raises anything but its documented error (which becomes a 3006); a session
fed any mix of frames never raises, sends at most one Error and nothing after it, ends with one of
the spec's close codes, and accounts for every audio byte it accepted."""

from __future__ import annotations

import json
from itertools import pairwise

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hushscribe.core import messages as m
from hushscribe.core.audio import AudioDecoder
from hushscribe.core.params import _SPECS, ParamError, SessionParams, parse_session_params
from hushscribe.core.session import SessionSettings

from .conftest import Driver, FakeClock, ScriptedVad, make_session

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARAM_NAMES = [s.wire for s in _SPECS]

nasty_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "true", "false", "TRUE", "1", "0", "-1", "1e309", "nan", "inf", "-0", "16000",
                     "8000", "48000", "7999", "99999999999999999999", "[]", "{}", "null", '["a",', "[1,2]",
                     '["x"]', "pcm_s16le", "pcm_mulaw", "opus", "u3-rt-pro", "universal-streaming-english",
                     "\x00", "\ud800", "é" * 40, "a" * 2000, "a,b,,c", '{"a":1}']),
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
param_items = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), st.text(max_size=20)), nasty_text), max_size=12
)


@PROPS
@given(param_items)
def test_params_parse_or_raise_param_error(items):
    try:
        p = parse_session_params(items)
    except ParamError as exc:
        assert exc.message.startswith("User Input Validation Error: Invalid '")
        return
    assert isinstance(p, SessionParams)
    assert 8000 <= p.sample_rate <= 48000 and p.encoding in ("pcm_s16le", "pcm_mulaw")
    json.dumps(p.begin_configuration())  # always serialisable into Begin


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
message_types = st.sampled_from(["Terminate", "ForceEndpoint", "UpdateConfiguration", "KeepAlive", "Bogus", "",
                                 "terminate", None, 3, ["Terminate"]])
update_fields = st.dictionaries(st.sampled_from(PARAM_NAMES + ["type", "x"]), json_values, max_size=4)
client_texts = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    st.builds(lambda t, f: json.dumps({**f, "type": t}), message_types, update_fields),
    st.sampled_from(['{"type":"Terminate"', "{'type': 'Terminate'}", '{"type":"KeepAlive"}' * 2, "\ufeff{}",
                     '{"type":"UpdateConfiguration","max_turn_silence":"x"}', "NaN", "[]", '"Terminate"']),
)


@PROPS
@given(client_texts)
def test_client_text_parses_or_is_a_3006_violation(text):
    try:
        msg = m.parse_client_text(text)
    except m.ProtocolViolation as exc:
        assert exc.code == m.CLOSE_INVALID_INPUT and exc.text
        assert len(exc.text) < 400  # echoed input is clipped
        return
    assert type(msg).__name__ in ("Terminate", "ForceEndpoint", "UpdateConfiguration", "KeepAlive")


frames = st.lists(
    st.one_of(
        st.binary(min_size=0, max_size=40_000),  # up to 1250 ms at 16 kHz: some over the 1000 ms rule
        st.integers(0, 3300).map(lambda n: bytes(np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8))),
        client_texts,
    ),
    max_size=25,
)
ALLOWED_CLOSE = {m.CLOSE_NORMAL, m.CLOSE_SERVER_ERROR, m.CLOSE_INVALID_INPUT, m.CLOSE_AUDIO_DURATION,
                 m.CLOSE_SESSION_EXPIRED}
TYPES = {"Turn", "Termination", "Error", "SpeechStarted"}


@PROPS
@given(frames, st.lists(st.floats(0, 1), max_size=200), st.sampled_from(["pcm_s16le", "pcm_mulaw"]),
       st.sampled_from([8000, 16000, 44100]), st.booleans())
def test_session_survives_any_frame_sequence(seq, probs, encoding, rate, strict):
    session = make_session(vad=ScriptedVad(probs), encoding=encoding, sample_rate=rate,
                           settings=SessionSettings(vad_hangover_ms=0, strict_min_chunk=strict,
                                                    max_message_bytes=36_000))
    d = Driver(session)
    accepted = 0
    width = 2 if encoding == "pcm_s16le" else 1
    for frame in seq:
        before = session.closed
        if isinstance(frame, bytes):
            session.receive_audio(frame)
            if not session.closed and not session._terminate_requested:
                accepted += len(frame)
        else:
            session.receive_text(frame)
        d.settle()
        if before:
            assert not session.messages_to_send()
    d.settle()
    msgs = d.messages
    assert all(isinstance(x, dict) and x.get("type") in TYPES for x in msgs), msgs
    json.dumps(msgs)  # everything sent is serialisable
    errors = [x for x in msgs if x["type"] == "Error"]
    assert len(errors) <= 1
    if errors:
        assert msgs[-1] is errors[0] and session.close[0] == errors[0]["error_code"] != m.CLOSE_NORMAL
    if session.closed:
        assert session.close[0] in ALLOWED_CLOSE
        assert len(session.close[1].encode()) <= 123
    terminations = [x for x in msgs if x["type"] == "Termination"]
    assert len(terminations) <= 1 and (not terminations or msgs[-1] is terminations[0])
    if not errors:
        assert abs(session.audio_seconds - (accepted // width) / rate) < 1e-9


@PROPS
@given(st.binary(max_size=20_000), st.lists(st.integers(0, 20_000), max_size=12), st.sampled_from(["pcm_s16le", "pcm_mulaw"]))
def test_chunk_boundaries_never_change_the_decoded_audio(data, cuts, encoding):
    whole = AudioDecoder(encoding, 16000).decode(data)
    dec = AudioDecoder(encoding, 16000)
    points = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    parts = [dec.decode(data[a:b]) for a, b in pairwise(points)]
    joined = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    assert np.array_equal(whole, joined)


@PROPS
@given(st.lists(st.integers(1, 4000), min_size=1, max_size=40), st.floats(0.5, 4), st.floats(0, 5))
def test_rate_limit_never_refuses_audio_within_the_budget(sizes, rate_limit, burst):
    clock = FakeClock()
    session = make_session(vad=ScriptedVad([]), clock=clock,
                           settings=SessionSettings(max_audio_rate=rate_limit, audio_rate_burst_s=burst))
    sent = 0.0
    for n in sizes:
        sent += n / 32000
        clock.t += n / 32000 / rate_limit  # exactly at the allowed pace
        session.receive_audio(bytes(n))
        session.messages_to_send()
        assert not session.closed, (sent, session.close)
