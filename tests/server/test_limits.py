"""Limits (issue 5): per-key concurrency (3009), audio rate (3007), message size (3006/3007, 1009 at the
transport), chunk duration (3007), keys compared in constant time. Each limit ends only the session
that broke it: another session on the same server goes on to its final and Termination."""

from __future__ import annotations

import hmac
import socket
import time

import pytest
import websocket

from hushscribe.engine.fake import FakeEngine
from hushscribe.server import ws as ws_module
from hushscribe.server.auth import Authenticator

from .conftest import API_KEY, auth, chunks, drain, recv_json, send_audio, silence, speech, terminate, utterance

URL = "/v3/ws?sample_rate=16000"
TOO_MANY = {"type": "Error", "error_code": 3009, "error": "Unauthorized Connection: Too many concurrent sessions"}


def finish_normally(ws) -> list[dict]:
    """Stream one utterance, Terminate, and check the session ends with a final and Termination."""
    send_audio(ws, utterance(1000, 1000))
    terminate(ws)
    messages, close = drain(ws, timeout=10)
    assert any(m.get("type") == "Turn" and m["end_of_turn"] for m in messages), messages
    assert messages[-1]["type"] == "Termination", messages
    assert close["code"] == 1000
    return messages


def assert_error_close(ws, code: int, text_start: str) -> None:
    messages, close = drain(ws, timeout=10)
    errors = [m for m in messages if m.get("type") == "Error"]
    assert len(errors) == 1 and errors[0]["error_code"] == code, messages
    assert errors[0]["error"].startswith(text_start), errors[0]
    assert messages[-1] == errors[0]  # nothing after the Error
    assert close["code"] == code


# ------------------------------------------------------------------------------ per-key sessions


def test_sessions_per_key_limit_is_3009_and_other_keys_and_sessions_go_on(make_client):
    c = make_client(api_keys=("key-a", "key-b"), max_sessions_per_key=1)
    with c.websocket_connect(URL, headers=auth("key-a")) as a1:
        assert recv_json(a1)["type"] == "Begin"
        with c.websocket_connect(URL, headers=auth("key-a")) as a2:
            assert recv_json(a2) == TOO_MANY
            assert drain(a2)[1]["code"] == 3009
        # A token minted by key-a counts against key-a.
        token = c.get("/v3/token?expires_in_seconds=60", headers=auth("key-a")).json()["token"]
        with c.websocket_connect(f"{URL}&token={token}") as a3:
            assert recv_json(a3) == TOO_MANY
        with c.websocket_connect(URL, headers=auth("key-b")) as b:  # another key is not affected
            assert recv_json(b)["type"] == "Begin"
            finish_normally(b)
        finish_normally(a1)  # the admitted session of key-a is not affected either
    # Once a1 has ended, key-a may open a session again (the count is released).
    with c.websocket_connect(URL, headers=auth("key-a")) as a4:
        assert recv_json(a4)["type"] == "Begin"
        finish_normally(a4)
    assert c.app.state.hs.sessions_per_key == {}
    assert 'hushscribe_sessions_refused_total{reason="key_capacity"} 2.0' in c.get("/metrics").text


def test_sessions_per_key_unlimited_by_default(make_client):
    c = make_client()
    with c.websocket_connect(URL, headers=auth()) as a, c.websocket_connect(URL, headers=auth()) as b:
        assert recv_json(a)["type"] == "Begin" and recv_json(b)["type"] == "Begin"
        finish_normally(a)
        finish_normally(b)


def test_key_pseudonym_is_shared_by_replicas_with_one_secret_and_hides_the_key(make_client):
    """A token minted on replica A counts against its key on replica B (same token_secret)."""
    a = make_client(token_secret="shared", max_sessions_per_key=1)
    b = make_client(token_secret="shared", max_sessions_per_key=1)
    assert a.app.state.hs.auth.key_id(API_KEY) == b.app.state.hs.auth.key_id(API_KEY)
    assert API_KEY not in a.app.state.hs.auth.key_id(API_KEY)
    token = a.get("/v3/token?expires_in_seconds=60", headers=auth()).json()["token"]
    with b.websocket_connect(URL, headers=auth()) as held:
        assert recv_json(held)["type"] == "Begin"
        with b.websocket_connect(f"{URL}&token={token}") as refused:
            assert recv_json(refused) == TOO_MANY
        finish_normally(held)


# ------------------------------------------------------------------------------ audio rate


def test_audio_faster_than_the_rate_limit_is_3007_and_other_sessions_go_on(make_client):
    c = make_client(max_audio_rate=1.0, audio_rate_burst_s=2.0)
    with c.websocket_connect(URL, headers=auth()) as fast, c.websocket_connect(URL, headers=auth()) as calm:
        assert recv_json(fast)["type"] == "Begin" and recv_json(calm)["type"] == "Begin"
        for chunk in chunks(silence(5000), 500):  # 5 s of audio at once: 2 s burst + ~0 s elapsed
            fast.send_bytes(chunk)
        assert_error_close(fast, 3007, "Audio Transmission Rate Exceeded: Received 2.5 sec. audio in 0.")
        finish_normally(calm)  # 2 s of audio, within the 2 s burst


def test_fast_streaming_is_accepted_by_default(make_client):
    """The SDKs' file examples and 'hushscribe bench' stream as fast as they can: no limit unless set."""
    c = make_client()
    with c.websocket_connect(URL, headers=auth()) as ws:
        recv_json(ws)
        send_audio(ws, silence(20_000), ms=1000)
        finish_normally(ws)


# ------------------------------------------------------------------------------ message size


