"""The official Python SDK sees the Warning about ignored parameters, Silence and the English
``language_code`` from a live server, and its read thread parses every message (no unsupported type)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from assemblyai.streaming.v3 import StreamingClientOptions, StreamingEvents, StreamingParameters
from assemblyai.streaming.v3 import models as sdk_models
from assemblyai.streaming.v3.models import Encoding

from hushscribe.bench.codecs import cut, ogg_opus, to_48k
from hushscribe.speakers.encoder import weights_path

from .conftest import API_KEY, auth, chunks, drain, send_audio, terminate, utterance
from .test_ws import RecordingClient


def test_sdk_gets_warning_silence_and_language(live_server):
    client = RecordingClient(StreamingClientOptions(api_key=API_KEY, api_host=live_server.host))
    warnings, silences, finals = [], [], []
    done = threading.Event()
    client.on(StreamingEvents.Warning, lambda c, e: warnings.append(e))
    client.on(StreamingEvents.Silence, lambda c, e: silences.append(e))

    def on_turn(c, e) -> None:
        if e.end_of_turn:
            finals.append(e)
            done.set()

    client.on(StreamingEvents.Turn, on_turn)
    client.connect(StreamingParameters(sample_rate=16000, filter_profanity=True, language_detection=True,
                                       acknowledge_silence=True, voice_focus="near-field"))
    client.stream(iter(chunks(utterance(1000, 2500), 50)))
    assert done.wait(5)
    client.disconnect(terminate=True)
    assert len(warnings) == 1 and warnings[0].warning_code == 9102
    assert "filter_profanity" in warnings[0].warning and "voice_focus" in warnings[0].warning
    assert finals and all(f.language_code == "en" and f.language_confidence == 1.0 for f in finals)
    assert silences and all(s.end_ms > s.start_ms for s in silences)
    assert client.raw[0]["type"] == "Begin" and client.raw[1]["type"] == "Warning"
    assert all(p is not None for p in client.parsed)


def test_sdk_streams_ogg_opus_without_sample_rate(live_server):
    """The SDK's ogg_opus encoding, no sample_rate (allowed for self-describing streams), the Ogg bytes cut
    into arbitrary messages: same transcript as the PCM tests."""
    pcm = np.frombuffer(utterance(1000, 1000), dtype="<i2").astype(np.float32) / 32768
    data = ogg_opus(to_48k(pcm))
    client = RecordingClient(StreamingClientOptions(api_key=API_KEY, api_host=live_server.host))
    finals, errors = [], []
    done = threading.Event()
    client.on(StreamingEvents.Error, lambda c, e: errors.append(e))
    client.on(StreamingEvents.Turn, lambda c, e: (finals.append(e), done.set()) if e.end_of_turn else None)
    client.connect(StreamingParameters(encoding=Encoding.ogg_opus))
    client.stream(iter(cut(data, [700, 1300])))
    assert done.wait(5), errors
    client.disconnect(terminate=True)
    assert errors == []
    assert [f.transcript for f in finals] == ["hello world"]
    assert client.raw[-1] == {**client.raw[-1], "type": "Termination", "audio_duration_seconds": 2}


@pytest.mark.skipif(weights_path() is None, reason="speaker weights not installed (scripts/install-speakers)")
def test_speaker_labels_on_finals_over_the_wire(client):
    with client.websocket_connect("/v3/ws?sample_rate=16000&speaker_labels=true&format_turns=true",
                                  headers=auth()) as ws:
        assert ws.receive_json()["type"] == "Begin"
        send_audio(ws, utterance(1500, 1000) + utterance(1500, 1000))
        terminate(ws)
        messages, _ = drain(ws)
    finals = [sdk_models.TurnEvent.model_validate(m) for m in messages if m["type"] == "Turn" and m["end_of_turn"]]
    assert len(finals) == 4
    assert [f.speaker_label for f in finals] == ["A"] * 4  # one (synthetic) voice
    assert all(w.speaker == "A" for f in finals for w in f.words)


def test_pipecat_is_not_sent_warnings_it_cannot_parse(client):
    """Pipecat 1.14 turns any message type but Begin/Turn/SpeechStarted/Termination into an error, and sends
    continuous_partials by default: a client naming the Pipecat integration gets no Warning; others do."""
    query = "/v3/ws?sample_rate=16000&speech_model=u3-rt-pro&continuous_partials=true"
    pipecat = {**auth(), "User-Agent": "AssemblyAI/1.0 (integration=Pipecat/1.14.0)"}
    with client.websocket_connect(query, headers=pipecat) as ws:
        send_audio(ws, utterance(500, 1500))
        terminate(ws)
        messages, close = drain(ws)
    assert close["code"] == 1000
    assert {msg["type"] for msg in messages} <= {"Begin", "Turn", "SpeechStarted", "Termination"}
    with client.websocket_connect(query, headers=auth()) as ws:
        terminate(ws)
        messages, _ = drain(ws)
    assert [msg["type"] for msg in messages][:2] == ["Begin", "Warning"]
