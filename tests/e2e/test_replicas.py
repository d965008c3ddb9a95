"""Two ``hushscribe serve`` replicas behind nginx, sharing Redis and a token secret: the set-up of
deploy/compose.yaml without containers. redis-server and nginx are Debian's (scripts/install-lb)
and run as the test user on loopback; nginx runs deploy/nginx.conf itself (rendered for loopback).

Checked through the balancer with real clients: sessions land on both replicas; a token minted by
one replica opens one session through nginx and is refused on reuse at the other; the per-key
session limit counts sessions on both replicas; SIGTERM on one replica drains its session (final
turn, Termination, close 1000, exit 0) while the other keeps serving, and new sessions go there."""

from __future__ import annotations

import json
import signal
import threading
import time
import urllib.request
import wave
from pathlib import Path

import pytest
import websocket

from hushscribe.bench.cluster import LocalCluster
from tests.server.conftest import require_lb, wait_until

pytestmark = pytest.mark.slow

KEY, OTHER_KEY = "replica-key-1", "replica-key-2"
PER_KEY = 2


class Session:
    """A raw WebSocket session with a reader thread (messages, then the close code)."""

    def __init__(self, url: str, key: str | None = None, token: str | None = None):
        target = f"{url}?sample_rate=16000" + (f"&token={token}" if token else "")
        self.ws = websocket.create_connection(target, header={"Authorization": key} if key else {}, timeout=60)
        self.messages: list[dict] = []
        self.close_code: int | None = None
        self.closed = threading.Event()
        self._begin = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                op, data = self.ws.recv_data(control_frame=False)
                if op == websocket.ABNF.OPCODE_CLOSE:
                    self.close_code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                    return
                self.messages.append(json.loads(data))
                self._begin.set()
        except Exception:
            return
        finally:
            self._begin.set()
            self.closed.set()

    def first(self) -> dict:
        assert self._begin.wait(60) and self.messages, f"no message within 60 s (close {self.close_code})"
        return self.messages[0]

    def send(self, pcm: bytes, pace_s: float = 0.01) -> None:
        for i in range(0, len(pcm), 3200):
            self.ws.send_binary(pcm[i : i + 3200])
            time.sleep(pace_s)

    def finish(self) -> None:
        self.ws.send(json.dumps({"type": "Terminate"}))
        assert self.closed.wait(120), "no close within 120 s"

    def finals(self) -> list[str]:
        return [m["transcript"] for m in self.messages if m.get("type") == "Turn" and m["end_of_turn"]]


def ready(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=10) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as exc:  # 503: not ready (still a JSON body)
        return json.loads(exc.read())


def active(cluster: LocalCluster) -> list[int]:
    return [ready(r.port)["active_sessions"] for r in cluster.replicas]


def mint(port: int, key: str) -> str:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v3/token?expires_in_seconds=120",
                                 headers={"Authorization": key})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["token"]


