"""Redacted audio and the audit trail through the server (extensions; docs/protocol.md).

Scripted engine (words spread evenly over each decode's audio), the real PII detector, energy VAD.
Checked: the ``hushscribe_redact_audio`` parameter's refusals; the redacted WAV lines up with the
audio sent (same rate, same length, only the redacted words' padded spans differ) and is handed out
once, to the opening key only; the audit trail (endpoint, log event, counter, file) names policy,
words, times, detector and score but never the value; directory mode; TTL expiry.
"""

from __future__ import annotations

import io
import json
import logging
import time
import urllib.error
import urllib.request
import wave

import numpy as np
import pytest
import websocket  # websocket-client: a real socket, so the server sees the client leave
from starlette.testclient import TestClient

from hushscribe.engine.fake import FakeEngine
from hushscribe.server.artifacts import SessionArtifacts
from hushscribe.settings import ServerConfig

from .conftest import API_KEY, auth, build_app, chunks, drain, recv_json, send_audio, serve, silence, speech, terminate

OTHER_KEY = "other-key"
PII_TEXT = "My name is John Smith, thanks."
SECRETS = ("john", "smith")
QUERY = "/v3/ws?sample_rate=16000&redact_pii=true&redact_pii_sub=entity_name&hushscribe_redact_audio=true"
AUDIT_KEYS = {"turn_order", "turn_is_formatted", "word_indices", "start_ms", "end_ms", "policy", "detector", "score"}
PAD_MS = 100


def pii_app(**config):
    config.setdefault("redacted_audio", "download")
    config.setdefault("redacted_audio_pad_ms", PAD_MS)
    config.setdefault("redacted_audio_fill", "silence")
    return build_app(engine=FakeEngine(lambda req: PII_TEXT), api_keys=(API_KEY, OTHER_KEY), **config)


def audio() -> bytes:
    # noise-free speech (a sine) everywhere, so every redacted sample visibly changes to 0
    return silence(300) + speech(1500) + silence(1200)


def run_session(client: TestClient, query: str = QUERY, pcm: bytes | None = None, headers=None):
    pcm = audio() if pcm is None else pcm
    with client.websocket_connect(query, headers=headers or auth()) as ws:
        begin = recv_json(ws)
        assert begin["type"] == "Begin", begin
        send_audio(ws, pcm)
        terminate(ws)
        messages, close = drain(ws, timeout=30)
    return begin, messages, close


def finals(messages):
    return [m for m in messages if m.get("type") == "Turn" and m["end_of_turn"]]


def read_wav(data: bytes):
    with wave.open(io.BytesIO(data)) as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), "<i2")


def refused(client: TestClient, query: str) -> dict:
    with client.websocket_connect(query, headers=auth()) as ws:
        msg = recv_json(ws)
        drain(ws)
    return msg


def test_the_parameter_needs_redact_pii_and_a_server_that_makes_copies():
    with TestClient(pii_app()) as client:
        err = refused(client, "/v3/ws?sample_rate=16000&hushscribe_redact_audio=true")
        assert err == {"type": "Error", "error_code": 3006, "error": "User Input Validation Error: Invalid "
                       "'hushscribe_redact_audio': Value error, hushscribe_redact_audio requires redact_pii=true"}
    with TestClient(pii_app(redacted_audio="off")) as client:
        err = refused(client, QUERY)
        assert err["error_code"] == 3006 and "redacted audio is off on this server" in err["error"]


def test_redacted_wav_matches_the_sent_audio_outside_the_redacted_words_and_downloads_once():
    pcm = audio()
    with TestClient(pii_app()) as client:
        begin, messages, close = run_session(client, pcm=pcm)
        assert close["code"] == 1000
        term = messages[-1]
        sid = begin["id"]
        url = f"/v3/sessions/{sid}/redacted-audio"
        assert term["type"] == "Termination"
        assert term["hushscribe_redacted_audio_url"] == url
        assert term["hushscribe_redacted_audio_expires_in_seconds"] == 600
        (final,) = finals(messages)
        hidden = [w for w in final["words"] if w["text"].startswith("[")]
        assert [w["text"] for w in hidden] == ["[PERSON_NAME]", "[PERSON_NAME]"]

        assert client.get(url).status_code == 401  # no key
        assert client.get(url, headers=auth("wrong")).status_code == 401
        assert client.get(url, headers=auth(OTHER_KEY)).status_code == 404  # not the opener's key
        r = client.get(url, headers=auth())
        assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
        assert r.headers["cache-control"] == "no-store"
        assert client.get(url, headers=auth()).status_code == 404  # once

    channels, width, rate, out = read_wav(r.content)
    sent = np.frombuffer(pcm, "<i2")
    assert (channels, width, rate, len(out)) == (1, 2, 16000, len(sent))
    a = (hidden[0]["start"] - PAD_MS) * 16
    b = (hidden[-1]["end"] + PAD_MS) * 16
    assert np.all(out[a:b] == 0)
    assert np.array_equal(out[:a], sent[:a]) and np.array_equal(out[b:], sent[b:])
    assert np.any(sent[a:b] != 0)  # there was speech to hide


