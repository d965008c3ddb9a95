"""Structured logs (log_format=json): every record is one JSON line; one 'session start' and one
'session end' event per session with id, parameters, durations and close code; no API key, no
temporary token, no keyterms and no transcript text with redact_pii, at any level, through a real
uvicorn server (whose own upgrade log lines carry the query string)."""

from __future__ import annotations

import json
import logging
import urllib.parse

import httpx
import pytest
import websocket

from hushscribe.engine.fake import FakeEngine
from hushscribe.server.logs import JsonFormatter, configure, log_event

from .conftest import API_KEY, chunks, utterance

PII_TEXT = "My name is John Smith, card 4111 1111 1111 1111, email john.smith@example.com."
SECRETS = ("John", "Smith", "4111", "john.smith", "example.com", "Quixotic")


def _session(server, query: str, headers: dict | None = None) -> list[dict]:
    ws = websocket.create_connection(f"{server.ws_url}?{query}", header=headers or {}, timeout=10)
    out: list[dict] = []
    try:
        for c in chunks(utterance(1500, 1500), 100):
            ws.send_binary(c)
        ws.send('{"type":"Terminate"}')
        while True:
            op, data = ws.recv_data(control_frame=False)
            if op == websocket.ABNF.OPCODE_CLOSE:
                return out
            out.append(json.loads(data))
    finally:
        ws.close()


def test_json_log_lines_have_session_events_and_no_key_token_or_pii(make_server, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    server = make_server(engine=FakeEngine(lambda req: PII_TEXT))
    caplog.set_level(logging.DEBUG, logger="uvicorn.error")  # the fixture set it to warning
    token = httpx.get(f"{server.http_url}/v3/token?expires_in_seconds=60", headers={"Authorization": API_KEY}).json()["token"]
    keyterms = urllib.parse.quote(json.dumps(["Quixotic"]))
    base = f"sample_rate=16000&redact_pii=true&format_turns=true&keyterms_prompt={keyterms}"
    by_key = _session(server, base, {"Authorization": API_KEY})
    by_token = _session(server, f"{base}&token={token}")
    refused = _session(server, base, {"Authorization": "wrong-" + API_KEY})
    assert by_key[-1]["type"] == "Termination" and by_token[-1]["type"] == "Termination"
    assert refused[0]["error_code"] == 1008

    fmt = JsonFormatter()
    lines = [fmt.format(r) for r in caplog.records]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all("\n" not in line for line in lines)
    starts = [r for r in records if r.get("event") == "session start"]
    ends = [r for r in records if r.get("event") == "session end"]
    assert [s["auth"] for s in starts] == ["key", "token"]
    assert {s["id"] for s in starts} == {e["id"] for e in ends}
    for s in starts:
        assert s["redact_pii"] is True and s["sample_rate"] == 16000 and s["keyterms"] == 1
        assert s["max_session_s"] == 10800
    for e in ends:
        assert e["close_code"] == 1000 and e["audio_s"] == 3.0 and e["wall_s"] >= 0
    assert [r["reason"] for r in records if r.get("event") == "session refused"] == ["auth"]
    assert any("WebSocket" in r.get("msg", "") for r in records)  # uvicorn's upgrade lines are there, cut
    blob = "\n".join(lines)
    for secret in (API_KEY, token, token.split(".")[1], *SECRETS):
        assert secret.lower() not in blob.lower(), secret


def test_text_and_json_formats_of_an_event(capsys):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        for fmt in ("text", "json"):
            configure("info", fmt)
            log_event(logging.getLogger("hushscribe.session"), "session end", id="abc", close_code=1000, wall_s=1.5)
        err = capsys.readouterr().err.splitlines()
    finally:
        root.handlers[:], _ = saved[0], None
        root.setLevel(saved[1])
    assert err[0].endswith("hushscribe.session: session end id=abc close_code=1000 wall_s=1.5")
    record = json.loads(err[1])
    assert record["event"] == "session end" and record["id"] == "abc" and record["close_code"] == 1000
    assert record["level"] == "info" and record["logger"] == "hushscribe.session" and record["ts"].endswith("Z")


@pytest.fixture
def root_logging():
    """Put the root logger back as it was after a test that calls configure()."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


@pytest.mark.parametrize("level", ["info", "debug"])
def test_third_party_info_lines_only_at_debug(root_logging, capsys, level):
    """Start-up is quiet: Presidio's one 'Loaded recognizer' line per recogniser (and any other library's
    INFO) shows only at --log-level debug; the server's own lines and everyone's warnings always do."""
    configure(level, "text")
    logging.getLogger("presidio-analyzer").info("Loaded recognizer: UsSsnRecognizer")
    logging.getLogger("some_library.module").info("some library detail")
    logging.getLogger("presidio-analyzer").warning("a real problem")
    logging.getLogger("hushscribe.server").info("ready")
    err = capsys.readouterr().err
    assert "a real problem" in err and "ready" in err
    assert ("Loaded recognizer" in err) == (level == "debug")
    assert ("some library detail" in err) == (level == "debug")
