"""Client audio bytes -> float32 mono samples at the engine rate (16 kHz).

Why: clients send ``pcm_s16le`` or ``pcm_mulaw`` at any ``sample_rate`` >= 8000 in chunks of any
length (odd byte counts included); the VAD and Whisper need contiguous 16 kHz float32. One
:class:`AudioDecoder` per session keeps the little state this needs (a dangling odd byte, the
resampler's filter history), so chunk boundaries never change the result.
"""

from __future__ import annotations

import numpy as np
import soxr  # lazy: only sessions that need it pay the import

ENGINE_RATE_HZ = 16_000


def _mulaw_table() -> np.ndarray:
    """ITU-T G.711 mu-law byte -> int16 sample, as a 256-entry lookup table."""
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


MULAW_TO_PCM16 = _mulaw_table()


def bytes_per_sample(encoding: str) -> int:
    return 2 if encoding == "pcm_s16le" else 1


def chunk_duration_ms(n_bytes: int, encoding: str, sample_rate_hz: int) -> float:
    """Duration of one client message, as the 50-1000 ms rule (protocol §4.1) measures it."""
    return 1000.0 * n_bytes / (bytes_per_sample(encoding) * sample_rate_hz)


def whole_samples(carry: bytes, data: bytes) -> tuple[bytes, bytes]:
    """``pcm_s16le`` cut at a sample boundary: (whole samples of ``carry + data``, the dangling odd byte
    to carry into the next chunk)."""
    if carry:
        data = carry + data
    if len(data) % 2:
        return data[:-1], data[-1:]
    return data, b""


class AudioDecoder:
    """Stateful decoder for one session: bytes in, 16 kHz float32 out."""

    def __init__(self, encoding: str, sample_rate_hz: int):
        if encoding not in ("pcm_s16le", "pcm_mulaw"):
            raise ValueError(f"unsupported encoding {encoding!r}")
        self.encoding = encoding
        self.sample_rate_hz = sample_rate_hz
        self._carry = b""
        self.samples_in = 0  # client-rate samples received (for audio_duration_seconds)
        self._resampler = None
        if sample_rate_hz != ENGINE_RATE_HZ:
            self._resampler = soxr.ResampleStream(
                sample_rate_hz, ENGINE_RATE_HZ, 1, dtype="float32", quality="HQ"
            )

    def decode(self, data: bytes) -> np.ndarray:
        if self.encoding == "pcm_s16le":
            data, self._carry = whole_samples(self._carry, data)
            pcm = np.frombuffer(data, dtype="<i2")
        else:
            pcm = MULAW_TO_PCM16[np.frombuffer(data, dtype=np.uint8)]
        self.samples_in += len(pcm)
        samples = pcm.astype(np.float32) * (1.0 / 32768.0)
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        return samples

    def flush(self) -> np.ndarray:
        """Drain the resampler's tail at the end of the stream."""
        if self._resampler is None:
            return np.zeros(0, dtype=np.float32)
        tail: np.ndarray = self._resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        return tail

    @property
    def seconds_in(self) -> float:
        return self.samples_in / self.sample_rate_hz