def test_audit_trail_endpoint_log_and_counter_never_hold_the_value(caplog):
    caplog.set_level(logging.INFO)
    with TestClient(pii_app()) as client:
        begin, messages, _ = run_session(client)
        sid = begin["id"]
        r = client.get(f"/v3/sessions/{sid}/audit", headers=auth())
        assert r.status_code == 200
        body = r.json()
        assert client.get(f"/v3/sessions/{sid}/audit", headers=auth(OTHER_KEY)).status_code == 404
        assert client.get(f"/v3/sessions/{sid}/audit").status_code == 401
        assert client.get("/v3/sessions/no-such-session/audit", headers=auth()).status_code == 404
        metrics = client.get("/metrics").text
    assert body["session_id"] == sid and body["session_open"] is False
    (rec,) = body["redactions"]  # "John Smith": one detection, two words
    assert set(rec) == AUDIT_KEYS
    (final,) = finals(messages)
    assert rec["turn_order"] == final["turn_order"] == 0 and rec["turn_is_formatted"] is False
    assert [final["words"][i]["text"] for i in rec["word_indices"]] == ["[PERSON_NAME]", "[PERSON_NAME]"]
    assert rec["start_ms"] == final["words"][rec["word_indices"][0]]["start"]
    assert rec["end_ms"] == final["words"][rec["word_indices"][-1]]["end"]
    assert rec["policy"] == "person_name" and rec["detector"] and 0.5 <= rec["score"] <= 1
    assert 'hushscribe_redactions_total{policy="person_name"} 1.0' in metrics
    assert 'hushscribe_redacted_audio_total{outcome="made"} 1.0' in metrics
    events = [r for r in caplog.records if getattr(r, "event", None) == "redaction"]
    assert [dict(e.fields) for e in events] == [{"id": sid, **rec}]
    logged = (json.dumps(body) + "\n".join(r.getMessage() for r in caplog.records)).lower()
    for secret in SECRETS:
        assert secret not in logged


def test_directory_mode_writes_a_private_file_and_offers_no_download(tmp_path):
    out_dir, audit_dir = tmp_path / "redacted", tmp_path / "audit"
    with TestClient(pii_app(redacted_audio="directory", redacted_audio_dir=str(out_dir),
                            audit_dir=str(audit_dir))) as client:
        begin, messages, _ = run_session(client)
        sid = begin["id"]
        assert messages[-1]["hushscribe_redacted_audio_file"] == f"{sid}.wav"
        assert "hushscribe_redacted_audio_url" not in messages[-1]
        assert client.get(f"/v3/sessions/{sid}/redacted-audio", headers=auth()).status_code == 404
    wav = out_dir / f"{sid}.wav"
    assert sorted(p.name for p in out_dir.iterdir()) == [wav.name]  # no temporary left, nothing else
    assert oct(wav.stat().st_mode & 0o777) == "0o600" and oct(out_dir.stat().st_mode & 0o777) == "0o700"
    assert len(read_wav(wav.read_bytes())[3]) == len(audio()) // 2
    lines = [json.loads(x) for x in (audit_dir / f"{sid}.jsonl").read_text().splitlines()]
    assert [set(x) for x in lines] == [AUDIT_KEYS | {"session_id"}]
    assert oct((audit_dir / f"{sid}.jsonl").stat().st_mode & 0o777) == "0o600"


def test_mulaw_8khz_session_gets_a_16bit_wav_at_8khz():
    rng = np.random.default_rng(0)
    pcm = bytes(8000 * 1) + bytes(rng.integers(0, 256, 8000 * 2, dtype=np.uint8)) + bytes([0xFF]) * 8000
    with TestClient(pii_app()) as client:
        begin, messages, _ = run_session(client, QUERY.replace("16000", "8000") + "&encoding=pcm_mulaw",
                                         pcm=pcm)
        r = client.get(messages[-1]["hushscribe_redacted_audio_url"], headers=auth())
    channels, width, rate, out = read_wav(r.content)
    assert (channels, width, rate, len(out)) == (1, 2, 8000, len(pcm))


def test_server_default_makes_copies_for_clients_that_cannot_send_the_parameter():
    with TestClient(pii_app(redacted_audio_default=True)) as client:
        begin, messages, _ = run_session(client, "/v3/ws?sample_rate=16000&redact_pii=true")
        assert "hushscribe_redacted_audio_url" in messages[-1]
        _, plain, _ = run_session(client, "/v3/ws?sample_rate=16000")
        assert "hushscribe_redacted_audio_url" not in plain[-1]  # no redact_pii: no copy, no audit
        assert client.get(f"/v3/sessions/{begin['id']}/audit", headers=auth()).status_code == 200


