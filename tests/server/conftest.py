"""Fixtures for the server-level tests.

Two styles (both with the scripted :class:`FakeEngine` and the deterministic energy VAD, so no
model is loaded):

* ``make_client`` / ``client``: Starlette's in-process ``TestClient``, used as a context manager so
  the lifespan (scheduler start) runs. ``recv`` reads one ASGI message with a timeout, so a server
  that stays silent fails the test instead of hanging it.
* ``make_server`` / ``live_server``: a real uvicorn server on 127.0.0.1 in a background thread, for
  the official SDK, websocket-client and the ``hushscribe stream`` CLI.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import numpy as np
import pytest
import uvicorn
from starlette.testclient import TestClient

from hushscribe.bench.cluster import binary
from hushscribe.engine.fake import FakeEngine
from hushscribe.server.app import create_app
from hushscribe.server.serving import uvicorn_config
from hushscribe.settings import ServerConfig
from hushscribe.vad.energy import EnergyVoiceDetector
from tests.system_packages import require

API_KEY = "test-key"
RATE = 16000
SCRIPT_TEXT = "Hello world."

# ---------------------------------------------------------------------------------------------
# Synthetic audio: 16 kHz mono pcm_s16le. Speech is a 300 Hz sine at -10 dBFS (RMS), silence is
# digital zero; the energy VAD's threshold is -45 dBFS, so the two are unambiguous.
# ---------------------------------------------------------------------------------------------

SPEECH_AMPLITUDE = 10 ** (-10 / 20) * np.sqrt(2)  # peak of a sine whose RMS is -10 dBFS


def speech_samples(ms: int, rate: int = RATE) -> np.ndarray:
    t = np.arange(rate * ms // 1000) / rate
    return (SPEECH_AMPLITUDE * np.sin(2 * np.pi * 300 * t)).astype(np.float32)


def speech(ms: int, rate: int = RATE) -> bytes:
    return (speech_samples(ms, rate) * 32767).astype("<i2").tobytes()


def silence(ms: int, rate: int = RATE) -> bytes:
    return bytes(2 * (rate * ms // 1000))


def chunks(pcm: bytes, ms: int = 100, rate: int = RATE) -> list[bytes]:
    step = 2 * rate * ms // 1000
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]


def utterance(speech_ms: int = 1000, silence_ms: int = 1000) -> bytes:
    """One speech burst followed by enough silence for the turn to end on its own."""
    return speech(speech_ms) + silence(silence_ms)


# ---------------------------------------------------------------------------------------------
# App construction
# ---------------------------------------------------------------------------------------------


def default_engine() -> FakeEngine:
    return FakeEngine(lambda req: SCRIPT_TEXT)


def build_app(
    *,
    engine: FakeEngine | None = None,
    api_keys: tuple[str, ...] | None = (API_KEY,),
    **config: Any,
):
    config.setdefault("vad", "energy")
    return create_app(
        ServerConfig(**config),
        engine=engine if engine is not None else default_engine(),
        vad=EnergyVoiceDetector(),
        api_keys=api_keys,
    )


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """``make_client(engine=..., **ServerConfig fields)`` -> a started TestClient."""
    with contextlib.ExitStack() as stack:

        def factory(**kwargs: Any) -> TestClient:
            return stack.enter_context(TestClient(build_app(**kwargs)))

        yield factory


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


def auth(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": key}


# ---------------------------------------------------------------------------------------------
# TestClient websocket helpers
# ---------------------------------------------------------------------------------------------


def recv(ws, timeout: float = 5.0) -> dict:
    """The next raw ASGI message the server sent (``websocket.send`` / ``websocket.close``)."""

    async def _receive():
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    return ws.portal.call(_receive)


def recv_json(ws, timeout: float = 5.0) -> dict:
    msg = recv(ws, timeout)
    assert msg["type"] == "websocket.send", f"expected a message, got {msg}"
    assert msg.get("text") is not None, f"server sent a non-text frame: {msg}"
    return json.loads(msg["text"])


def nothing_pending(ws, wait: float) -> bool:
    """True when the server sends nothing for ``wait`` seconds."""
    try:
        msg = recv(ws, wait)
    except TimeoutError:
        return True
    raise AssertionError(f"unexpected message from the server: {msg}")


def drain(ws, timeout: float = 5.0) -> tuple[list[dict], dict]:
    """Every JSON message until the close; returns (messages, close message)."""
    out: list[dict] = []
    while True:
        msg = recv(ws, timeout)
        if msg["type"] == "websocket.close":
            return out, msg
        assert msg["type"] == "websocket.send", msg
        assert msg.get("text") is not None, f"server sent a non-text frame: {msg}"
        out.append(json.loads(msg["text"]))


def send_audio(ws, pcm: bytes, ms: int = 100) -> None:
    for c in chunks(pcm, ms):
        ws.send_bytes(c)


def terminate(ws) -> None:
    ws.send_text('{"type":"Terminate"}')


# ---------------------------------------------------------------------------------------------
# Real uvicorn server in a thread
# ---------------------------------------------------------------------------------------------


@dataclass
class LiveServer:
    server: uvicorn.Server
    thread: threading.Thread
    port: int

    @property
    def host(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"{self.host}/v3/ws"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def serve(app) -> Iterator[LiveServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The production uvicorn settings (transport message cap, no access log), on a free port.
    config = uvicorn_config(app, app.state.hs.config, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="uvicorn")
    thread.start()
    deadline = time.monotonic() + 120  # start-up loads the model and Presidio: ~10 s on a busy 2-core box
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield LiveServer(server, thread, port)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def make_server() -> Iterator[Callable[..., LiveServer]]:
    """``make_server(engine=..., **ServerConfig fields)`` -> a running LiveServer."""
    with contextlib.ExitStack() as stack:

        def factory(**kwargs: Any) -> LiveServer:
            return stack.enter_context(serve(build_app(**kwargs)))

        yield factory


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """One shared real server (default FakeEngine, energy VAD, key ``test-key``)."""
    with serve(build_app()) as s:
        yield s


def wait_until(cond: Callable[[], bool], timeout: float = 15.0, step: float = 0.05) -> bool:
    """Poll ``cond`` until it holds or ``timeout`` passes; its last value (tests assert on it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


# ---------------------------------------------------------------------------------------------
# redis-server and nginx from Debian's packages (the replica tests)
# ---------------------------------------------------------------------------------------------


def require_lb() -> None:
    """redis-server and nginx (the shared store and the balancer of the replica tests)."""
    require("redis-server and nginx", bool(binary("redis-server") and binary("nginx")), "install-lb")
