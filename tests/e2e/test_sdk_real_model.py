"""The official SDK against the real server and model: accuracy, message validity, Terminate."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlencode

import numpy as np
import pytest
import websocket

from hushscribe.bench.corpus import audio_set, load_clips, read_pcm16
from hushscribe.bench.scoring import corpus_wer

from .conftest import E2E_KEY, run_sdk

pytestmark = pytest.mark.slow

# Today's WER plus a margin, per audio set: 11.0 % on the 38 clips of the full set (docs/performance.md),
# 7.1 % on the 9 clips of the repository's subset (2026-12-04). Repeated runs of one tree on the full set gave
# 0.117, 0.117 and 0.120 (a turn's decode that falls back to sampling is not seeded in the server), so the margin
# is 1.3 points there: 0.12 failed on noise.
WER_BOUND = {"full": 0.13, "subset": 0.09}


def test_sdk_streams_real_clips_within_wer_bound(real_server, audio_dir):
    clips = load_clips(audio_dir, "real.jsonl")
    refs, hyps = [], []
    for clip in clips:
        pcm, rate = read_pcm16(clip.path)
        assert rate == 16000
        run = run_sdk(real_server, pcm, format_turns=True)
        assert not run.errors, (clip.id, run.errors)
        assert run.begin is not None and run.termination is not None, clip.id
        assert run.termination.audio_duration_seconds == round(len(pcm) / 32000)
        finals = run.finals()
        orders = [t.turn_order for t in finals]
        # Universal-Streaming with format_turns: an unformatted then a formatted final per turn.
        assert orders == sorted(orders)
        assert [t.turn_is_formatted for t in finals] == [False, True] * (len(finals) // 2)
        for t in finals:
            assert t.transcript.strip(), "no empty finals"
            assert all(isinstance(w.start, int) and w.start <= w.end for w in t.words)
        refs.append(clip.text)
        hyps.append(" ".join(t.transcript for t in run.finals(formatted=True)))
    wer = corpus_wer(refs, hyps)
    print(f"\nWER over {len(clips)} real clips (formatted finals, Whisper-normalised): {wer:.3f}")
    assert wer <= WER_BOUND.get(audio_set(audio_dir), WER_BOUND["full"])


def test_terminate_always_yields_the_last_turn(real_server, audio_dir):
    """Audio that ends mid-speech (no trailing silence): Terminate flushes it as a final first."""
    pcm, _ = read_pcm16(audio_dir / "real" / "jfk.wav")
    cut = pcm[: int(16000 * 2 * 4.0)]  # ends inside "... ask not"
    run = run_sdk(real_server, cut, speech_model="u3-rt-pro")
    assert not run.errors
    finals = run.finals()
    assert finals, "the in-flight turn must be flushed as a final"
    assert "americans" in " ".join(t.transcript.lower() for t in finals)
    assert run.termination is not None


def test_raw_websocket_quickstart(real_server, audio_dir):
    """AssemblyAI's raw websocket-client quickstart, with only the URL and the audio source changed."""
    YOUR_API_KEY = E2E_KEY
    CONNECTION_PARAMS = {"sample_rate": 16000, "format_turns": True}
    API_ENDPOINT_BASE_URL = real_server.ws_url  # was "wss://streaming.assemblyai.com/v3/ws"
    API_ENDPOINT = f"{API_ENDPOINT_BASE_URL}?{urlencode(CONNECTION_PARAMS)}"
    pcm, _ = read_pcm16(audio_dir / "real" / "jfk.wav")
    pcm += b"\x00\x00" * 16000  # a second of silence after the speech, as a microphone would send

    events: list[dict] = []
    stop_event = threading.Event()

    def on_open(ws):
        def stream_audio():
            for i in range(0, len(pcm), 1600):  # 50 ms frames, like FRAMES_PER_BUFFER=800
                if stop_event.is_set():
                    return
                ws.send(pcm[i : i + 1600], websocket.ABNF.OPCODE_BINARY)
            ws.send(json.dumps({"type": "Terminate"}))

        threading.Thread(target=stream_audio, daemon=True).start()

    def on_message(ws, message):
        data = json.loads(message)
        events.append(data)
        if data.get("type") == "Termination":
            stop_event.set()

    def on_error(ws, error):
        events.append({"type": "client-error", "error": str(error)})
        stop_event.set()

    def on_close(ws, code, msg):
        stop_event.set()

    ws_app = websocket.WebSocketApp(API_ENDPOINT, header={"Authorization": YOUR_API_KEY},
                                    on_open=on_open, on_message=on_message, on_error=on_error,
                                    on_close=on_close)
    th = threading.Thread(target=ws_app.run_forever, daemon=True)
    th.start()
    assert stop_event.wait(60)
    ws_app.close()
    th.join(5)
    types = [e["type"] for e in events]
    assert "Termination" in types, events[-3:]
    # websocket-client may report the server's close after Termination as an error; before it, none.
    types = types[: types.index("Termination") + 1]
    assert types[0] == "Begin" and "client-error" not in types, types
    formatted = [e for e in events if e["type"] == "Turn" and e["turn_is_formatted"]]
    text = " ".join(e["transcript"] for e in formatted).lower()
    assert "fellow americans" in text and "your country" in text


def test_noise_and_silence_give_no_text(real_server):
    """Whisper hallucinates on non-speech; the VAD and the decode guards must keep it out."""
    rng = np.random.default_rng(7)
    quiet = rng.normal(0, 10 ** (-62 / 20), 16000 * 6)  # the calls' noise floor (-62 dBFS)
    hum = 0.02 * np.sin(2 * np.pi * 50 * np.arange(16000 * 4) / 16000)  # mains hum
    clicks = np.zeros(16000 * 4)
    clicks[::4000] = 0.5
    audio = np.concatenate([np.zeros(16000 * 2), quiet, hum, clicks])
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    run = run_sdk(real_server, pcm, include_partial_turns=True)
    assert not run.errors
    assert run.turns == []
    assert run.termination is not None and run.termination.audio_duration_seconds == 16