def test_text_message_over_the_size_limit_is_3006(make_client):
    c = make_client(max_message_bytes=4096)
    with c.websocket_connect(URL, headers=auth()) as big, c.websocket_connect(URL, headers=auth()) as other:
        recv_json(big), recv_json(other)
        big.send_text('{"type":"UpdateConfiguration","prompt":"' + "x" * 5000 + '"}')
        assert_error_close(big, 3006, "Invalid Message: message too large: 5042 bytes (limit 4096 bytes)")
        finish_normally(other)


def test_audio_message_over_the_size_limit_is_3007(make_client):
    c = make_client(max_message_bytes=4096)
    with c.websocket_connect(URL, headers=auth()) as big, c.websocket_connect(URL, headers=auth()) as other:
        recv_json(big), recv_json(other)
        big.send_bytes(speech(200))  # 6400 bytes: a valid duration, but over the byte limit
        assert_error_close(big, 3007, "Input Duration Error: Audio message too large: 6400 bytes (limit 4096 bytes)")
        send_audio(other, utterance(1000, 1000), ms=100)  # 3200-byte chunks: fine
        terminate(other)
        messages, close = drain(other)
        assert messages[-1]["type"] == "Termination"


def _raw_session(server):
    ws = websocket.create_connection(f"{server.ws_url}?sample_rate=16000", header={"Authorization": API_KEY},
                                     timeout=10)
    assert ws.recv().startswith('{"type":"Begin"')
    return ws


def _assert_a_normal_session_completes(server) -> None:
    """One second of speech, Terminate: the session ends normally with Termination."""
    ws = _raw_session(server)
    try:
        for c in chunks(utterance(1000, 1000), 100):
            ws.send_binary(c)
        ws.send('{"type":"Terminate"}')
        texts, code = _read_to_close(ws)
    finally:
        ws.close()
    assert code == 1000 and '"Termination"' in texts[-1]


def _read_to_close(ws) -> tuple[list[str], int | None]:
    texts: list[str] = []
    while True:
        try:
            op, data = ws.recv_data(control_frame=False)
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return texts, None
        if op == websocket.ABNF.OPCODE_CLOSE:
            return texts, int.from_bytes(data[:2], "big") if len(data) >= 2 else None
        texts.append(data.decode())


def test_real_server_message_size_error_frame_and_transport_cap(make_server):
    server = make_server(max_message_bytes=65536)
    ws = _raw_session(server)
    try:
        ws.send_binary(b"\x00" * 100_000)  # over our limit, under the transport cap (4x): Error + 3007
        texts, code = _read_to_close(ws)
    finally:
        ws.close()
    assert code == 3007 and len(texts) == 1 and '"error_code":3007' in texts[0], texts
    ws = _raw_session(server)
    try:
        ws.send_binary(b"\x00" * 300_000)  # over the transport cap: uvicorn closes 1009 without reading it
        texts, code = _read_to_close(ws)
    finally:
        ws.close()
    assert code in (1009, None) and texts == []
    _assert_a_normal_session_completes(server)  # the server still serves


# ------------------------------------------------------------------------------ chunk duration


def test_chunk_duration_rules(make_client):
    """Over 1000 ms: 3007 at once; under 50 ms: accepted unless strict_min_chunk (tests in test_ws.py too)."""
    c = make_client()
    with c.websocket_connect(URL, headers=auth()) as long_, c.websocket_connect(URL, headers=auth()) as short:
        recv_json(long_), recv_json(short)
        long_.send_bytes(silence(1001))
        assert_error_close(long_, 3007, "Input Duration Error: Input Duration Violation: 1001.0 ms. "
                                        "Expected between 50 and 1000 ms")
        send_audio(short, utterance(1000, 1000), ms=20)
        terminate(short)
        assert drain(short)[0][-1]["type"] == "Termination"


# ------------------------------------------------------------------------------ constant-time keys


def test_keys_are_compared_in_constant_time_against_every_key(monkeypatch):
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    a = Authenticator(("first-key", "second-key", "third-key"))
    assert a.check_key("first-key")  # a match on the first key still compares with all of them
    assert len(calls) == 3
    calls.clear()
    assert not a.check_key("nope")
    assert len(calls) == 3


@pytest.mark.parametrize("max_sessions_per_key", [1, 2])
def test_per_key_limit_counts_concurrent_not_total_sessions(make_client, max_sessions_per_key):
    c = make_client(max_sessions_per_key=max_sessions_per_key)
    for _ in range(3):  # sequential sessions never hit the limit
        with c.websocket_connect(URL, headers=auth()) as ws:
            assert recv_json(ws)["type"] == "Begin"
            terminate(ws)
            drain(ws)
    assert c.app.state.hs.sessions_per_key == {}


# ------------------------------------------------------------------------------ clients that stop reading


def test_client_that_stops_reading_is_dropped_and_other_sessions_go_on(make_server, monkeypatch):
    monkeypatch.setattr(ws_module, "WRITE_TIMEOUT_S", 1.0)
    long_text = " ".join(["word"] * 3000) + "."  # each final is a few hundred KB of JSON
    server = make_server(engine=FakeEngine(lambda req: long_text))
    state = server.server.config.app.state.hs
    stuck = websocket.WebSocket(sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    stuck.settimeout(10)
    stuck.connect(f"{server.ws_url}?sample_rate=16000&format_turns=true", header={"Authorization": API_KEY})
    try:
        for _ in range(40):  # ~80 finals of output that is never read
            for c in chunks(utterance(400, 600), 200):
                stuck.send_binary(c)
        deadline = time.monotonic() + 30
        while state.sessions and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not state.sessions and not state.runners, "a client that never reads kept its session"
        _assert_a_normal_session_completes(server)  # the server is fine for everyone else
    finally:
        stuck.sock.close()
