"""Client audio bytes -> 16 kHz float32: mu-law table, odd-byte carry, resampling, chunk duration."""

from __future__ import annotations

import warnings
from itertools import pairwise

import numpy as np
import pytest

from hushscribe.core.audio import (
    ENGINE_RATE_HZ,
    MULAW_TO_PCM16,
    AudioDecoder,
    bytes_per_sample,
    chunk_duration_ms,
)

from .conftest import mulaw_encode


def g711_ulaw2linear(u_val: int) -> int:
    """Reference mu-law expansion, after Sun Microsystems' public-domain g711.c."""
    BIAS, SIGN_BIT, QUANT_MASK, SEG_SHIFT, SEG_MASK = 0x84, 0x80, 0x0F, 4, 0x70
    u_val = ~u_val & 0xFF
    t = ((u_val & QUANT_MASK) << 3) + BIAS
    t <<= (u_val & SEG_MASK) >> SEG_SHIFT
    return (BIAS - t) if (u_val & SIGN_BIT) else (t - BIAS)


# ---------------------------------------------------------------------------------------------
# mu-law
# ---------------------------------------------------------------------------------------------


def test_mulaw_table_matches_reference_formula():
    assert MULAW_TO_PCM16.shape == (256,)
    assert MULAW_TO_PCM16.dtype == np.int16
    for code in range(256):
        assert int(MULAW_TO_PCM16[code]) == g711_ulaw2linear(code), code


def test_mulaw_table_matches_audioop_when_available():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    ref = np.frombuffer(audioop.ulaw2lin(bytes(range(256)), 2), dtype="<i2")
    np.testing.assert_array_equal(MULAW_TO_PCM16, ref)


@pytest.mark.parametrize(
    "code, value",
    [(0xFF, 0), (0x7F, 0), (0x00, -32124), (0x80, 32124), (0xFE, 8), (0x7E, -8), (0xF0, 120)],
)
def test_mulaw_known_values(code, value):
    assert int(MULAW_TO_PCM16[code]) == value


def test_mulaw_table_is_odd_symmetric_and_monotonic():
    t = MULAW_TO_PCM16.astype(np.int32)
    # Codes 0..127 are negative (decreasing magnitude), 128..255 positive mirror.
    np.testing.assert_array_equal(t[:128], -t[128:])
    assert np.all(np.diff(t[:128]) > 0)
    assert np.all(np.diff(t[128:]) < 0)


def test_mulaw_decoder_output():
    data = bytes(range(256))
    dec = AudioDecoder("pcm_mulaw", 16000)
    out = dec.decode(data)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, MULAW_TO_PCM16.astype(np.float32) / 32768.0)
    assert dec.samples_in == 256


# ---------------------------------------------------------------------------------------------
# pcm_s16le and the odd-byte carry
# ---------------------------------------------------------------------------------------------


def test_s16le_decode_values():
    pcm = np.array([0, 1, -1, 32767, -32768, 16384], dtype="<i2")
    out = AudioDecoder("pcm_s16le", 16000).decode(pcm.tobytes())
    np.testing.assert_array_equal(out, pcm.astype(np.float32) / 32768.0)
    assert out.dtype == np.float32


@pytest.mark.parametrize("sizes", [[1, 1, 1, 1], [3, 5, 7, 9, 11], [1601, 1599, 3], [999, 1]])
def test_odd_byte_carry_matches_one_big_chunk(sizes):
    rng = np.random.default_rng(0)
    total = sum(sizes)
    data = rng.integers(-32768, 32767, size=total // 2 + 1, dtype=np.int16).tobytes()[:total]
    whole = AudioDecoder("pcm_s16le", 16000).decode(data)
    dec = AudioDecoder("pcm_s16le", 16000)
    parts, pos = [], 0
    for n in sizes:
        parts.append(dec.decode(data[pos : pos + n]))
        pos += n
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert dec.samples_in == total // 2
    assert len(whole) == total // 2


def test_odd_byte_carry_random_splits():
    rng = np.random.default_rng(1)
    data = rng.integers(0, 256, size=20001, dtype=np.uint8).tobytes()
    whole = AudioDecoder("pcm_s16le", 16000).decode(data[:-1])
    for _ in range(10):
        cuts = np.sort(rng.choice(np.arange(1, len(data)), size=15, replace=False))
        dec = AudioDecoder("pcm_s16le", 16000)
        bounds = [0, *cuts.tolist(), len(data)]
        out = np.concatenate([dec.decode(data[a:b]) for a, b in pairwise(bounds)])
        np.testing.assert_array_equal(out, whole)


def test_single_byte_chunks_produce_nothing_until_paired():
    dec = AudioDecoder("pcm_s16le", 16000)
    assert len(dec.decode(b"\x01")) == 0
    out = dec.decode(b"\x02")
    assert len(out) == 1 and out[0] == np.float32(0x0201 / 32768.0)


def test_unsupported_encoding():
    with pytest.raises(ValueError):
        AudioDecoder("flac", 16000)


# ---------------------------------------------------------------------------------------------
# Resampling
# ---------------------------------------------------------------------------------------------


def _tone(freq: float, rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spec)])


