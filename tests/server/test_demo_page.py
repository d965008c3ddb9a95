"""The browser demo page (GET /, /static/*) and its same-origin token endpoint (GET /demo/token)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from hushscribe.server.app import STATIC_DIR
from hushscribe.server.tokens import REUSED
from hushscribe.settings import ServerConfig

from .conftest import API_KEY, drain, recv_json, send_audio, terminate, utterance

DEMO = {"X-Hushscribe-Demo": "1"}


def test_page_and_its_assets_are_served_locally(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert asset.startswith("/static/"), f"{asset}: every asset must be served by the server (no CDN)"
        assert client.get(asset).status_code == 200, asset
    assert client.get("/static/pcm-worklet.js").headers["content-type"].startswith("text/javascript")
    for ctl in ("redact_pii", "redact_pii_policies", "redact_pii_sub", "format_turns", "speech_model",
                "include_partial_turns", "start", "stop", "status", "transcript"):
        assert f'id="{ctl}"' in page, ctl


def test_no_remote_urls_and_no_key_in_the_static_files():
    for path in STATIC_DIR.iterdir():
        text = path.read_text()
        assert not re.search(r"(?:https?:)?//[a-z0-9-]+\.[a-z]", text, re.I), f"{path.name} references a remote URL"
        assert API_KEY not in text and "api_key" not in text.lower().replace("api key", "")


def test_static_route_refuses_anything_but_the_flat_asset_files(client):
    assert client.get("/static/nothere.js").status_code == 404
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/%2E%2E%2Fapp.py").status_code == 404


def test_demo_token_needs_the_page_header_and_opens_one_session(client):
    # Without the header (a cross-origin page could not add it without a CORS preflight): refused.
    assert client.get("/demo/token").status_code == 403
    r = client.get("/demo/token", headers=DEMO)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    token = r.json()["token"]
    assert r.json()["expires_in_seconds"] <= 60
    with client.websocket_connect(f"/v3/ws?sample_rate=16000&token={token}") as ws:
        begin = recv_json(ws)
        assert begin["type"] == "Begin"
        send_audio(ws, utterance())
        terminate(ws)
        msgs, close = drain(ws, timeout=10)
    assert any(m["type"] == "Turn" and m["end_of_turn"] for m in msgs)
    assert close["code"] == 1000
    with client.websocket_connect(f"/v3/ws?sample_rate=16000&token={token}") as ws:
        messages, close = drain(ws)
    assert messages == [{"type": "Error", "error_code": 1008, "error": REUSED}] and close["code"] == 1008


@pytest.mark.parametrize("demo_page,host,on", [
    ("auto", "127.0.0.1", True), ("auto", "::1", True), ("auto", "localhost", True),
    ("auto", "0.0.0.0", False), ("auto", "192.168.1.5", False), ("on", "0.0.0.0", True),
    ("off", "127.0.0.1", False),
])
def test_demo_page_setting(demo_page, host, on):
    assert ServerConfig(demo_page=demo_page, host=host).demo_page_enabled is on


def test_demo_page_off_serves_neither_page_nor_tokens(make_client):
    c = make_client(demo_page="off")
    r = c.get("/")
    assert r.status_code == 404 and "--demo-page" in r.text
    assert c.get("/demo/token", headers=DEMO).status_code == 404
    assert c.get("/static/app.js").status_code == 404


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_auto_refuses_requests_through_a_reverse_proxy(client, make_client, header):
    # A loopback bind behind a proxy is reachable from everywhere the proxy is: 'auto' must not serve it.
    proxy = {header: "203.0.113.7"}
    assert client.get("/", headers=proxy).status_code == 403
    r = client.get("/demo/token", headers={**DEMO, **proxy})
    assert r.status_code == 403 and "--demo-page on" in r.json()["error"]
    on = make_client(demo_page="on")
    assert on.get("/", headers=proxy).status_code == 200
    assert on.get("/demo/token", headers={**DEMO, **proxy}).status_code == 200


WORKLET_HARNESS = r"""
const fs = require("fs"), vm = require("vm");
const [path, rate, channels] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const posted = [];
let Proc;
const ctx = {
  sampleRate: rate, Math, Float32Array, Int16Array,
  AudioWorkletProcessor: class { constructor() { this.port = { postMessage: (b) => posted.push(new Int16Array(b)) }; } },
  registerProcessor: (name, cls) => { Proc = cls; },
};
vm.runInNewContext(fs.readFileSync(path, "utf8"), ctx);
const p = new Proc();
// 1 s of a 440 Hz tone at half scale, in the 128-frame render quanta a browser uses.
for (let start = 0; start < rate; start += 128) {
  const input = [];
  for (let c = 0; c < channels; c++) {
    const ch = new Float32Array(Math.min(128, rate - start));
    for (let i = 0; i < ch.length; i++) ch[i] = 0.5 * Math.sin(2 * Math.PI * 440 * (start + i) / rate);
    input.push(ch);
  }
  p.process([input]);
}
process.stdout.write(JSON.stringify(posted.map((a) => Array.from(a))));
"""


@pytest.mark.parametrize("rate,channels", [(16000, 1), (48000, 2), (44100, 1)])
def test_worklet_sends_16khz_pcm16_in_100ms_chunks(tmp_path, rate, channels):
    """The AudioWorklet's own code, run under node with a stub AudioWorkletProcessor."""

    node = shutil.which("node")
    if not node:
        pytest.skip("node not installed")
    harness = tmp_path / "harness.js"
    harness.write_text(WORKLET_HARNESS)
    r = subprocess.run([node, str(harness), str(STATIC_DIR / "pcm-worklet.js"), str(rate), str(channels)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    chunks = json.loads(r.stdout)
    assert len(chunks) in (9, 10) and all(len(c) == 1600 for c in chunks)  # 100 ms at 16 kHz
    x = np.concatenate([np.array(c, np.float64) for c in chunks]) / 32768
    assert 0.3 < np.abs(x).max() <= 0.51  # half scale survives (mixing and resampling keep the level)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    peak_hz = np.argmax(spectrum) * 16000 / len(x)
    assert abs(peak_hz - 440) < 5, peak_hz  # the tone is still 440 Hz: the rate conversion is right
