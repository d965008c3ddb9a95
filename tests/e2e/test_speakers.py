"""speaker_labels with the real engine, VAD and voice encoder on one dev call and one one-speaker clip
(``hushscribe bench speakers`` runs all of them; figures in docs/protocol.md). Floors, not figures: every
agent/caller final of call_dev_01 right after matching label names (measured 6/6), and the JFK clip,
one speaker over several finals, all "A"."""

from __future__ import annotations

import pytest

from hushscribe.bench import speakers as bs
from hushscribe.engine.faster_whisper import FasterWhisperEngine, WhisperOptions
from hushscribe.speakers.encoder import load_encoder, weights_path
from hushscribe.vad.silero import SileroVoiceDetector

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(weights_path() is None, reason="speaker weights not installed (scripts/install-speakers)")]


def test_speaker_labels_on_a_call_and_a_one_speaker_clip(audio_dir):
    engine = FasterWhisperEngine(WhisperOptions(model="bundled", cpu_threads=2))
    r = bs.benchmark(engine, SileroVoiceDetector(), load_encoder(), audio_dir, limit=1)
    (call,) = r["calls"]
    assert call["scored"] >= 5
    assert call["correct"] == call["scored"], call["rows"]
    (clip,) = r["one_speaker"]
    assert len(clip["labels"]) >= 2, clip  # several finals, so a split would show
    assert all(label == "A" for label in clip["labels"]), clip
