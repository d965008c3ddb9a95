"""Redacted audio (hushscribe extension ``hushscribe_redact_audio``), pure.

Why here and pure: the copy a client downloads must line up sample for sample with the audio it
sent, and the only things that may change are the redacted word spans. That is easy to get subtly
wrong (off-by-one at span edges, spans running past the end, overlapping spans), so the work is
three small functions over numpy arrays, unit-tested exactly, with no I/O:

* :class:`PcmRecorder` keeps the session's audio as the client sent it (16-bit PCM at the client's
  ``sample_rate``; ``pcm_mulaw`` is expanded to 16-bit), in memory only, up to a bound;
* :func:`redact_pcm` replaces every padded span with a tone or silence and leaves every other
  sample bit-identical;
* :func:`wav_bytes` wraps the result as a mono 16-bit PCM WAV.

Word times are milliseconds since the session's first audio sample (the Turn ``words`` times), so
span ``[a, b)`` ms is samples ``[floor(a * rate / 1000), ceil(b * rate / 1000))`` of the stream.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable

import numpy as np

from .audio import MULAW_TO_PCM16, whole_samples

__all__ = ["PcmRecorder", "merge_spans", "redact_pcm", "wav_bytes", "TONE_HZ", "TONE_AMPLITUDE", "FILLS"]

FILLS = ("tone", "silence")
TONE_HZ = 1000.0
# -20 dBFS: clearly audible as a bleep, far from clipping, and not speech to a recogniser.
TONE_AMPLITUDE = 0.1


class PcmRecorder:
    """The session's audio as 16-bit PCM at the client's rate, in memory, bounded.

    ``max_samples`` bounds memory (2 bytes a sample: 16 kHz is 1.92 MB a minute). The first
    :meth:`append` that would pass it drops everything recorded (memory freed at once) and returns
    False; from then on the recorder stays empty and :attr:`overflowed` is True, so a caller can
    never hand out a copy with the later audio silently missing.
    """

    def __init__(self, encoding: str, max_samples: int):
        if encoding not in ("pcm_s16le", "pcm_mulaw"):
            raise ValueError(f"unsupported encoding {encoding!r}")
        self.encoding = encoding
        self.max_samples = max_samples
        self._data = bytearray()  # little-endian int16
        self._carry = b""  # an odd trailing byte of pcm_s16le, completed by the next chunk
        self.overflowed = False

    @property
    def samples(self) -> int:
        return len(self._data) // 2

    @property
    def nbytes(self) -> int:
        return len(self._data)

    def append(self, data: bytes) -> bool:
        """Record one client audio message. False when the bound was passed (see the class doc)."""
        if self.overflowed:
            return False
        if self.encoding == "pcm_s16le":
            pcm, self._carry = whole_samples(self._carry, data)
        else:
            pcm = MULAW_TO_PCM16[np.frombuffer(data, dtype=np.uint8)].astype("<i2").tobytes()
        if self.samples + len(pcm) // 2 > self.max_samples:
            self.drop()
            self.overflowed = True
            return False
        self._data += pcm
        return True

    def pcm(self) -> np.ndarray:
        """The recording as int16 samples: a read-only view, no copy (an hour at 16 kHz is 115 MB).
        Valid until the next :meth:`append` or :meth:`drop`."""
        view = np.frombuffer(self._data, dtype="<i2")
        view.flags.writeable = False
        return view

    def drop(self) -> None:
        self._data = bytearray()
        self._carry = b""


def merge_spans(spans_ms: Iterable[tuple[int, int]], pad_ms: int) -> list[tuple[int, int]]:
    """Pad each ``(start_ms, end_ms)`` by ``pad_ms`` on both sides (never below 0) and merge the
    ones that overlap or touch, sorted. Empty or inverted spans are kept as their padding."""
    padded = sorted((max(0, int(a) - pad_ms), max(int(a), int(b)) + pad_ms) for a, b in spans_ms)
    out: list[tuple[int, int]] = []
    for a, b in padded:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def redact_pcm(pcm: np.ndarray, sample_rate: int, spans_ms: Iterable[tuple[int, int]], *, pad_ms: int = 0,
               fill: str = "tone", tone_hz: float = TONE_HZ, amplitude: float = TONE_AMPLITUDE) -> np.ndarray:
    """A copy of ``pcm`` (int16) with every padded span replaced by ``fill``.

    ``tone``: a sine of ``tone_hz`` at ``amplitude`` of full scale, its phase taken from the absolute
    sample index (so the result does not depend on how spans were merged); ``silence``: zeros.
    Spans are clamped to the recording; samples outside every padded span are left untouched.
    """
    if fill not in FILLS:
        raise ValueError(f"unknown fill {fill!r}; expected one of {FILLS}")
    out = np.array(pcm, dtype=np.int16, copy=True)
    n = len(out)
    for a_ms, b_ms in merge_spans(spans_ms, pad_ms):
        a = min(n, (a_ms * sample_rate) // 1000)
        b = min(n, -((-b_ms * sample_rate) // 1000))  # ceil
        if b <= a:
            continue
        if fill == "silence":
            out[a:b] = 0
        else:
            idx = np.arange(a, b, dtype=np.float64)
            tone = amplitude * 32767.0 * np.sin(2.0 * math.pi * tone_hz * idx / sample_rate)
            out[a:b] = np.round(tone).astype(np.int16)
    return out


def wav_bytes(pcm: np.ndarray, sample_rate: int) -> bytes:
    """Mono 16-bit PCM WAV of ``pcm`` (int16): the 44-byte RIFF header and the samples, copied once."""
    data = np.ascontiguousarray(pcm, dtype="<i2")
    size = data.nbytes
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + size, b"WAVE", b"fmt ", 16, 1, 1, sample_rate,
                         sample_rate * 2, 2, 16, b"data", size)
    return header + data.tobytes()
