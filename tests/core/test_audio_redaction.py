"""Redacted audio, pure: exactly the padded spans change, everything else is bit-identical."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from hushscribe.core.audio import MULAW_TO_PCM16
from hushscribe.core.audio_redaction import PcmRecorder, merge_spans, redact_pcm, wav_bytes

RATE = 16000


def noise(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(-20000, 20000, n).astype(np.int16)


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.flatnonzero(a != b)


def test_merge_pads_clamps_at_zero_and_merges_overlapping_and_touching_spans():
    assert merge_spans([(500, 600), (100, 200), (250, 300)], 50) == [(50, 350), (450, 650)]
    assert merge_spans([(0, 40)], 100) == [(0, 140)]
    assert merge_spans([(100, 200), (300, 400)], 50) == [(50, 450)]  # 250 == 250: touching merges
    assert merge_spans([], 100) == []


def test_only_samples_inside_the_padded_span_change():
    pcm = noise(RATE)  # 1 s
    out = redact_pcm(pcm, RATE, [(400, 500)], pad_ms=50, fill="silence")
    # 350 ms .. 550 ms -> samples 5600 .. 8800 (exclusive)
    assert np.all(out[5600:8800] == 0)
    assert np.array_equal(out[:5600], pcm[:5600]) and np.array_equal(out[8800:], pcm[8800:])
    assert out.dtype == np.int16 and len(out) == len(pcm)
    assert not np.array_equal(pcm[5600:8800], out[5600:8800])  # the input is not modified
    assert np.array_equal(pcm, noise(RATE))


def test_tone_fills_the_span_with_a_modest_1khz_sine():
    pcm = noise(RATE)
    out = redact_pcm(pcm, RATE, [(200, 300)], fill="tone")
    seg = out[3200:4800].astype(np.float64)
    assert 3000 < np.abs(seg).max() <= 3277  # -20 dBFS
    spectrum = np.abs(np.fft.rfft(seg))
    assert np.argmax(spectrum) * RATE / len(seg) == pytest.approx(1000, abs=10)
    assert np.array_equal(out[:3200], pcm[:3200]) and np.array_equal(out[4800:], pcm[4800:])


def test_spans_are_clamped_to_the_recording():
    pcm = noise(8000, seed=2)  # 0.5 s
    out = redact_pcm(pcm, RATE, [(450, 900), (2000, 3000)], pad_ms=20, fill="silence")
    assert len(out) == 8000
    assert np.all(out[(430 * 16):] == 0)
    assert np.array_equal(out[: 430 * 16], pcm[: 430 * 16])
    out = redact_pcm(pcm, RATE, [(0, 10)], pad_ms=100, fill="silence")  # padding below 0
    assert np.all(out[: 110 * 16] == 0) and np.array_equal(out[110 * 16 :], pcm[110 * 16 :])


def test_overlapping_spans_give_the_same_result_as_their_union():
    pcm = noise(RATE, seed=3)
    a = redact_pcm(pcm, RATE, [(100, 300), (250, 400), (390, 420)], pad_ms=30)
    b = redact_pcm(pcm, RATE, [(100, 420)], pad_ms=30)
    assert np.array_equal(a, b)
    assert len(changed(a, pcm)) > 0 and changed(a, pcm).min() >= 70 * 16 and changed(a, pcm).max() < 450 * 16


def test_other_sample_rates_map_ms_to_samples_with_outward_rounding():
    rate = 8000
    pcm = noise(rate, seed=4)
    out = redact_pcm(pcm, rate, [(101, 102)], fill="silence")
    # 101 ms -> 808 (floor), 102 ms -> 816 (ceil): nothing of the span is left unredacted
    assert np.array_equal(np.flatnonzero(out != pcm), np.flatnonzero(pcm[808:816] != 0) + 808)
    out = redact_pcm(noise(44100, 5), 44100, [(1, 2)], fill="silence")
    assert np.all(out[44:89] == 0)  # 44.1 -> 44, 88.2 -> 89


def test_no_spans_is_an_identical_copy_and_unknown_fill_is_refused():
    pcm = noise(1000)
    assert np.array_equal(redact_pcm(pcm, RATE, []), pcm)
    with pytest.raises(ValueError):
        redact_pcm(pcm, RATE, [(0, 1)], fill="beep")


def test_wav_is_mono_16bit_at_the_session_rate():
    pcm = noise(2205, seed=6)
    data = wav_bytes(pcm, 22050)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 22050, 2205)
        assert np.array_equal(np.frombuffer(w.readframes(2205), "<i2"), pcm)


def test_recorder_keeps_s16le_exactly_across_odd_chunk_boundaries():
    pcm = noise(1001, seed=7)
    raw = pcm.astype("<i2").tobytes()
    rec = PcmRecorder("pcm_s16le", max_samples=10_000)
    for i in range(0, len(raw), 333):  # odd-sized chunks split samples in half
        assert rec.append(raw[i : i + 333])
    assert np.array_equal(rec.pcm(), pcm)
    assert rec.nbytes == 2002


def test_recorder_expands_mulaw_to_16bit():
    data = bytes(range(256))
    rec = PcmRecorder("pcm_mulaw", max_samples=1000)
    rec.append(data)
    assert np.array_equal(rec.pcm(), MULAW_TO_PCM16)


def test_recorder_past_its_bound_drops_everything_and_stays_empty():
    rec = PcmRecorder("pcm_s16le", max_samples=100)
    assert rec.append(b"\x01\x00" * 60)
    assert not rec.append(b"\x01\x00" * 60)
    assert rec.overflowed and rec.samples == 0 and rec.nbytes == 0
    assert not rec.append(b"\x01\x00")
    assert rec.samples == 0
