"""Compressed client audio (``opus``, ``ogg_opus``, ``aac``) -> float32 mono samples, incrementally.

Why: browsers (MediaRecorder, WebRTC) and telephony bridges send Opus, and the SDKs offer these three
encodings (protocol §3.3). Each arrives differently: ``opus`` is one raw Opus packet per WebSocket message;
``ogg_opus`` is an Ogg byte stream cut anywhere across messages; ``aac`` is an ADTS byte stream cut
anywhere. :class:`OggPackets` (pure) and FFmpeg's ADTS parser turn the bytes into whole packets, and
PyAV's decoders (FFmpeg, shipped in the ``av`` wheel) turn the packets into samples. No container is
opened and nothing waits for more input, so each message's audio comes out as soon as it is complete.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import av
import numpy as np
import numpy.typing as npt

COMPRESSED_ENCODINGS: tuple[str, ...] = ("opus", "ogg_opus", "aac")
OPUS_RATE_HZ = 48_000  # Opus always decodes at 48 kHz (RFC 7845 §5.1: pre-skip counts 48 kHz samples)
MAX_BAD_MESSAGES = 10  # this many undecodable messages in a row: the client is not sending this encoding
MAX_BYTES_BEFORE_AUDIO = 65_536  # Ogg/ADTS bytes without one decoded frame: not this encoding (headers are < 4 KiB)


class UndecodableAudio(Exception):
    """The client's bytes cannot be decoded as its ``encoding`` (becomes Error 3006)."""


class OggPackets:
    """Reassembles the packets of the first logical Ogg stream from bytes cut at any point (RFC 3533).

    A page is ``OggS``, version, flags, granule (8), serial (4), sequence (4), CRC (4), a segment
    count and a lacing table; a lacing value below 255 ends a packet, so packets may span pages.
    """

    _HEADER = struct.Struct("<4sBBqIIIB")

    def __init__(self, max_buffer: int = 1 << 20):
        self._buf = bytearray()
        self._packet = bytearray()
        self._serial: int | None = None
        self._max_buffer = max_buffer

    def feed(self, data: bytes) -> list[bytes]:
        """Append ``data`` and return every packet completed by it, in order."""
        self._buf += data
        out: list[bytes] = []
        while True:
            if len(self._buf) < self._HEADER.size:
                break
            if self._buf[:4] != b"OggS":
                start = self._buf.find(b"OggS", 1)
                if start < 0:  # resynchronise: keep only what could begin a capture pattern
                    del self._buf[: max(0, len(self._buf) - 3)]
                    break
                del self._buf[:start]
                continue
            _, _version, _flags, _granule, serial, _seq, _crc, n_segments = self._HEADER.unpack_from(self._buf)
            table_end = self._HEADER.size + n_segments
            if len(self._buf) < table_end:
                break
            lacing = self._buf[self._HEADER.size : table_end]
            page_end = table_end + sum(lacing)
            if len(self._buf) < page_end:
                break
            body = bytes(self._buf[table_end:page_end])
            del self._buf[:page_end]
            if self._serial is None:
                self._serial = serial
            if serial != self._serial:
                continue  # another multiplexed stream: not ours
            pos = 0
            for lace in lacing:
                self._packet += body[pos : pos + lace]
                pos += lace
                if lace < 255:
                    out.append(bytes(self._packet))
                    self._packet.clear()
        if len(self._buf) > self._max_buffer:
            raise UndecodableAudio("no Ogg page found in the audio stream")
        return out


def _mono(frame: av.AudioFrame) -> npt.NDArray[np.float32]:
    """A decoded frame as float32 mono (channels averaged), whatever FFmpeg's sample format."""
    data = frame.to_ndarray()
    if frame.format.is_planar:
        data = data.reshape(len(frame.layout.channels), -1)
    else:
        data = data.reshape(-1, len(frame.layout.channels)).T
    samples = data.astype(np.float32)
    if data.dtype == np.int16:
        samples *= 1.0 / 32768
    elif data.dtype == np.int32:
        samples *= 1.0 / 2**31
    mono = samples.mean(axis=0) if samples.shape[0] > 1 else samples[0]
    return np.asarray(mono, dtype=np.float32)