def pcm_of(path: Path, seconds: float) -> bytes:
    with wave.open(str(path)) as w:
        return w.readframes(w.getnframes())[: int(16000 * 2 * seconds)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_lb()
    c = LocalCluster(tmp_path_factory.mktemp("replicas"), replicas=2, key=f"{KEY},{OTHER_KEY}",
                     extra_args=["--max-sessions-per-key", str(PER_KEY), "--shutdown-grace-s", "60",
                                 "--log-level", "info"],
                     ready_timeout_s=180)
    c.start()
    yield c
    c.stop()


def test_replicas_behind_nginx_share_tokens_limits_and_drain_one_by_one(cluster, audio_dir):
    a, b = cluster.replicas
    url = cluster.url
    speech = pcm_of(audio_dir / "real" / "austen_0870.wav", 4.0)

    # 1. A token minted by replica a works once through the balancer, and is refused on reuse at the
    #    replica that did not serve it (and through the balancer).
    token = mint(a.port, OTHER_KEY)
    first = Session(url, token=token)
    assert first.first()["type"] == "Begin", first.messages
    assert wait_until(lambda: sum(active(cluster)) == 1)
    served_by = active(cluster).index(1)
    other = cluster.replicas[1 - served_by]
    for target in (f"ws://127.0.0.1:{other.port}/v3/ws", url):
        reuse = Session(target, token=token)
        msg = reuse.first()
        assert (msg.get("error_code"), msg.get("error")) == (1008, "Unauthorized Connection: Token has already been used")
        assert reuse.closed.wait(30) and reuse.close_code == 1008
    first.finish()
    assert first.messages[-1]["type"] == "Termination" and first.close_code == 1000
    assert wait_until(lambda: active(cluster) == [0, 0])
    time.sleep(1.0)  # nginx closes the proxied connections of step 1 (least_conn counts them) just after

    # 2. Sessions land on both replicas (least_conn: the second goes where the first is not).
    s1, s2 = Session(url, key=KEY), Session(url, key=KEY)
    assert s1.first()["type"] == "Begin" and s2.first()["type"] == "Begin"
    assert wait_until(lambda: active(cluster) == [1, 1]), active(cluster)

    # 3. The per-key limit (2) counts the sessions of both replicas: a third is refused everywhere,
    #    while another key is not limited by it.
    for target in (url, f"ws://127.0.0.1:{a.port}/v3/ws", f"ws://127.0.0.1:{b.port}/v3/ws"):
        third = Session(target, key=KEY)
        msg = third.first()
        assert (msg.get("error_code"), msg.get("error")) == (3009, "Unauthorized Connection: Too many concurrent sessions")
        assert third.closed.wait(30) and third.close_code == 3009
    s3 = Session(url, key=OTHER_KEY)
    assert s3.first()["type"] == "Begin"
    s3.finish()

    # 4. SIGTERM on replica a: its open session ends its turn (final, Termination, close 1000), the
    #    process exits 0, and replica b goes on serving -- its own session and new ones.
    on_a, on_b = (s1, s2) if _served_by(cluster, s1) == 0 else (s2, s1)
    for s in (on_a, on_b):
        s.send(speech)
    time.sleep(1.0)  # both servers have read the audio; no Terminate: the turns are still open
    a.proc.send_signal(signal.SIGTERM)
    assert a.proc.wait(120) == 0, a.log_tail(40)
    assert on_a.closed.wait(30) and on_a.close_code == 1000, on_a.messages
    assert on_a.messages[-1]["type"] == "Termination" and on_a.finals(), on_a.messages
    assert not on_b.closed.is_set()
    assert ready(b.port)["active_sessions"] == 1
    # a's session no longer counts against the key: a new one for KEY is admitted, on b.
    s4 = Session(url, key=KEY)
    assert s4.first()["type"] == "Begin", s4.messages
    assert ready(b.port)["active_sessions"] == 2
    s4.send(speech)
    for s in (on_b, s4):
        s.finish()
        assert s.messages[-1]["type"] == "Termination" and s.close_code == 1000, s.messages
        assert len(" ".join(s.finals()).split()) >= 4, s.messages

    # The balancer's access log names the replicas and never holds the token (no query strings).
    access = (cluster.workdir / "access.log").read_text()
    assert f"127.0.0.1:{a.port}" in access and f"127.0.0.1:{b.port}" in access
    assert token not in access and "token=" not in access
    for r in cluster.replicas:
        assert token not in Path(r.log.name).read_text(errors="replace")


def _served_by(cluster: LocalCluster, session: Session) -> int:
    """Which replica holds ``session``: the one whose log has its Begin id ('session start', info)."""
    sid = session.messages[0]["id"]
    for i, r in enumerate(cluster.replicas):
        if sid in Path(r.log.name).read_text(errors="replace"):
            return i
    raise AssertionError(f"session {sid} is in no replica's log")
