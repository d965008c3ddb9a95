"""Admission control (3009 beyond max_sessions, admitted sessions unaffected) and /metrics."""

from __future__ import annotations

import threading

from starlette.testclient import TestClient

from hushscribe.engine.fake import FakeEngine

from .conftest import auth, build_app, drain, recv_json, send_audio, terminate, utterance, wait_until

URL = "/v3/ws?sample_rate=16000"


def test_session_beyond_the_limit_is_refused_with_3009_while_others_keep_streaming():
    with TestClient(build_app(max_sessions=2)) as client:
        with client.websocket_connect(URL, headers=auth()) as a, client.websocket_connect(URL, headers=auth()) as b:
            assert recv_json(a)["type"] == "Begin" and recv_json(b)["type"] == "Begin"
            assert client.get("/ready").status_code == 503  # full: balancers stop sending
            with client.websocket_connect(URL, headers=auth()) as c:
                msg = recv_json(c)
                assert msg == {"type": "Error", "error_code": 3009,
                               "error": "Unauthorized Connection: Too many concurrent sessions"}
            for ws in (a, b):  # the admitted sessions still work
                send_audio(ws, utterance(1000, 1000))
                terminate(ws)
                messages, close = drain(ws, timeout=10)
                assert any(m.get("type") == "Turn" and m["end_of_turn"] for m in messages)
                assert messages[-1]["type"] == "Termination"
        body = client.get("/metrics").text
        assert 'hushscribe_sessions_refused_total{reason="capacity"} 1.0' in body
        assert client.get("/ready").json()["free_slots"] == 2


def test_metrics_expose_sessions_latency_decodes_and_audio():
    with TestClient(build_app()) as client:
        with client.websocket_connect(URL, headers=auth()) as ws:
            recv_json(ws)
            send_audio(ws, utterance(1000, 1500))
            terminate(ws)
            drain(ws, timeout=10)
        r = client.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        body = r.text
        for name in ("hushscribe_active_sessions", "hushscribe_decode_queue_depth", "hushscribe_sessions_total",
                     "hushscribe_final_latency_seconds_count", "hushscribe_decode_seconds_count",
                     "hushscribe_audio_seconds_total", "hushscribe_partials_skipped_total"):
            assert name in body, name
        line = next(x for x in body.splitlines() if x.startswith("hushscribe_final_latency_seconds_count"))
        assert float(line.split()[-1]) >= 1
        audio = next(x for x in body.splitlines() if x.startswith("hushscribe_audio_seconds_total"))
        assert abs(float(audio.split()[-1]) - 2.5) < 0.01


class _HeldEngine(FakeEngine):
    """Decodes wait for ``release``: the test knows a decode is running and the backlog is there."""

    def __init__(self) -> None:
        super().__init__(lambda req: "hello world.")
        self.release = threading.Event()
        self.running = threading.Event()

    def transcribe(self, request):
        self.running.set()
        assert self.release.wait(10)
        return super().transcribe(request)


def test_measured_decode_backlog_refuses_new_sessions_with_3009_until_it_clears():
    engine = _HeldEngine()
    # One worker; a running decode counts as half the assumed 0.5 s decode: 0.25 s > 0.1 s.
    with TestClient(build_app(engine=engine, decode_workers=1, max_decode_backlog_s=0.1)) as client:
        with client.websocket_connect(URL, headers=auth()) as a:
            assert recv_json(a)["type"] == "Begin"
            send_audio(a, utterance(1000, 1000))
            assert engine.running.wait(10)
            ready = client.get("/ready")
            assert ready.status_code == 503 and ready.json()["decode_backlog_s"] > 0.1
            assert ready.json()["free_slots"] > 0  # the session count alone would admit more
            with client.websocket_connect(URL, headers=auth()) as c:
                assert recv_json(c) == {"type": "Error", "error_code": 3009,
                                        "error": "Unauthorized Connection: Too many concurrent sessions"}
            engine.release.set()
            terminate(a)
            messages, _ = drain(a, timeout=10)
            assert any(m.get("type") == "Turn" and m["end_of_turn"] for m in messages)
        assert wait_until(lambda: client.get("/ready").status_code == 200)
        with client.websocket_connect(URL, headers=auth()) as d:
            assert recv_json(d)["type"] == "Begin"
            terminate(d)
            assert drain(d, timeout=10)[0][-1]["type"] == "Termination"
        body = client.get("/metrics").text
        assert 'hushscribe_sessions_refused_total{reason="decode_backlog"} 1.0' in body
        assert "hushscribe_decode_backlog_seconds" in body and "hushscribe_decode_queue_wait_seconds" in body
