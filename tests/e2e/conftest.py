"""End-to-end fixtures: a real server (uvicorn, Silero VAD, Whisper tiny.en) on loopback and the
official AssemblyAI SDK as the client."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions, StreamingEvents, StreamingParameters

from hushscribe.bench.clients import excerpt, join_clips, load_items
from hushscribe.bench.clients import run_sdk as run_sdk_paced
from hushscribe.bench.corpus import default_audio_dir
from hushscribe.bench.keyterms import espeak_binary
from hushscribe.server.app import create_app
from hushscribe.settings import ServerConfig
from tests.server.conftest import LiveServer, serve
from tests.system_packages import require

E2E_KEY = "e2e-key"
ROOT = Path(__file__).resolve().parents[2]


def ensure_espeak() -> None:
    """espeak-ng for the synthetic-speech tests."""
    require("espeak-ng", espeak_binary() is not None, "install-tts")


@pytest.fixture(scope="session")
def audio_dir():
    d = default_audio_dir()
    if not (d / "real.jsonl").exists():
        pytest.fail(f"test audio not found at {d} (set HUSHSCRIBE_AUDIO_DIR)")
    return d


@pytest.fixture(scope="session")
def real_server() -> Iterator[LiveServer]:
    with serve(create_app(ServerConfig(), api_keys=(E2E_KEY,))) as s:
        yield s


@dataclass
class SdkRun:
    begin: Any = None
    turns: list = field(default_factory=list)
    termination: Any = None
    errors: list = field(default_factory=list)
    raw_unparsed: list = field(default_factory=list)

    def finals(self, formatted: bool | None = None) -> list:
        out = [t for t in self.turns if t.end_of_turn]
        if formatted is not None:
            out = [t for t in out if t.turn_is_formatted == formatted]
        return out


def run_sdk(server: LiveServer, pcm: bytes, *, chunk_ms: int = 100, terminate_timeout: float = 120.0,
            key: str = E2E_KEY, **params: Any) -> SdkRun:
    """Stream ``pcm`` (16 kHz s16le) through the official SDK as fast as it sends, then Terminate."""
    run = SdkRun()
    done = threading.Event()
    client = StreamingClient(StreamingClientOptions(api_key=key, api_host=server.host,
                                                    terminate_timeout=terminate_timeout))
    client.on(StreamingEvents.Begin, lambda c, e: setattr(run, "begin", e))
    client.on(StreamingEvents.Turn, lambda c, e: run.turns.append(e))

    def on_term(c, e):
        run.termination = e
        done.set()

    client.on(StreamingEvents.Termination, on_term)

    def on_error(c, e) -> None:
        run.errors.append(e)
        done.set()

    client.on(StreamingEvents.Error, on_error)
    params.setdefault("sample_rate", 16000)
    client.connect(StreamingParameters(**params))
    step = 16000 * 2 * chunk_ms // 1000
    client.stream(pcm[i : i + step] for i in range(0, len(pcm), step))
    client.disconnect(terminate=True)
    return run


# -- voice-agent clients (issue 13): the same recordings for Pipecat, LiveKit and the SDK baseline ----------

@pytest.fixture(scope="session")
def call_excerpt(audio_dir):
    """call_dev_03's first two labelled turns (12 s): an identity check and a social security number spoken
    with pauses, the digits that 100 ms silences cut into fragments."""
    call = next((i for i in load_items(audio_dir, clips=0) if i.id == "call_dev_03"), None)
    if call is None:  # the repository's licence-clean subset (evalset/) ships call_dev_01 and call_dev_04 only
        pytest.skip(f"call_dev_03 (the spoken-SSN excerpt) is only in the full audio set, not in {audio_dir}")
    return excerpt(call, 11000)


@pytest.fixture(scope="session")
def clips_without_keyterms(audio_dir):
    """Three real clips in one session (22 s, 3 turns), none of which says 'Hester Prynne' or 'movable'."""
    return join_clips(load_items(audio_dir, calls=0, clip_ids=("jfk", "austen_0880", "austen_0890")))


@pytest.fixture(scope="session")
def sdk_baseline(real_server, call_excerpt):
    """The official SDK at server defaults on the call excerpt, at real time: what the frameworks are held to."""
    return run_sdk_paced(real_server.ws_url, E2E_KEY, call_excerpt.pcm)