def test_a_token_session_belongs_to_the_key_that_minted_the_token():
    with TestClient(pii_app()) as client:
        token = client.get("/v3/token?expires_in_seconds=60", headers=auth()).json()["token"]
        begin, messages, _ = run_session(client, QUERY + f"&token={token}", headers={"X-Nothing": "1"})
        url = messages[-1]["hushscribe_redacted_audio_url"]
        assert client.get(url, headers=auth(token)).status_code == 401  # a token cannot fetch
        assert client.get(url, headers=auth(OTHER_KEY)).status_code == 404
        assert client.get(url, headers=auth()).status_code == 200


def test_a_session_that_ends_without_termination_leaves_no_copy():
    app = pii_app()
    with serve(app) as srv:
        ws = websocket.create_connection(srv.ws_url + QUERY.removeprefix("/v3/ws"), header=auth())
        sid = json.loads(ws.recv())["id"]
        for c in chunks(audio()):
            ws.send_binary(c)
        ws.close()  # no Terminate
        deadline = time.monotonic() + 60
        while app.state.hs.sessions and time.monotonic() < deadline:  # wait for the server to notice
            time.sleep(0.05)
        assert not app.state.hs.sessions

        def status(path: str) -> int:
            req = urllib.request.Request(f"{srv.http_url}/v3/sessions/{sid}/{path}", headers=auth())
            try:
                return urllib.request.urlopen(req, timeout=60).status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert status("redacted-audio") == 404  # the recording was dropped, no copy made
        assert status("audit") == 200  # the audit trail of what was sent stays


# ---------------------------------------------------------------------------------------------
# The store, with a fake clock
# ---------------------------------------------------------------------------------------------


class Clock:
    t = 100.0

    def __call__(self):
        return self.t


def test_store_expires_audio_after_its_ttl_and_the_trail_after_the_session_ends():
    clock = Clock()
    store = SessionArtifacts(audio_ttl_s=60, audit_ttl_s=300, clock=clock)
    store.open("s1", "k")
    store.add_audit("s1", [{"policy": "person_name"}])
    store.put_audio("s1", b"RIFF")
    clock.t += 1000  # a long session: the trail lives while it is open
    assert store.audit("s1", "k") == [{"policy": "person_name"}]
    assert store.take_audio("s1", "k") is None  # the copy's own TTL ran out
    store.end("s1")
    clock.t += 299
    assert store.audit("s1", "k") == [{"policy": "person_name"}]
    clock.t += 1
    store.sweep()
    assert store.audit("s1", "k") is None and len(store) == 0


def test_store_hands_the_copy_out_once_and_only_to_its_key():
    store = SessionArtifacts(audio_ttl_s=60, audit_ttl_s=0, clock=Clock())
    store.open("s1", "k")
    store.add_audit("s1", [{"policy": "x"}])
    store.put_audio("s1", b"RIFF")
    assert store.audio_bytes == 4
    assert store.audit("s1", "k") is None  # audit_ttl_s 0: the endpoint is off
    assert store.take_audio("s1", "other") is None
    assert store.take_audio("s1", "k") == b"RIFF"
    assert store.take_audio("s1", "k") is None and store.audio_bytes == 0


@pytest.mark.parametrize("bad", [dict(redacted_audio="directory"), dict(redacted_audio_default=True),
                                 dict(redacted_audio_pad_ms=-1), dict(audit_ttl_s=-1)])
def test_settings_refuse_inconsistent_redacted_audio_options(bad):
    with pytest.raises(ValueError):
        ServerConfig(**bad).validate()


def test_behind_a_proxy_prefix_the_url_keeps_the_prefix():
    with TestClient(pii_app()) as client:
        begin, messages, _ = run_session(client, "/asr" + QUERY)
        url = messages[-1]["hushscribe_redacted_audio_url"]
        assert url == f"/asr/v3/sessions/{begin['id']}/redacted-audio"
        assert client.get(url, headers=auth()).status_code == 200
        assert client.get(f"/asr/v3/sessions/{begin['id']}/audit", headers=auth()).status_code == 200


def test_a_copy_that_cannot_be_written_is_reported_and_termination_still_arrives(tmp_path, caplog):
    out_dir = tmp_path / "redacted"
    with TestClient(pii_app(redacted_audio="directory", redacted_audio_dir=str(out_dir))) as client:
        out_dir.rmdir()
        out_dir.write_text("not a directory")  # the operator's directory went away
        begin, messages, close = run_session(client)
        metrics = client.get("/metrics").text
    assert messages[-1]["type"] == "Termination" and close["code"] == 1000
    assert "hushscribe_redacted_audio_file" not in messages[-1]
    assert 'hushscribe_redacted_audio_total{outcome="failed"} 1.0' in metrics
    assert any(getattr(r, "event", None) == "redacted audio failed" for r in caplog.records)