@pytest.mark.parametrize("encoding", ["pcm_s16le", "pcm_mulaw"])
def test_8k_to_16k_doubles_samples_and_keeps_frequency(encoding):
    tone = _tone(440.0, 8000, 2.0)
    if encoding == "pcm_s16le":
        data = (tone * 32767).astype("<i2").tobytes()
        chunk = 800  # 50 ms
    else:
        data = mulaw_encode(tone)
        chunk = 400
    dec = AudioDecoder(encoding, 8000)
    parts = [dec.decode(data[i : i + chunk]) for i in range(0, len(data), chunk)]
    streamed = np.concatenate(parts)
    total = np.concatenate([streamed, dec.flush()])
    assert dec.samples_in == 16000
    assert dec.seconds_in == pytest.approx(2.0)
    assert 2 * 16000 - 800 <= len(streamed) <= 2 * 16000  # resampler delay only (< 25 ms)
    assert abs(len(total) - 2 * 16000) <= 2
    assert total.dtype == np.float32
    # Steady-state middle of the signal: peak at 440 Hz and amplitude preserved.
    mid = total[4000:-4000]
    assert abs(_peak_hz(mid, ENGINE_RATE_HZ) - 440.0) < 3.0
    rms = float(np.sqrt(np.mean(mid.astype(np.float64) ** 2)))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_resampling_is_chunking_independent():
    tone = (_tone(300.0, 8000, 1.0) * 32767).astype("<i2").tobytes()
    a = AudioDecoder("pcm_s16le", 8000)
    out_a = np.concatenate([a.decode(tone), a.flush()])
    b = AudioDecoder("pcm_s16le", 8000)
    rng = np.random.default_rng(3)
    pos, parts = 0, []
    while pos < len(tone):
        n = int(rng.integers(1, 900))
        parts.append(b.decode(tone[pos : pos + n]))
        pos += n
    out_b = np.concatenate(parts + [b.flush()])
    assert len(out_a) == len(out_b)
    np.testing.assert_allclose(out_a, out_b, atol=1e-5)


def test_48k_to_16k():
    tone = (_tone(1000.0, 48000, 1.0) * 32767).astype("<i2").tobytes()
    dec = AudioDecoder("pcm_s16le", 48000)
    out = np.concatenate([dec.decode(tone), dec.flush()])
    assert abs(len(out) - 16000) <= 2
    assert abs(_peak_hz(out[2000:-2000], 16000) - 1000.0) < 5.0


def test_16k_needs_no_resampler_and_flush_is_empty():
    dec = AudioDecoder("pcm_s16le", 16000)
    assert len(dec.flush()) == 0
    assert len(dec.decode(bytes(3200))) == 1600


# ---------------------------------------------------------------------------------------------
# chunk_duration_ms
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_bytes, encoding, rate, ms",
    [
        (3200, "pcm_s16le", 16000, 100.0),
        (1600, "pcm_s16le", 16000, 50.0),
        (32000, "pcm_s16le", 16000, 1000.0),
        (38400, "pcm_s16le", 16000, 1200.0),
        (640, "pcm_s16le", 16000, 20.0),
        (1601, "pcm_s16le", 16000, 50.03125),
        (800, "pcm_mulaw", 8000, 100.0),
        (8000, "pcm_mulaw", 8000, 1000.0),
        (1600, "pcm_s16le", 8000, 100.0),
        (9600, "pcm_s16le", 48000, 100.0),
        (0, "pcm_s16le", 16000, 0.0),
    ],
)
def test_chunk_duration_ms(n_bytes, encoding, rate, ms):
    assert chunk_duration_ms(n_bytes, encoding, rate) == pytest.approx(ms)


def test_bytes_per_sample():
    assert bytes_per_sample("pcm_s16le") == 2
    assert bytes_per_sample("pcm_mulaw") == 1
