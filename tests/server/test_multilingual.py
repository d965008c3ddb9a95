"""``speech_model=universal-streaming-multilingual`` over the wire, with fake engines: a server without the
multilingual model refuses the session with 3006 and the install command (never a silent English decode);
with one, each final carries its turn's language when the client asked for detection."""

from __future__ import annotations

import pytest

import hushscribe.server.app as app_module
from hushscribe.core.ports import DecodeResult
from hushscribe.engine import catalog
from hushscribe.engine.fake import FakeEngine, spread_words
from hushscribe.engine.router import ModelRouter
from hushscribe.server.app import load_engine
from hushscribe.settings import ServerConfig

from .conftest import auth, drain, send_audio, terminate, utterance

URL = "/v3/ws?sample_rate=16000"
ML = URL + "&speech_model=universal-streaming-multilingual"


class SpanishEngine(FakeEngine):
    """A multilingual fake that hears Spanish in the first turn and German after it."""

    def __init__(self):
        super().__init__(lambda req: "Hola amigo.")
        self.n = 0

    def transcribe(self, request):
        self.calls.append(request)
        self.n += 1
        lang = "es" if request.offset_ms < 1800 else "de"  # turn 2 starts at 2.2 s (less pre-roll)
        return DecodeResult(tuple(spread_words("Hola amigo.", request.duration_ms)), language=lang,
                            language_confidence=0.97)


def refusal(ws) -> dict:
    messages, close = drain(ws)
    assert [m["type"] for m in messages] == ["Error"], messages  # no Begin
    assert close["code"] == 3006 and messages[0]["error_code"] == 3006
    return messages[0]


def test_missing_extra_is_refused_with_the_install_command(make_client):
    router = ModelRouter({"english": FakeEngine(lambda r: "Hello.")},
                         unavailable={"multilingual": catalog.missing_base_message()})
    client = make_client(engine=router)
    with client.websocket_connect(ML, headers=auth()) as ws:
        err = refusal(ws)
    assert err["error"].startswith("User Input Validation Error: Invalid 'speech_model': "
                                   "universal-streaming-multilingual: the multilingual Whisper model is not installed")
    assert "scripts/install-multilingual" in err["error"]
    # English sessions on the same server are served.
    with client.websocket_connect(URL, headers=auth()) as ws:
        assert ws.receive_json()["type"] == "Begin"
        terminate(ws)
        messages, close = drain(ws)
    assert messages[-1]["type"] == "Termination" and close["code"] == 1000


def test_a_plain_english_engine_refuses_multilingual(make_client):
    with make_client().websocket_connect(ML, headers=auth()) as ws:
        assert "not loaded" in refusal(ws)["error"]


def test_multilingual_finals_carry_language_per_turn(make_client):
    english, multi = FakeEngine(lambda r: "Hello."), SpanishEngine()
    client = make_client(engine=ModelRouter({"english": english, "multilingual": multi}))
    with client.websocket_connect(ML + "&language_detection=true", headers=auth()) as ws:
        assert ws.receive_json()["type"] == "Begin"
        send_audio(ws, utterance(1000, 1200) + utterance(1000, 1200))
        terminate(ws)
        messages, close = drain(ws, timeout=10)
    finals = [m for m in messages if m.get("type") == "Turn" and m["end_of_turn"]]
    assert [(f["language_code"], f["language_confidence"]) for f in finals] == [("es", 0.97), ("de", 0.97)]
    assert multi.calls and not english.calls


class FakeWhisper:
    """Stands in for FasterWhisperEngine in load_engine (no model load)."""

    loaded: list = []

    def __init__(self, options):
        self.options = options
        self.multilingual = options.model != "bundled"
        self.name = options.model
        FakeWhisper.loaded.append(options.model)


@pytest.fixture
def fake_whisper(monkeypatch):
    FakeWhisper.loaded = []
    monkeypatch.setattr(app_module, "FasterWhisperEngine", FakeWhisper)  # the name load_engine calls
    return FakeWhisper


def test_load_engine_auto_without_the_extra_refuses_with_the_install_command(fake_whisper, monkeypatch):
    monkeypatch.setattr(catalog, "base_installed", lambda: False)
    router = load_engine(ServerConfig())
    assert fake_whisper.loaded == ["bundled"]
    assert not router.has("multilingual")
    assert "scripts/install-multilingual" in router.why_unavailable("multilingual")


def test_load_engine_off_says_it_is_turned_off(fake_whisper):
    router = load_engine(ServerConfig(multilingual_model="off"))
    assert "turned off" in router.why_unavailable("multilingual")


def test_load_engine_loads_base_once_when_it_serves_both(fake_whisper, monkeypatch):
    monkeypatch.setattr(catalog, "base_installed", lambda: True)
    router = load_engine(ServerConfig(model="base"))
    assert fake_whisper.loaded == ["base"]
    assert router.engines["english"] is router.engines["multilingual"]
    router = load_engine(ServerConfig())
    assert fake_whisper.loaded[1:] == ["bundled", "base"]
    assert router.engines["english"] is not router.engines["multilingual"]