class CompressedDecoder:
    """One session's compressed stream: ``decode(message) -> (samples, rate)``; rate 0 before the first frame."""

    def __init__(self, encoding: str):
        if encoding not in COMPRESSED_ENCODINGS:
            raise ValueError(f"not a compressed encoding: {encoding!r}")
        self.encoding = encoding
        self._ogg = OggPackets() if encoding == "ogg_opus" else None
        self._codec: av.AudioCodecContext = av.CodecContext.create("aac" if encoding == "aac" else "opus", "r")
        if encoding == "opus":  # raw packets carry no header: a mono 48 kHz decoder (stereo packets downmix)
            self._codec.sample_rate = OPUS_RATE_HZ
            self._codec.layout = "mono"
        self._headers_seen = 0  # ogg_opus: OpusHead and OpusTags come first (RFC 7845 §3)
        self._bad_in_a_row = 0
        self._bytes_in = 0
        self.rate = 0

    def decode(self, data: bytes) -> np.ndarray:
        try:
            out = [s for packet in self._packets(data) for s in self._decode_packet(packet)]
            if self.encoding == "opus" and data and not out:  # every Opus packet decodes to >= 2.5 ms
                raise ValueError("an Opus packet that decodes to nothing")
        except (av.error.FFmpegError, ValueError) as exc:  # corrupt packet: FFmpeg already concealed it
            self._bad_in_a_row += 1
            if self._bad_in_a_row >= MAX_BAD_MESSAGES:
                raise UndecodableAudio(
                    f"{MAX_BAD_MESSAGES} audio messages in a row could not be decoded as {self.encoding}"
                ) from exc
            return np.zeros(0, dtype=np.float32)
        self._bad_in_a_row = 0
        self._bytes_in += len(data)
        if not self.rate and not out and self._bytes_in > MAX_BYTES_BEFORE_AUDIO:
            raise UndecodableAudio(f"no {self.encoding} audio found in the first {MAX_BYTES_BEFORE_AUDIO} bytes")
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def flush(self) -> np.ndarray:
        """What the decoder still holds at the end of the stream (AAC's parser keeps the last frame)."""
        out: list[np.ndarray] = []
        try:
            if self.encoding == "aac":
                for packet in self._codec.parse(b""):
                    out.extend(self._decode_packet(packet))
            for frame in self._codec.decode(None):
                out.append(self._take(frame))
        except (av.error.FFmpegError, ValueError):
            pass
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def _packets(self, data: bytes) -> Iterator[av.Packet[Any]]:
        if self.encoding == "opus":
            if data:
                yield av.Packet(data)
            return
        if self.encoding == "aac":
            yield from self._codec.parse(data)
            return
        assert self._ogg is not None
        for raw in self._ogg.feed(data):
            if self._headers_seen == 0:
                self._open_ogg_opus(raw)
            elif self._headers_seen == 1 and raw.startswith(b"OpusTags"):
                pass
            else:
                yield av.Packet(raw)
            self._headers_seen += 1

    def _open_ogg_opus(self, head: bytes) -> None:
        """Configure the decoder from OpusHead (RFC 7845 §5.1). Given it as extradata, FFmpeg's decoder
        drops the pre-skip itself, so decoded sample 0 is the encoder's first input sample."""
        if not head.startswith(b"OpusHead") or len(head) < 19:
            raise UndecodableAudio("the Ogg stream does not start with an OpusHead packet")
        channels = head[9]
        self._codec.extradata = head
        self._codec.sample_rate = OPUS_RATE_HZ
        self._codec.layout = "stereo" if channels == 2 else "mono"

    def _decode_packet(self, packet: av.Packet[Any]) -> list[np.ndarray]:
        return [self._take(frame) for frame in self._codec.decode(packet)]

    def _take(self, frame: av.AudioFrame) -> np.ndarray:
        if self.rate and frame.sample_rate != self.rate:
            raise UndecodableAudio(f"the {self.encoding} stream changed sample rate mid-session")
        self.rate = frame.sample_rate
        return _mono(frame)
