"""With redact_pii on, nothing a caller said reaches the logs, at any level, and finals are redacted."""

from __future__ import annotations

import logging

from starlette.testclient import TestClient

from hushscribe.engine.fake import FakeEngine

from .conftest import API_KEY, auth, build_app, drain, send_audio, terminate, utterance

PII_TEXT = "My name is John Smith, card 4111 1111 1111 1111, email john.smith@example.com."
SECRETS = ("John", "Smith", "4111", "john.smith", "example.com")


def test_pii_session_logs_no_transcript_or_key(caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    app = build_app(engine=FakeEngine(lambda req: PII_TEXT))
    with TestClient(app) as client:
        url = "/v3/ws?sample_rate=16000&redact_pii=true&format_turns=true&include_partial_turns=true"
        with client.websocket_connect(url, headers=auth()) as ws:
            send_audio(ws, utterance(1500, 1500))
            terminate(ws)
            messages, _ = drain(ws, timeout=30)
    finals = [m for m in messages if m.get("type") == "Turn" and m["end_of_turn"]]
    assert finals, messages
    for f in finals:
        blob = f["transcript"] + " ".join(w["text"] for w in f["words"]) + f["utterance"]
        for secret in SECRETS:
            assert secret.lower() not in blob.lower(), (secret, f["transcript"])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "session start" in logged and "session end" in logged  # logging did happen
    for secret in SECRETS + (API_KEY,):
        assert secret.lower() not in logged.lower(), secret
