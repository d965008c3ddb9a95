"""Client audio bytes -> float32 mono samples at the engine rate (16 kHz).

Why: clients send ``pcm_s16le`` or ``pcm_mulaw`` at any ``sample_rate`` >= 8000 in chunks of any
length (odd byte counts included), or compressed ``opus``/``ogg_opus``/``aac`` (see ``compressed``);
the VAD and Whisper need contiguous 16 kHz float32. One :class:`AudioDecoder` per session keeps the
little state this needs (a dangling odd byte, the codec, the resampler's filter history), so chunk
boundaries never change the result.
"""

from __future__ import annotations

import numpy as np
import soxr  # lazy: only sessions that need it pay the import

from .compressed import COMPRESSED_ENCODINGS, CompressedDecoder, UndecodableAudio

__all__ = ["COMPRESSED_ENCODINGS", "ENGINE_RATE_HZ", "AudioDecoder", "UndecodableAudio"]

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
    """Duration of one PCM client message, as the 50-1000 ms rule (protocol §4.1) measures it. Compressed
    messages have no duration before decoding (the rule is not applied to them)."""
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
        if encoding not in ("pcm_s16le", "pcm_mulaw", *COMPRESSED_ENCODINGS):
            raise ValueError(f"unsupported encoding {encoding!r}")
        self.encoding = encoding
        self.sample_rate_hz = sample_rate_hz
        self._carry = b""
        self.samples_in = 0  # client-rate samples received (for audio_duration_seconds)
        self._resampler = None
        self._compressed: CompressedDecoder | None = None
        if encoding in COMPRESSED_ENCODINGS:
            # Self-describing streams: the rate comes from the stream, ``sample_rate`` is ignored.
            self._compressed = CompressedDecoder(encoding)
            self.sample_rate_hz = 0
        elif sample_rate_hz != ENGINE_RATE_HZ:
            self._resampler = _resampler(sample_rate_hz)

    @property
    def compressed(self) -> bool:
        return self._compressed is not None

    def _decode_compressed(self, data: bytes | None) -> np.ndarray:
        """Decoded samples at the stream's own rate, resampled to 16 kHz (raises UndecodableAudio)."""
        codec = self._compressed
        assert codec is not None
        samples = codec.decode(data) if data is not None else codec.flush()
        if codec.rate and not self.sample_rate_hz:
            self.sample_rate_hz = codec.rate
            if codec.rate != ENGINE_RATE_HZ:
                self._resampler = _resampler(codec.rate)
        self.samples_in += len(samples)
        if self._resampler is not None and len(samples):
            samples = self._resampler.resample_chunk(samples)
        return samples

    def decode(self, data: bytes) -> np.ndarray:
        if self._compressed is not None:
            return self._decode_compressed(data)
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
        """Drain the codec and the resampler's tail at the end of the stream."""
        head = np.zeros(0, dtype=np.float32)
        if self._compressed is not None:
            try:
                head = self._decode_compressed(None)
            except UndecodableAudio:
                pass
        if self._resampler is None:
            return head
        tail: np.ndarray = self._resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        return np.concatenate([head, tail]) if len(head) else tail

    @property
    def seconds_in(self) -> float:
        return self.samples_in / self.sample_rate_hz if self.sample_rate_hz else 0.0


def _resampler(rate_hz: int) -> soxr.ResampleStream:
    return soxr.ResampleStream(rate_hz, ENGINE_RATE_HZ, 1, dtype="float32", quality="HQ")
