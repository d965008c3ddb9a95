"""'hushscribe serve' as a real process with the bundled model: TLS with the official AssemblyAI JS SDK
(which insists on wss://), and the graceful SIGTERM drain (open sessions get their final turn and
Termination, the process exits 0). The server logs JSON lines, checked for the session events and
for the absence of the key and token."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
import websocket

from hushscribe.bench.stream import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
JS_DIR = Path(__file__).parent / "js"
_SCRIPT = Path(sys.executable).parent / "hushscribe"
HUSHSCRIBE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "hushscribe.cli.main"]
KEY = "e2e-process-key-5f1c"


class ServeProcess:
    def __init__(self, proc: subprocess.Popen, port: int, log_path: Path):
        self.proc, self.port, self.log_path = proc, port, log_path

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def json_log(self) -> list[dict]:
        """Every log line parses as JSON (the first line is the plain 'listening on' banner)."""
        out = []
        for line in self.log_lines():
            if line.startswith("hushscribe: "):
                continue
            out.append(json.loads(line))
        return out


@contextlib.contextmanager
def serve_process(tmp_path: Path, *args: str, tls: tuple[Path, Path] | None = None) -> Iterator[ServeProcess]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUSHSCRIBE_")}
    env.update(HUSHSCRIBE_API_KEYS=KEY, HUSHSCRIBE_HOME=str(tmp_path / "home"), HUSHSCRIBE_LOG_FORMAT="json")
    cmd = [*HUSHSCRIBE, "serve", "--port", str(port), *args]
    if tls:
        cmd += ["--ssl-certfile", str(tls[0]), "--ssl-keyfile", str(tls[1])]
    log_path = tmp_path / f"serve-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    sp = ServeProcess(proc, port, log_path)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "\n".join(sp.log_lines())
            assert time.monotonic() < deadline, "server did not start"
            if any("Application startup complete" in line for line in sp.log_lines()):
                break
            time.sleep(0.2)
        yield sp
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def wav_pcm(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        return w.readframes(w.getnframes())


# =============================================================================================
# SIGTERM drain
# =============================================================================================


def test_sigterm_lets_the_open_turn_finish_sends_termination_and_exits_0(tmp_path, audio_dir):
    pcm = wav_pcm(audio_dir / "real" / "austen_0870.wav")[: 16000 * 2 * 4]  # 4 s: mid-sentence
    with serve_process(tmp_path, "--shutdown-grace-s", "60") as sp:
        ws = websocket.create_connection(f"ws://127.0.0.1:{sp.port}/v3/ws?sample_rate=16000",
                                         header={"Authorization": KEY}, timeout=60)
        messages: list[dict] = []
        close_code: list[int | None] = []

        def read() -> None:
            while True:
                try:
                    op, data = ws.recv_data(control_frame=False)
                except Exception:
                    close_code.append(None)
                    return
                if op == websocket.ABNF.OPCODE_CLOSE:
                    close_code.append(int.from_bytes(data[:2], "big"))
                    return
                messages.append(json.loads(data))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        for i in range(0, len(pcm), 3200):
            ws.send_binary(pcm[i : i + 3200])
            time.sleep(0.01)
        time.sleep(1.0)  # let the server read it all; no Terminate: the turn is still open
        t0 = time.monotonic()
        sp.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(OSError):  # no longer accepting
            socket.create_connection(("127.0.0.1", sp.port), timeout=2).close()
        rc = sp.proc.wait(90)
        reader.join(10)
        ws.close()
        log = sp.json_log()
    assert rc == 0, "\n".join(sp.log_lines()[-30:])
    assert messages[0]["type"] == "Begin"
    finals = [m for m in messages if m.get("type") == "Turn" and m["end_of_turn"]]
    assert finals and len(finals[-1]["transcript"].split()) >= 4, messages
    assert messages[-1]["type"] == "Termination", messages
    assert close_code == [1000]
    print(f"SIGTERM drain: final {finals[-1]['transcript']!r}, exit after {time.monotonic() - t0:.1f} s")
    ends = [r for r in log if r.get("event") == "session end"]
    assert len(ends) == 1 and ends[0]["close_code"] == 1000 and ends[0]["audio_s"] == 4.0


# =============================================================================================
# TLS + the AssemblyAI JS SDK
# =============================================================================================


@pytest.fixture(scope="module")
def node_project() -> Path:
    """The pinned 'assemblyai' npm package installed from tests/e2e/js/package-lock.json (npm ci),
    reused while the lock file is unchanged."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node/npm are not installed: the AssemblyAI JS SDK cannot run")
    stamp = JS_DIR / "node_modules" / ".package-lock.json"
    lock = JS_DIR / "package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS_DIR,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"npm ci failed:\n{r.stdout}\n{r.stderr}"
    return JS_DIR


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed: cannot make the test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def run_js(project: Path, cert: Path, port: int, wav: Path, auth: str) -> list[dict]:
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=str(cert), HS_URL=f"wss://127.0.0.1:{port}/v3/ws",
               HS_KEY=KEY, HS_WAV=str(wav), HS_AUTH=auth)
    r = subprocess.run(["node", "stream.mjs"], cwd=project, env=env, capture_output=True, text=True, timeout=180)
    events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    return events


def test_js_sdk_completes_a_session_over_tls(tmp_path, audio_dir, node_project, certificate):
    cert, key = certificate
    with serve_process(tmp_path, tls=(cert, key)) as sp:
        # Plain HTTPS works with the same certificate (health, token endpoint).
        ctx = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(f"https://127.0.0.1:{sp.port}/health", context=ctx, timeout=10) as r:
            assert json.loads(r.read()) == {"status": "ok"}
        t0 = time.monotonic()
        events = run_js(node_project, cert, sp.port, audio_dir / "real" / "jfk.wav", "key")
        took = time.monotonic() - t0
        token_events = run_js(node_project, cert, sp.port, audio_dir / "real" / "austen_0880.wav", "token")
        lines = sp.log_lines()
    kinds = [e["event"] for e in events]
    assert kinds[0] == "begin" and "fatal" not in kinds and "error" not in kinds, events
    finals = [e for e in events if e["event"] == "turn" and e["end_of_turn"] and e["turn_is_formatted"]]
    text = " ".join(f["transcript"] for f in finals).lower()
    for word in ("fellow americans", "country"):
        assert word in text, events
    assert "termination" in kinds and kinds.index("termination") > max(i for i, k in enumerate(kinds) if k == "turn")
    assert events[-1] == {"event": "closed"} or events[-1]["event"] == "closed"
    print(f"JS SDK over wss: {len(finals)} formatted finals in {took:.1f} s: {text!r}")
    # The token path: minted by the SDK over https, used as ?token= over wss.
    tkinds = [e["event"] for e in token_events]
    assert tkinds[:2] == ["token", "begin"] and "termination" in tkinds, token_events
    assert any(e["event"] == "turn" and e["end_of_turn"] for e in token_events), token_events
    blob = "\n".join(lines)
    assert KEY not in blob and "hs1." not in blob  # neither the key nor the token is logged
    starts = [json.loads(line) for line in lines if '"session start"' in line]
    assert [s["auth"] for s in starts] == ["key", "token"]
