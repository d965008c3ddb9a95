"""The voice encoder: Resemblyzer's weights read without PyTorch, its front end and LSTM in numpy.

Needs the speakers weights (``scripts/install-speakers``; ``scripts/bootstrap test`` installs them)."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from hushscribe.bench.corpus import default_audio_dir, read_pcm16
from hushscribe.core.formatting import TimedWord
from hushscribe.core.ports import DecodeRequest, DecodeResult
from hushscribe.speakers import torch_weights
from hushscribe.speakers.encoder import (
    MIN_SPEECH_S,
    _slaney_mel_filterbank,
    load_encoder,
    speaker_postprocess,
    weights_path,
)

pytestmark = pytest.mark.skipif(weights_path() is None, reason="speaker weights not installed (scripts/install-speakers)")


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


def call_turns(call_id: str = "call_dev_01") -> list[tuple[str, np.ndarray]]:
    audio = default_audio_dir() / "calls"
    meta = json.loads((audio / f"{call_id}.json").read_text())
    pcm, _ = read_pcm16(audio / f"{call_id}.wav")
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    return [(t["speaker"], x[t["start_ms"] * 16 : t["end_ms"] * 16]) for t in meta["turns"]]


def test_checkpoint_tensors_have_the_lstm_shapes():
    state = torch_weights.load_legacy_checkpoint(weights_path())["model_state"]
    assert state["lstm.weight_ih_l0"].shape == (1024, 40)
    assert state["lstm.weight_hh_l2"].shape == (1024, 256)
    assert state["linear.weight"].shape == (256, 256)
    assert all(np.all(np.isfinite(v)) for v in state.values())


def test_weights_reader_refuses_code(tmp_path: Path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    buf = io.BytesIO()
    for obj in (torch_weights.MAGIC, 1001, {"little_endian": True}):
        pickle.dump(obj, buf)
    pickle.dump({"x": Evil()}, buf)
    path = tmp_path / "evil.pt"
    path.write_bytes(buf.getvalue())
    with pytest.raises(pickle.UnpicklingError):
        torch_weights.load_legacy_checkpoint(path)


def test_mel_filterbank_is_librosa_slaney():
    fb = _slaney_mel_filterbank()
    assert fb.shape == (40, 201)
    peaks = fb.argmax(axis=1)
    # Slaney scale: linear below 1 kHz (bands 73.6 Hz apart up to 8 kHz over 41 steps), log above.
    assert np.all(np.diff(peaks) >= 0) and peaks[0] == 2 and peaks[-1] == 185
    # Area normalisation 2 / (width in Hz): first band 0-147 Hz, its 80 Hz bin at 0.913 of the peak.
    assert fb[0].max() == pytest.approx(2 / 147.2 * 0.913, rel=0.01)


def test_embedding_is_unit_length_and_deterministic(encoder):
    _, x = call_turns()[0]
    a, b = encoder.embed(x), encoder.embed(x.copy())
    assert a.shape == (256,) and np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_array_equal(a, b)
    assert np.all(a >= 0)  # ReLU before the normalisation


def test_short_turns_have_no_embedding(encoder):
    _, x = call_turns()[0]
    assert encoder.embed(x[: int(MIN_SPEECH_S * 16000) - 1]) is None


def test_same_voice_is_closer_than_the_other_voice(encoder):
    turns = call_turns()
    agent = [encoder.embed(x) for s, x in turns if s == "agent"]
    caller = [encoder.embed(x) for s, x in turns if s == "caller"]
    same = min(float(agent[0] @ a) for a in agent[1:])
    other = max(float(agent[0] @ c) for c in caller)
    assert same > other + 0.1


def test_postprocess_embeds_only_final_kind_decodes_that_ask(encoder):
    _, x = call_turns()[0]
    words = (TimedWord("hello", 100, len(x) // 16 - 100, 0.9),)
    post = speaker_postprocess(encoder)
    final = DecodeRequest(job_id=1, kind="final", audio=x, offset_ms=0, embed_speaker=True)
    assert post(final, DecodeResult(words)).speaker_embedding is not None
    partial = DecodeRequest(job_id=2, kind="partial", audio=x, offset_ms=0, embed_speaker=True)
    assert post(partial, DecodeResult(words)).speaker_embedding is None
    no_labels = DecodeRequest(job_id=3, kind="final", audio=x, offset_ms=0)
    assert post(no_labels, DecodeResult(words)).speaker_embedding is None
    kept = post(final, DecodeResult(words)).with_words(words)
    assert kept.speaker_embedding is not None  # shifting/rendering a result keeps its embedding
