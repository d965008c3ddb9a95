"""Compressed encodings against PCM: the same recordings streamed as ``pcm_s16le``, raw ``opus`` packets,
``ogg_opus`` and ``aac`` through the session core with the real engine, and their WER side by side.

Why: a client that switches to Opus to save bandwidth must not lose accuracy. The encoders here (PyAV's
libopus and FFmpeg aac, shipped in the ``av`` wheel) also make the tests' compressed audio.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import av
import numpy as np
import soxr

from ..core.params import parse_session_params
from ..core.ports import Engine, VoiceDetector
from .corpus import load_clips, read_pcm16
from .offline import final_turns, run_offline
from .scoring import corpus_wer


def _frames(samples: np.ndarray, rate: int, size: int) -> list[av.AudioFrame]:
    """int16 mono frames of ``size`` samples (the last one zero-padded), with timestamps."""
    pcm = (np.clip(samples, -1, 32767 / 32768) * 32768).astype(np.int16)
    out = []
    for i in range(0, len(pcm), size):
        block = np.zeros(size, dtype=np.int16)
        part = pcm[i : i + size]
        block[: len(part)] = part
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block[None, :]), format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = i
        out.append(frame)
    return out


def to_48k(samples16: np.ndarray) -> np.ndarray:
    """16 kHz float samples at 48 kHz, the rate Opus encodes."""
    return soxr.resample(samples16.astype(np.float32), 16000, 48000)


def opus_packets(samples48: np.ndarray, bit_rate: int = 32000) -> list[bytes]:
    """Raw Opus packets (20 ms each), as a WebRTC bridge sends them: one per message."""
    enc = av.CodecContext.create("libopus", "w")
    enc.sample_rate, enc.layout, enc.format, enc.bit_rate = 48000, "mono", "s16", bit_rate
    enc.open()
    packets = [bytes(p) for f in _frames(samples48, 48000, 960) for p in enc.encode(f)]
    return packets + [bytes(p) for p in enc.encode(None)]


def _muxed(fmt: str, codec: str, rate: int, samples: np.ndarray, size: int, bit_rate: int) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        stream.bit_rate = bit_rate
        for frame in _frames(samples, rate, size):
            for p in stream.encode(frame):
                out.mux(p)
        for p in stream.encode(None):
            out.mux(p)
    return buf.getvalue()


def ogg_opus(samples48: np.ndarray, bit_rate: int = 32000) -> bytes:
    """An Ogg Opus file's bytes, as MediaRecorder or opusenc make them."""
    return _muxed("ogg", "libopus", 48000, samples48, 960, bit_rate)


def adts_aac(samples: np.ndarray, rate: int = 16000, bit_rate: int = 48000) -> bytes:
    """AAC-LC in an ADTS byte stream."""
    return _muxed("adts", "aac", rate, samples, 1024, bit_rate)


def cut(data: bytes, sizes: list[int]) -> list[bytes]:
    """``data`` cut into pieces of the given sizes, cycling."""
    out, i, k = [], 0, 0
    while i < len(data):
        n = sizes[k % len(sizes)]
        out.append(data[i : i + n])
        i, k = i + n, k + 1
    return out


def encode(encoding: str, samples16: np.ndarray, bit_rate: int) -> list[bytes]:
    """``samples16`` (float, 16 kHz) as the WebSocket messages a client of ``encoding`` sends: one raw
    packet per message for ``opus``; the Ogg/ADTS byte stream cut every 4000 bytes otherwise."""
    if encoding == "opus":
        return opus_packets(to_48k(samples16), bit_rate)
    if encoding == "ogg_opus":
        return cut(ogg_opus(to_48k(samples16), bit_rate), [4000])
    if encoding == "aac":
        return cut(adts_aac(samples16, 16000, bit_rate), [4000])
    raise ValueError(encoding)


def benchmark(engine: Engine, vad: VoiceDetector, audio_dir: Path, variants: Sequence[tuple[str, int]],
              limit: int | None = None) -> dict[str, Any]:
    """Corpus WER of the real clips streamed as PCM and as each (encoding, bit rate) variant."""
    clips = load_clips(audio_dir)[:limit] if limit else load_clips(audio_dir)
    audio = []
    for clip in clips:
        pcm, rate = read_pcm16(clip.path)
        if rate != 16000:
            raise ValueError(f"{clip.path}: {rate} Hz, expected 16000")
        audio.append(pcm + bytes(32000))  # a second of silence ends the last turn
    refs = [c.text for c in clips]
    runs: list[dict[str, Any]] = []
    for encoding, bit_rate in [("pcm_s16le", 256_000), *variants]:
        params = parse_session_params([("sample_rate", "16000"), ("encoding", encoding)])
        hyps, sent, t0 = [], 0, time.perf_counter()
        for pcm in audio:
            samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
            messages = [pcm] if encoding == "pcm_s16le" else encode(encoding, samples, bit_rate)
            sent += sum(len(m) for m in messages)
            finals = final_turns(run_offline(messages if encoding != "pcm_s16le" else pcm, params, engine, vad))
            hyps.append(" ".join(f["transcript"] for f in finals))
        audio_s = sum(len(p) for p in audio) / 32000
        runs.append({"encoding": encoding, "bit_rate": bit_rate if encoding != "pcm_s16le" else None,
                     "kbit_per_s": round(sent * 8 / audio_s / 1000, 1), "wer": round(corpus_wer(refs, hyps), 4),
                     "seconds": round(time.perf_counter() - t0, 1), "hypotheses": hyps})
    return {"clips": len(clips), "runs": runs}


def table(result: dict[str, Any]) -> str:
    base = result["runs"][0]["wer"]
    lines = ["| encoding | bit rate sent (kbit/s) | WER | vs PCM (points) |", "|---|---|---|---|"]
    for r in result["runs"]:
        lines.append(f"| {r['encoding']} | {r['kbit_per_s']} | {100 * r['wer']:.2f} % | "
                     f"{100 * (r['wer'] - base):+.2f} |")
    return "\n".join(lines)
