"""Graceful shutdown inside the app (the SIGTERM path through 'hushscribe serve' is in
tests/e2e/test_serve_process.py): while draining, new sessions are refused with 1012; open sessions
end as a client Terminate would (in-flight turn flushed as a final, Termination, close 1000); sessions
that outlast the grace period are reported."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from hushscribe.engine.fake import FakeEngine

from .conftest import auth, build_app, drain, recv_json, send_audio, silence, speech

URL = "/v3/ws?sample_rate=16000"


def test_draining_server_refuses_new_sessions_with_1012(make_client):
    c = make_client()
    c.app.state.hs.draining = True
    with c.websocket_connect(URL, headers=auth()) as ws:
        assert recv_json(ws) == {"type": "Error", "error_code": 1012,
                                 "error": "Service Restart: the server is shutting down"}
        assert drain(ws)[1]["code"] == 1012
    assert c.get("/ready").status_code == 503  # balancers stop sending traffic
    assert c.get("/health").status_code == 200
    assert 'hushscribe_sessions_refused_total{reason="shutting_down"} 1.0' in c.get("/metrics").text


def test_drain_flushes_in_flight_turns_then_terminates_every_session():
    app = build_app(engine=FakeEngine(lambda req: "Hello world.", latency_s=0.3))
    state = app.state.hs
    with TestClient(app) as client:
        with client.websocket_connect(URL, headers=auth()) as a, client.websocket_connect(URL, headers=auth()) as b:
            recv_json(a), recv_json(b)
            send_audio(a, speech(1200))  # mid-turn: speech, no end yet
            send_audio(b, speech(600) + silence(200))
            # Wait until the server has read the audio (both sessions' audio counted), then drain.
            for _ in range(200):
                if all(s.audio_seconds >= 0.79 for s in state.sessions.values()):
                    break
                client.portal.call(asyncio.sleep, 0.01)
            finished = client.portal.call(state.drain, 10.0)
            assert finished and state.sessions == {} and not state.runners
            for ws in (a, b):
                messages, close = drain(ws)
                finals = [m for m in messages if m.get("type") == "Turn" and m["end_of_turn"]]
                assert [f["transcript"] for f in finals] == ["hello world"], messages
                assert messages[-1]["type"] == "Termination"
                assert close["code"] == 1000


def test_drain_reports_sessions_that_outlast_the_grace_period():
    app = build_app(engine=FakeEngine(lambda req: "Hello world.", latency_s=2.0))
    state = app.state.hs
    with TestClient(app) as client:
        with client.websocket_connect(URL, headers=auth()) as ws:
            recv_json(ws)
            send_audio(ws, speech(1000))
            for _ in range(200):
                if all(s.audio_seconds >= 0.99 for s in state.sessions.values()):
                    break
                client.portal.call(asyncio.sleep, 0.01)
            assert client.portal.call(state.drain, 0.2) is False  # the final decode takes 2 s
            messages, close = drain(ws)  # it still finishes properly while the server is alive
            assert messages[-1]["type"] == "Termination" and close["code"] == 1000
