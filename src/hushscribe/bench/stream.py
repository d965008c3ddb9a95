"""Streaming load benchmark: N concurrent WebSocket clients speaking the v3 protocol the way the
Python SDK does, each streaming labelled call recordings; measures time-to-final-segment (TTFS)
from the true end of speech, partial latency/cadence, WER, send lag and server CPU/RSS.

Pure parts (turn matching, percentiles, lag accounting, report building) are plain functions so
they can be unit-tested without a server; :func:`run_streams` is the asyncio driver.

Timing model. ``t0`` of a stream is the wall time (``time.monotonic``) at which its "microphone"
starts, right after ``Begin``. Audio chunk ``k`` holds audio ``[k*c, (k+1)*c)`` ms and, in real-time
mode, is due at ``t0 + (k+1)*c`` (it cannot be sent before its audio exists). Then

* TTFS of a labelled turn = arrival of its final ``Turn`` - (``t0`` + ``end_ms``), i.e. from the true
  end of speech (the chunking delay of at most one chunk is part of it, as with a microphone);
* time to first partial = first partial's arrival - (``t0`` + ``start_ms``).

In ``--fast`` mode there is no real-time clock, so both are measured from the moment the chunk
containing ``end_ms`` (``start_ms``) was actually sent (``timing_basis: "sent"`` in the report).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import websockets
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ..cli.stream import read_wav_16k_mono
from ..settings import cpu_cores
from .corpus import Call, CallTurn, audio_set, read_pcm16
from .scoring import corpus_wer

RATE = 16000
BYTES_PER_MS = RATE * 2 // 1000
MERGE_TOLERANCE_MS = 150  # a final "covers" another labelled turn when it overlaps it by more than this
NEAREST_MATCH_MS = 1000  # a final that overlaps no labelled turn still matches one this close to it
FORCE_ENDPOINT = '{"type":"ForceEndpoint"}'


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchConfig:
    url: str
    key: str
    streams: int = 1
    realtime: bool = True
    chunk_ms: int = 50
    partials: bool = False
    redact_pii: bool = False
    speech_model: str = "universal-streaming-english"
    duration_s: float | None = None
    seed: int = 0
    stagger_s: float = 1.0
    late_ms: float = 200.0  # a chunk sent more than this after its real-time deadline is "late"
    termination_timeout_s: float = 10.0  # Termination later than this after the last chunk: fell behind
    drain_timeout_s: float = 60.0  # how long to wait for Termination at all before giving up
    connect_timeout_s: float = 10.0
    begin_timeout_s: float = 10.0
    # --client-vad: the client runs Silero VAD the way Pipecat does and sends ForceEndpoint at VAD stop
    client_vad: bool = False
    vad_stop_secs: float = 0.2  # Pipecat's stt-benchmark setting (VADParams default: 0.8)
    vad_start_secs: float = 0.2
    vad_confidence: float = 0.7
    extra_query: tuple[tuple[str, str], ...] = ()  # more connection parameters (e.g. min_turn_silence)

    def query(self) -> dict[str, Any]:
        """Connection parameters, encoded as the Python SDK encodes them (``urlencode`` of Python
        values: booleans become ``True``/``False``, protocol §3.1)."""
        return {
            "sample_rate": RATE,
            "speech_model": self.speech_model,
            "format_turns": False,
            "include_partial_turns": self.partials,
            "redact_pii": self.redact_pii,
            **dict(self.extra_query),
        }

    def ws_url(self) -> str:
        base = self.url.rstrip("/")
        if not base.endswith("/v3/ws"):
            base += "/v3/ws"
        return base + "?" + urllib.parse.urlencode(self.query())

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("key")  # never write credentials into a report
        d["ws_url"] = self.ws_url()
        return d


# ---------------------------------------------------------------------------------------------
# Audio plans: what each stream sends and which labelled turns it contains (in stream time)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledTurn:
    call_id: str
    turn_index: int  # index in its call
    start_ms: int  # stream time (call offset added)
    end_ms: int
    text: str


@dataclass(frozen=True)
class Segment:
    call_id: str
    wav: str
    offset_ms: int  # where the segment starts in the stream
    duration_ms: int  # audio used (a call may be cut at a turn boundary)
    cut: bool


@dataclass(frozen=True)
class StreamPlan:
    index: int
    segments: tuple[Segment, ...]
    turns: tuple[LabelledTurn, ...]
    pcm: bytes = field(repr=False)

    @property
    def audio_ms(self) -> int:
        return len(self.pcm) // 2 * 1000 // RATE


@dataclass(frozen=True)
class LabelledCall(Call):
    labels: Path


def load_call_dir(clips_dir: Path, limit: int | None = None) -> list[LabelledCall]:
    """Call recordings with labels in ``clips_dir``: every ``*.json`` that has ``turns`` and a WAV
    (its ``audio`` field's file name, or the same stem) in the same directory; sorted by name, the
    first ``limit`` when given."""
    calls: list[LabelledCall] = []
    for meta in sorted(Path(clips_dir).glob("*.json")):
        try:
            d = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(d, dict) or not d.get("turns"):
            continue
        wav = Path(clips_dir) / Path(d.get("audio") or (meta.stem + ".wav")).name
        if not wav.exists():
            wav = meta.with_suffix(".wav")
        if not wav.exists():
            continue
        turns = tuple(CallTurn(int(t.get("turn_index", i)), int(t["start_ms"]), int(t["end_ms"]), t["text"])
                      for i, t in enumerate(d["turns"]))
        calls.append(LabelledCall(d.get("id", meta.stem), wav, int(d.get("duration_ms", 0)), turns,
                                  tuple(d.get("gaps_ms", ())), meta))
        if limit is not None and len(calls) >= limit:
            break
    return calls


def read_call_pcm(path: Path) -> bytes:
    """16 kHz mono s16le bytes of a call recording (resampled/downmixed when it is not)."""
    try:
        pcm, rate = read_pcm16(path)
        if rate == RATE:
            return pcm
    except ValueError:
        pass
    return read_wav_16k_mono(str(path))[0]


def cut_point_ms(call: Call, want_ms: int, call_ms: int) -> tuple[int, int]:
    """Where to cut ``call`` so that at least ``want_ms`` of it is used without cutting a turn:
    after the first turn ending at or beyond ``want_ms``, in the silence that follows it (half the
    gap to the next turn, at most 1 s). Returns (cut_ms, number of turns kept)."""
    turns = call.turns
    for i, t in enumerate(turns):
        if t.end_ms >= want_ms:
            if i + 1 < len(turns):
                gap = max(0, turns[i + 1].start_ms - t.end_ms)
                return min(call_ms, t.end_ms + min(1000, gap // 2)), i + 1
            return call_ms, len(turns)
    return call_ms, len(turns)


def plan_streams(calls: Sequence[Call], pcms: dict[str, bytes], n: int, duration_s: float | None = None) -> list[StreamPlan]:
    """Stream ``i`` sends call ``i mod len(calls)``; with ``duration_s`` it goes on round-robin
    through the calls until it has that much audio (the last call cut after a turn)."""
    if not calls:
        raise ValueError("no calls to stream")
    plans = []
    for i in range(n):
        segments: list[Segment] = []
        turns: list[LabelledTurn] = []
        parts: list[bytes] = []
        offset = 0
        j = i % len(calls)
        want_total = None if duration_s is None else int(duration_s * 1000)
        while True:
            call = calls[j % len(calls)]
            pcm = pcms[call.id]
            call_ms = len(pcm) // 2 * 1000 // RATE
            use_ms, kept, cut = call_ms, len(call.turns), False
            if want_total is not None and offset + call_ms > want_total:
                use_ms, kept = cut_point_ms(call, want_total - offset, call_ms)
                cut = use_ms < call_ms
            parts.append(pcm[: use_ms * BYTES_PER_MS])
            segments.append(Segment(call.id, str(call.path), offset, use_ms, cut))
            turns.extend(LabelledTurn(call.id, t.index, t.start_ms + offset, t.end_ms + offset, t.text)
                         for t in call.turns[:kept])
            offset += use_ms
            j += 1
            if want_total is None or offset >= want_total:
                break
        plans.append(StreamPlan(i, tuple(segments), tuple(turns), b"".join(parts)))
    return plans


# ---------------------------------------------------------------------------------------------
# Pure analysis
# ---------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile (numpy's default), ``q`` in 0..100; None when empty."""
    xs = sorted(values)
    if not xs:
        return None
    if len(xs) == 1:
        return float(xs[0])
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def summarize(values: Iterable[float | None], qs: Sequence[int] = (50, 95, 99)) -> dict[str, Any]:
    xs = [float(v) for v in values if v is not None]
    out: dict[str, Any] = {"n": len(xs)}
    for q in qs:
        out[f"p{q}"] = _r(percentile(xs, q))
    out["max"] = _r(max(xs)) if xs else None
    out["mean"] = _r(sum(xs) / len(xs)) if xs else None
    return out


def _r(v: float | None, nd: int = 1) -> float | None:
    return None if v is None else round(float(v), nd)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    if a1 <= a0:  # zero-length word: counts when it lies inside the turn
        return 1 if b0 <= a0 <= b1 else 0
    return max(0, min(a1, b1) - max(a0, b0))


def turn_overlaps(words: Sequence[tuple[int, int]], refs: Sequence[LabelledTurn]) -> list[int]:
    """For each labelled turn, the milliseconds of ``words`` (start, end) that fall inside it."""
    return [sum(_overlap(s, e, r.start_ms, r.end_ms) for s, e in words) for r in refs]


def match_turn(words: Sequence[tuple[int, int]], refs: Sequence[LabelledTurn]) -> int | None:
    """The labelled turn whose [start_ms, end_ms] overlaps ``words`` most; when none overlaps,
    the nearest one within ``NEAREST_MATCH_MS`` of the words' span; else None (spurious)."""
    if not words or not refs:
        return None
    ov = turn_overlaps(words, refs)
    best = max(range(len(refs)), key=lambda i: ov[i])
    if ov[best] > 0:
        return best
    h0, h1 = min(s for s, _ in words), max(e for _, e in words)

    def distance(r: LabelledTurn) -> int:
        return max(0, r.start_ms - h1, h0 - r.end_ms)

    near = min(range(len(refs)), key=lambda i: distance(refs[i]))
    return near if distance(refs[near]) <= NEAREST_MATCH_MS else None


@dataclass
class TurnObs:
    """What a client saw of one ``turn_order``: partial arrivals and its first final."""

    turn_order: int
    partial_arrivals: list[float] = field(default_factory=list)
    final_arrival: float | None = None
    transcript: str = ""
    words: list[tuple[int, int]] = field(default_factory=list)


def collect_turns(events: Sequence[tuple[float, dict]]) -> list[TurnObs]:
    """Group ``Turn`` messages (arrival, message) by ``turn_order``: partials before the first
    final, and the first final (a formatted second final is ignored)."""
    by_order: dict[int, TurnObs] = {}
    for arrival, msg in events:
        if msg.get("type") != "Turn":
            continue
        order = int(msg.get("turn_order", -1))
        obs = by_order.setdefault(order, TurnObs(order))
        if msg.get("end_of_turn"):
            if obs.final_arrival is None:
                obs.final_arrival = arrival
                obs.transcript = msg.get("transcript") or " ".join(w.get("text", "") for w in msg.get("words", []))
                obs.words = [(int(w["start"]), int(w["end"])) for w in msg.get("words", [])]
        elif obs.final_arrival is None:
            obs.partial_arrivals.append(arrival)
    return [by_order[k] for k in sorted(by_order)]


class Clock:
    """Maps audio time to the wall time it counts from: real time (``t0 + ms``) or, in fast mode,
    the send time of the chunk holding that millisecond."""

    def __init__(self, t0: float, realtime: bool, chunk_ms: int, sent_at: Sequence[float]):
        self.t0, self.realtime, self.chunk_ms, self.sent_at = t0, realtime, chunk_ms, sent_at

    def at(self, audio_ms: int) -> float | None:
        if self.realtime:
            return self.t0 + audio_ms / 1000.0
        if not self.sent_at:
            return None
        k = min(max(0, audio_ms // self.chunk_ms), len(self.sent_at) - 1)
        return self.sent_at[k]


def turn_rows(obs: Sequence[TurnObs], refs: Sequence[LabelledTurn], clock: Clock) -> tuple[list[dict], list[TurnObs]]:
    """One row per labelled turn, and the spurious finals (matching no labelled turn).

    Each final is assigned to the labelled turn it overlaps most. A labelled turn is ``found``
    (one final), ``split`` (several: TTFS from the last one), ``merged`` (no final of its own but a
    final assigned elsewhere overlaps it by > 150 ms: TTFS from that final) or ``missed``."""
    finals = [o for o in obs if o.final_arrival is not None]
    assigned: dict[int, list[TurnObs]] = {}
    spurious: list[TurnObs] = []
    for o in finals:
        i = match_turn(o.words, refs)
        if i is None:
            spurious.append(o)
        else:
            assigned.setdefault(i, []).append(o)
    rows = []
    for i, ref in enumerate(refs):
        mine = assigned.get(i, [])
        if mine:
            status = "found" if len(mine) == 1 else "split"
        else:
            covering = [o for o in finals if turn_overlaps(o.words, [ref])[0] > MERGE_TOLERANCE_MS]
            mine = covering[:1]
            status = "merged" if mine else "missed"
        ttfs = first_partial = None
        intervals: list[float] = []
        if mine:
            end_at, start_at = clock.at(ref.end_ms), clock.at(ref.start_ms)
            last = max(a for o in mine if (a := o.final_arrival) is not None)
            if end_at is not None:
                ttfs = (last - end_at) * 1000
            partials = sorted(a for o in mine for a in o.partial_arrivals)
            if partials and start_at is not None:
                first_partial = (partials[0] - start_at) * 1000
            for o in mine:
                p = o.partial_arrivals
                intervals.extend((b - a) * 1000 for a, b in pairwise(p))
        rows.append({
            "call_id": ref.call_id,
            "turn_index": ref.turn_index,
            "start_ms": ref.start_ms,
            "end_ms": ref.end_ms,
            "status": status,
            "turn_orders": [o.turn_order for o in mine],
            "ttfs_ms": _r(ttfs),
            "first_partial_ms": _r(first_partial),
            "partials": sum(len(o.partial_arrivals) for o in mine),
            "partial_cadence_ms": _r(sum(intervals) / len(intervals)) if intervals else None,
            "partial_intervals_ms": [round(x, 1) for x in intervals],
            "ref_text": ref.text,
            "hyp_text": " ".join(o.transcript for o in mine),
        })
    return rows, spurious


def lag_stats(lags_ms: Sequence[float], late_ms: float, block_ms: Sequence[float] = ()) -> dict[str, Any]:
    """Send lag of the chunks (send time - real-time deadline, ms): count over ``late_ms``, max.
    ``block_ms`` (time spent inside ``send``) separates the server's backpressure from the client's
    own scheduling delays: a late chunk that did not block was late because the client was."""
    return {
        "late_chunks": sum(1 for x in lags_ms if x > late_ms),
        "max_send_lag_ms": _r(max(lags_ms)) if lags_ms else None,
        "p99_send_lag_ms": _r(percentile(lags_ms, 99)),
        "blocked_chunks": sum(1 for x in block_ms if x > late_ms),
        "max_send_block_ms": _r(max(block_ms)) if block_ms else None,
    }


def fell_behind(late_chunks: int | None, termination_after_last_chunk_s: float | None, timeout_s: float) -> bool:
    """A stream fell behind when any chunk went out late, or Termination did not arrive within
    ``timeout_s`` of the last chunk (or at all)."""
    if late_chunks:
        return True
    return termination_after_last_chunk_s is None or termination_after_last_chunk_s > timeout_s


def stream_wer(rows: Sequence[dict], obs: Sequence[TurnObs]) -> tuple[str, str]:
    """(reference, hypothesis) of one stream: labelled turn texts and every final, in order."""
    ref = " ".join(r["ref_text"] for r in rows)
    hyp = " ".join(o.transcript for o in obs if o.final_arrival is not None and o.transcript)
    return ref, hyp


def corpus_wer_or_none(refs: Sequence[str], hyps: Sequence[str]) -> float | None:
    if not any(r.strip() for r in refs):
        return None
    try:
        return round(corpus_wer(refs, hyps), 4)
    except ImportError:  # jiwer / whisper-normalizer are the 'bench' extra
        return None


# ---------------------------------------------------------------------------------------------
# Client-side VAD, Pipecat's way (--client-vad)
# ---------------------------------------------------------------------------------------------

VAD_FRAME_SAMPLES = 512  # Silero's frame at 16 kHz, as Pipecat's SileroVADAnalyzer feeds it
VAD_FRAME_MS = VAD_FRAME_SAMPLES * 1000 / RATE  # 32 ms


@dataclass(frozen=True)
class VadSegment:
    """One stretch of speech as Pipecat's ``VADAnalyzer`` decides it, in stream audio time.
    ``start_ms``: start of its first speaking frame; ``stop_ms``: end of the frame at which the
    analyzer decided the user stopped (``stop_secs`` of quiet frames after the last speaking one),
    i.e. when a Pipecat client sends ``ForceEndpoint``."""

    start_ms: float
    stop_ms: float


def pipecat_vad_segments(probs: Sequence[float], *, confidence: float = 0.7, start_secs: float = 0.2,
                         stop_secs: float = 0.2, frame_ms: float = VAD_FRAME_MS) -> list[VadSegment]:
    """Pipecat's VAD state machine (QUIET -> STARTING -> SPEAKING -> STOPPING -> QUIET) over one
    Silero probability per frame: a frame is speech when its probability >= ``confidence``; speech
    starts after ``round(start_secs / frame)`` speaking frames in a row and stops after
    ``round(stop_secs / frame)`` quiet ones. Pipecat also requires a minimum smoothed volume; the
    recordings here are level, so that test is left out. A segment still open at the end of the
    audio has no stop (the client ends it with Terminate) and is not returned."""
    start_frames = max(1, round(start_secs * 1000 / frame_ms))
    stop_frames = max(1, round(stop_secs * 1000 / frame_ms))
    state, count, seg_start = "quiet", 0, 0
    out: list[VadSegment] = []
    for i, p in enumerate(probs):
        speaking = p >= confidence
        if state == "quiet":
            if speaking:
                state, count, seg_start = "starting", 1, i
        elif state == "starting":
            if speaking:
                count += 1
            else:
                state, count = "quiet", 0
        elif state == "speaking":
            if not speaking:
                state, count = "stopping", 1
        elif speaking:  # stopping
            state, count = "speaking", 0
        else:
            count += 1
        if state == "starting" and count >= start_frames:
            state, count = "speaking", 0
        elif state == "stopping" and count >= stop_frames:
            out.append(VadSegment(seg_start * frame_ms, (i + 1) * frame_ms))
            state, count = "quiet", 0
    return out


def silero_probabilities(pcm: bytes) -> list[float]:
    """Silero speech probability of every 32 ms frame of 16 kHz s16le audio, with the bundled model
    streamed exactly as the server streams it (one probability per frame, state carried)."""
    from ..vad.silero import SileroVoiceDetector  # noqa: PLC0415  (onnxruntime: only --client-vad needs it)

    x = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    n = len(x) // VAD_FRAME_SAMPLES
    stream = SileroVoiceDetector().new_stream()
    frames = x[: n * VAD_FRAME_SAMPLES].reshape(n, VAD_FRAME_SAMPLES)
    probs: list[float] = []
    for a in range(0, n, 1024):
        probs.extend(float(v) for v in stream.process(frames[a : a + 1024]))
    return probs


def client_vad_rows(obs: Sequence[TurnObs], segments: Sequence[VadSegment], force_at: dict[int, float],
                    stop_secs: float) -> list[dict]:
    """One row per VAD segment that got a ``ForceEndpoint`` (sent at ``force_at[i]``, wall time).

    Each final goes to the segment its words overlap most (as labelled turns are matched). Pipecat's
    stt-benchmark TTFS = arrival of the segment's last final - (VAD stop - ``stop_secs``), the VAD stop
    being the moment the client decided it and sent ForceEndpoint; ``force_to_final_ms`` is the server's
    own share (negative when the server had ended the turn before the ForceEndpoint arrived)."""
    refs = [LabelledTurn("vad", i, int(seg.start_ms), int(seg.stop_ms - stop_secs * 1000), "")
            for i, seg in enumerate(segments)]
    assigned: dict[int, list[TurnObs]] = {}
    for o in obs:
        if o.final_arrival is None:
            continue
        i = match_turn(o.words, refs)
        if i is not None:
            assigned.setdefault(i, []).append(o)
    rows = []
    for i, seg in enumerate(segments):
        if i not in force_at:
            continue
        mine = assigned.get(i, [])
        last = max((o.final_arrival for o in mine if o.final_arrival is not None), default=None)
        forced = force_at[i]
        rows.append({
            "segment": i,
            "speech_ms": [round(seg.start_ms), round(seg.stop_ms - stop_secs * 1000)],
            "vad_stop_ms": round(seg.stop_ms),
            "finals": len(mine),
            "ttfs_ms": None if last is None else _r((last - (forced - stop_secs)) * 1000),
            "force_to_final_ms": None if last is None else _r((last - forced) * 1000),
        })
    return rows


def client_vad_summary(rows: Sequence[dict], stop_secs: float) -> dict[str, Any]:
    answered = [r for r in rows if r["ttfs_ms"] is not None]
    return {
        "stop_secs": stop_secs,
        "forced_segments": len(rows),
        "answered": len(answered),
        "finals_before_force": sum(1 for r in answered if r["force_to_final_ms"] < 0),
        "ttfs_ms": summarize(r["ttfs_ms"] for r in answered),
        "force_to_final_ms": summarize(r["force_to_final_ms"] for r in answered),
    }


# ---------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------


@dataclass
class StreamRun:
    plan: StreamPlan
    start_delay_s: float
    session_id: str | None = None
    refused: bool = False
    refusal: str | None = None
    errors: list[str] = field(default_factory=list)
    connect_ms: float | None = None
    begin_ms: float | None = None
    t0: float | None = None
    sent_at: list[float] = field(default_factory=list)
    lags_ms: list[float] = field(default_factory=list)
    send_block_ms: list[float] = field(default_factory=list)  # time spent inside ws.send (backpressure)
    last_chunk_at: float | None = None
    termination_at: float | None = None
    termination: dict | None = None
    close_code: int | None = None
    events: list[tuple[float, dict]] = field(default_factory=list)
    vad_segments: list[VadSegment] = field(default_factory=list)  # --client-vad: where ForceEndpoint goes
    force_at: dict[int, float] = field(default_factory=dict)  # segment index -> when it was sent


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": key, "AssemblyAI-Version": "2025-05-12"}


async def _receive(ws, run: StreamRun) -> None:
    try:
        async for raw in ws:
            now = time.monotonic()
            if isinstance(raw, bytes):
                run.errors.append("server sent a binary frame")
                continue
            try:
                msg = json.loads(raw)
            except ValueError:
                run.errors.append(f"invalid JSON from server: {raw[:80]!r}")
                continue
            t = msg.get("type")
            if t == "Turn":
                words = [{"start": w.get("start", 0), "end": w.get("end", 0)} for w in msg.get("words", [])]
                run.events.append((now, {"type": "Turn", "turn_order": msg.get("turn_order"),
                                         "end_of_turn": msg.get("end_of_turn"), "transcript": msg.get("transcript", ""),
                                         "words": words}))
            elif t == "Termination":
                run.termination_at = now
                run.termination = msg
            elif t == "Error" or "error" in msg:
                run.errors.append(f"Error {msg.get('error_code')}: {msg.get('error')}")
    except ConnectionClosed:
        pass
    finally:
        if ws.close_code is not None:
            run.close_code = ws.close_code


async def run_stream(plan: StreamPlan, cfg: BenchConfig, start_delay_s: float,
                     vad_segments: Sequence[VadSegment] = ()) -> StreamRun:
    run = StreamRun(plan, start_delay_s, vad_segments=list(vad_segments))
    await asyncio.sleep(start_delay_s)
    t_connect = time.monotonic()
    try:
        ws = await connect(cfg.ws_url(), additional_headers=_headers(cfg.key), open_timeout=cfg.connect_timeout_s,
                           user_agent_header="hushscribe-bench")
    except InvalidStatus as exc:
        run.refused, run.refusal = True, f"HTTP {exc.response.status_code} on upgrade"
        return run
    except Exception as exc:  # refused connection, timeout, DNS ...
        run.refused, run.refusal = True, f"connect failed: {type(exc).__name__}: {exc}"
        return run
    run.connect_ms = (time.monotonic() - t_connect) * 1000
    try:
        try:
            raw = await asyncio.wait_for(ws.recv(), cfg.begin_timeout_s)
        except ConnectionClosed as exc:
            run.refused, run.refusal = True, f"closed before Begin: {exc.rcvd.code if exc.rcvd else '?'}"
            return run
        except TimeoutError:
            run.refused, run.refusal = True, f"no Begin within {cfg.begin_timeout_s:g} s"
            return run
        msg = json.loads(raw)
        if msg.get("type") != "Begin":
            run.refused = True
            run.refusal = (f"Error {msg.get('error_code')} before Begin: {msg.get('error')}"
                           if msg.get("type") == "Error" or "error" in msg else f"first message was {msg.get('type')!r}")
            return run
        run.session_id = msg.get("id")
        run.t0 = time.monotonic()
        run.begin_ms = (run.t0 - t_connect) * 1000
        receiver = asyncio.create_task(_receive(ws, run))
        await _send_audio(ws, run, cfg, receiver)
        if not await terminate_and_wait(ws, receiver, cfg.drain_timeout_s):
            run.errors.append(f"no Termination within {cfg.drain_timeout_s:g} s of Terminate")
        if run.termination_at is None and not run.errors:
            run.errors.append(f"closed without Termination (code {run.close_code})")
    finally:
        await ws.close()
    return run


async def terminate_and_wait(ws, receiver: asyncio.Task, timeout_s: float) -> bool:
    """Send ``Terminate`` (unless the server already ended the session) and wait for the receiving
    task to finish; False (and the task cancelled) when it did not within ``timeout_s``."""
    if not receiver.done():
        try:
            await ws.send('{"type":"Terminate"}')
        except ConnectionClosed:
            pass
    try:
        await asyncio.wait_for(asyncio.shield(receiver), timeout_s)
    except TimeoutError:
        receiver.cancel()
        return False
    return True


async def _send_audio(ws, run: StreamRun, cfg: BenchConfig, receiver: asyncio.Task) -> None:
    pcm = run.plan.pcm
    step = BYTES_PER_MS * cfg.chunk_ms
    next_stop = 0
    assert run.t0 is not None
    for k, i in enumerate(range(0, len(pcm), step)):
        if receiver.done():  # the server closed the session (Error)
            break
        deadline = run.t0 + (k + 1) * cfg.chunk_ms / 1000.0
        if cfg.realtime:
            delay = deadline - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        before = time.monotonic()
        try:
            await ws.send(pcm[i : i + step])
        except ConnectionClosed:
            run.errors.append("connection closed while sending audio")
            break
        now = time.monotonic()
        run.sent_at.append(now)
        run.send_block_ms.append((now - before) * 1000)
        audio_end_ms = min(len(pcm), i + step) / BYTES_PER_MS
        while next_stop < len(run.vad_segments) and run.vad_segments[next_stop].stop_ms <= audio_end_ms:
            # The client's VAD has just seen the audio that ends the speech: Pipecat sends ForceEndpoint.
            try:
                await ws.send(FORCE_ENDPOINT)
            except ConnectionClosed:
                break
            run.force_at[next_stop] = time.monotonic()
            next_stop += 1
        if cfg.realtime:
            run.lags_ms.append((now - deadline) * 1000)
        elif k % 20 == 19:
            await asyncio.sleep(0)  # let the receiver timestamp messages while we blast audio
    run.last_chunk_at = run.sent_at[-1] if run.sent_at else time.monotonic()


def stream_report(run: StreamRun, cfg: BenchConfig) -> tuple[dict, list[dict]]:
    plan = run.plan
    obs = collect_turns(run.events)
    rows: list[dict] = []
    spurious: list[TurnObs] = []
    if run.t0 is not None:
        rows, spurious = turn_rows(obs, plan.turns, Clock(run.t0, cfg.realtime, cfg.chunk_ms, run.sent_at))
    for r in rows:
        r["stream"] = plan.index
    ref, hyp = stream_wer(rows, obs) if rows else (" ".join(t.text for t in plan.turns), "")
    lag = lag_stats(run.lags_ms, cfg.late_ms, run.send_block_ms)
    if not cfg.realtime:
        lag.update(late_chunks=None, max_send_lag_ms=None, p99_send_lag_ms=None)
    term_after = (run.termination_at - run.last_chunk_at
                  if run.termination_at is not None and run.last_chunk_at is not None else None)
    statuses = [r["status"] for r in rows]
    info = {
        "stream": plan.index,
        "calls": [s.call_id for s in plan.segments],
        "segments": [asdict(s) for s in plan.segments],
        "audio_s": round(plan.audio_ms / 1000, 2),
        "start_delay_s": round(run.start_delay_s, 3),
        "session_id": run.session_id,
        "refused": run.refused,
        "refusal": run.refusal,
        "errors": run.errors,
        "connect_ms": _r(run.connect_ms),
        "begin_ms": _r(run.begin_ms),
        "chunks_sent": len(run.sent_at),
        **lag,
        "termination_after_last_chunk_s": _r(term_after, 3),
        "termination_ok": term_after is not None and term_after <= cfg.termination_timeout_s,
        "termination": run.termination,
        "fell_behind": (not run.refused) and fell_behind(lag["late_chunks"], term_after, cfg.termination_timeout_s),
        "close_code": run.close_code,
        "ref_turns": len(plan.turns),
        "finals": sum(1 for o in obs if o.final_arrival is not None),
        "found": statuses.count("found"),
        "split": statuses.count("split"),
        "merged": statuses.count("merged"),
        "missed": statuses.count("missed"),
        "spurious_finals": len(spurious),
        "wer": None if run.refused else corpus_wer_or_none([ref], [hyp]),
        "ref_text": ref,
        "hyp_text": hyp,
    }
    if cfg.client_vad:
        info["client_vad"] = client_vad_rows(obs, run.vad_segments, run.force_at, cfg.vad_stop_secs)
    return info, rows


def summary(streams: Sequence[dict], rows: Sequence[dict], server: dict | None, wall_s: float,
            stop_secs: float | None = None) -> dict:
    """Totals over the streams; with ``stop_secs`` (a --client-vad run) also Pipecat's TTFS."""
    ok = [s for s in streams if not s["refused"]]
    intervals = [x for r in rows for x in r["partial_intervals_ms"]]
    return {
        "streams": len(streams),
        "refused": sum(1 for s in streams if s["refused"]),
        "fell_behind": sum(1 for s in streams if s["fell_behind"]),
        "streams_with_errors": sum(1 for s in streams if s["errors"]),
        "late_chunks": sum(s["late_chunks"] or 0 for s in streams),
        "max_send_lag_ms": max((s["max_send_lag_ms"] for s in ok if s["max_send_lag_ms"] is not None), default=None),
        "max_send_block_ms": max((s["max_send_block_ms"] for s in ok if s["max_send_block_ms"] is not None),
                                 default=None),
        "audio_s": round(sum(s["audio_s"] for s in ok), 2),
        "wall_s": round(wall_s, 2),
        "ref_turns": sum(s["ref_turns"] for s in ok),
        "found": sum(s["found"] for s in ok),
        "split": sum(s["split"] for s in ok),
        "merged": sum(s["merged"] for s in ok),
        "missed": sum(s["missed"] for s in ok),
        "spurious_finals": sum(s["spurious_finals"] for s in ok),
        "ttfs_ms": summarize(r["ttfs_ms"] for r in rows),
        "first_partial_ms": summarize((r["first_partial_ms"] for r in rows), qs=(50, 95)),
        "partial_cadence_ms": {"n": len(intervals), "mean": _r(sum(intervals) / len(intervals)) if intervals else None,
                               "p50": _r(percentile(intervals, 50))},
        "wer": corpus_wer_or_none([s["ref_text"] for s in ok], [s["hyp_text"] for s in ok]),
        "server": server,
        **({"client_vad": client_vad_summary([r for s in ok for r in s["client_vad"]], stop_secs)}
           if stop_secs is not None else {}),
    }


# ---------------------------------------------------------------------------------------------
# Server process: spawn, /proc accounting
# ---------------------------------------------------------------------------------------------


class ProcMonitor:
    """CPU time (utime+stime from /proc/<pid>/stat) and RSS (VmRSS sampled every ``interval_s``,
    plus the kernel's VmHWM) of a server process over a measurement window. Several pids (replicas):
    CPU and RSS are summed (the VmHWM sum is an upper bound: the peaks need not coincide)."""

    def __init__(self, pid: int | Sequence[int], interval_s: float = 0.5):
        self.pid, self.interval_s = pid, interval_s
        self.pids = [pid] if isinstance(pid, int) else list(pid)
        self.cpu0: float | None = None
        self.t0 = 0.0
        self.rss_max_kb = 0
        self._task: asyncio.Task | None = None

    def cpu_seconds(self) -> float | None:
        total = 0.0
        for pid in self.pids:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                return None
            fields = stat[stat.rindex(")") + 2 :].split()
            # fields[0] is state (field 3); utime, stime are fields 14, 15
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def status_kb(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for pid in self.pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(("VmRSS:", "VmHWM:")):
                        k, v = line.split(":", 1)
                        out[k] = out.get(k, 0) + int(v.split()[0])
            except OSError:
                pass
        return out

    def sample(self) -> None:
        self.rss_max_kb = max(self.rss_max_kb, self.status_kb().get("VmRSS", 0))

    async def _loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        self.cpu0, self.t0 = self.cpu_seconds(), time.monotonic()
        self.rss_max_kb = 0
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> dict:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self.sample()
        cpu1 = self.cpu_seconds()
        wall = time.monotonic() - self.t0
        status = self.status_kb()
        cpu = None if cpu1 is None or self.cpu0 is None else cpu1 - self.cpu0
        peak_kb = max(self.rss_max_kb, status.get("VmHWM", 0)) or None
        return {
            "pid": self.pid,
            "cpu_seconds": _r(cpu, 2),
            "cpu_percent": _r(100 * cpu / wall) if cpu is not None and wall > 0 else None,
            "peak_rss_mb": _r(peak_kb / 1024) if peak_kb else None,
            "peak_rss_sampled_mb": _r(self.rss_max_kb / 1024) if self.rss_max_kb else None,
            "vm_hwm_mb": _r(status["VmHWM"] / 1024) if "VmHWM" in status else None,
            "window_s": _r(wall, 2),
        }


def metrics_url(ws_url: str) -> str:
    """The server's /metrics for its WebSocket URL (ws://host:port/v3/ws -> http://host:port/metrics)."""
    u = urllib.parse.urlsplit(ws_url)
    scheme = "https" if u.scheme == "wss" else "http"
    prefix = u.path.rstrip("/").removesuffix("/v3/ws")
    return f"{scheme}://{u.netloc}{prefix}/metrics"


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format -> {'name{labels}': value} (comments skipped)."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            continue
    return out


def scrape_metrics(ws_url: str, timeout_s: float = 5.0) -> dict[str, float] | None:
    try:
        with urllib.request.urlopen(metrics_url(ws_url), timeout=timeout_s) as r:
            return parse_metrics(r.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError, ValueError):
        return None


STAGES = {  # report name -> histogram (sum / count over the run = mean seconds)
    "decode_queue_wait_final": 'hushscribe_decode_queue_wait_seconds{kind="final"}',
    "decode_queue_wait_partial": 'hushscribe_decode_queue_wait_seconds{kind="partial"}',
    "decode_final": 'hushscribe_decode_seconds{kind="final"}',
    "decode_partial": 'hushscribe_decode_seconds{kind="partial"}',
    "force_endpoint_to_final": "hushscribe_final_latency_seconds_force",
    "speech_arrival_to_final": "hushscribe_final_latency_seconds",
}


def server_stages(before: dict[str, float] | None, after: dict[str, float] | None) -> dict[str, Any] | None:
    """Per-stage server timings over one run, from /metrics before and after it: the mean of each
    stage in ms with its count (``decode_*`` includes rendering and PII redaction in the worker), and
    the speculative decodes: requested, became the final, only shown as a partial, thrown away."""
    if before is None or after is None:
        return None

    def delta(key: str) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    def hist(name: str) -> tuple[str, str]:
        if name.endswith("_force"):
            name = "hushscribe_force_endpoint_final_seconds"
        base, brace, labels = name.partition("{")
        return f"{base}_sum{brace}{labels}", f"{base}_count{brace}{labels}"

    out: dict[str, Any] = {}
    for report, name in STAGES.items():
        k_sum, k_count = hist(name)
        n = delta(k_count)
        out[report] = {"n": int(n), "mean_ms": _r(1000 * delta(k_sum) / n) if n else None}
    spec: dict[str, Any] = {o: int(delta(f'hushscribe_speculative_decodes_total{{outcome="{o}"}}'))
                            for o in ("requested", "final", "partial")}
    thrown = spec["requested"] - spec["final"] - spec["partial"]
    spec["thrown_away"] = thrown
    spec["thrown_away_share"] = _r(thrown / spec["requested"], 3) if spec["requested"] else None
    out["speculative"] = spec
    refused = {k.split('"')[1]: int(delta(k)) for k in after if k.startswith("hushscribe_sessions_refused_total{")}
    out["refused_by_reason"] = {k: v for k, v in refused.items() if v}
    return out


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SpawnedServer:
    """``python -m hushscribe.cli.main serve --port <free> --api-keys <key>`` as a subprocess."""

    def __init__(self, key: str = "bench-key", extra_args: Sequence[str] = (), ready_timeout_s: float = 60.0):
        self.key, self.extra_args, self.ready_timeout_s = key, list(extra_args), ready_timeout_s
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="hushscribe-bench-server-", suffix=".log", delete=False)
        self.command: list[str] = []
        self.env: dict[str, str] = {}  # added to the environment (HUSHSCRIBE_* settings, e.g. for replicas)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v3/ws"

    def start(self) -> None:
        args = list(self.extra_args)
        if not any(a == "--log-level" or a.startswith("--log-level=") for a in args):
            args += ["--log-level", "warning"]
        if not any(a == "--max-sessions" or a.startswith("--max-sessions=") for a in args):
            # The benchmark measures the engine past the default admission limit too (that is how
            # the limit is sized); pass --server-args='--max-sessions N' to measure admission.
            args += ["--max-sessions", "1000"]
        self.command = [sys.executable, "-m", "hushscribe.cli.main", "serve", "--host", "127.0.0.1",
                        "--port", str(self.port), "--api-keys", self.key, *args]
        self.proc = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env={**os.environ, **self.env})
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} during start-up:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"server not ready within {self.ready_timeout_s:g} s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        """The server's process id (after :meth:`start`)."""
        if self.proc is None:
            raise RuntimeError("the server was not started")
        return self.proc.pid

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> int | None:
        """SIGTERM (SIGKILL after 15 s). Returns the exit status: 0 after a graceful drain (the
        benchmark's sessions have all ended by then, so the drain is immediate)."""
        try:
            if self.proc is None or self.proc.poll() is not None:
                return None if self.proc is None else self.proc.returncode
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait(5)
        finally:
            self.log.close()


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ws_version = websockets.__version__
    return {
        "nproc": cpu_cores(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "websockets": ws_version,
    }


async def run_streams(plans: Sequence[StreamPlan], cfg: BenchConfig, server_pid: int | Sequence[int] | None = None) -> dict:
    """Run every plan as one concurrent client; returns {"streams", "turns", "summary"}."""
    rng = random.Random(cfg.seed)
    delays = [rng.uniform(0, cfg.stagger_s) if cfg.stagger_s > 0 else 0.0 for _ in plans]
    segments: list[list[VadSegment]] = [[] for _ in plans]
    if cfg.client_vad:
        # Silero's streamed probabilities equal the batch ones, so each client's VAD is run on its
        # audio before the clock starts: same decisions, and the client's CPU does not compete with
        # the server's during the measurement.
        segments = [pipecat_vad_segments(silero_probabilities(p.pcm), confidence=cfg.vad_confidence,
                                         start_secs=cfg.vad_start_secs, stop_secs=cfg.vad_stop_secs) for p in plans]
    monitor = ProcMonitor(server_pid) if server_pid else None
    if monitor:
        monitor.start()
    t_start = time.monotonic()
    runs = await asyncio.gather(*(run_stream(p, cfg, d, seg) for p, d, seg in zip(plans, delays, segments, strict=True)))
    wall = time.monotonic() - t_start
    server = await monitor.stop() if monitor else None
    streams, rows = [], []
    for run in runs:
        info, r = stream_report(run, cfg)
        streams.append(info)
        rows.extend(r)
    stop_secs = cfg.vad_stop_secs if cfg.client_vad else None
    return {"streams": streams, "turns": rows, "summary": summary(streams, rows, server, wall, stop_secs)}


def capacity_ladder(max_streams: int) -> list[int]:
    """1, 2, 4, 6, 8, 10, 12, 16, 20, 24, 28, 32, 40, 48, ... up to ``max_streams`` (included)."""
    out, n = [], 1
    while n <= max_streams:
        out.append(n)
        n = 2 if n == 1 else n + 2 if n < 12 else n + 4 if n < 32 else n + 8
    if out and out[-1] != max_streams:
        out.append(max_streams)
    return out


def passes_gate(s: dict, gate_ms: float) -> bool:
    """TTFS P95 within the gate (Pipecat's TTFS in a --client-vad run), nobody behind or refused."""
    p95 = (s.get("client_vad") or s)["ttfs_ms"]["p95"]
    return p95 is not None and p95 <= gate_ms and s["fell_behind"] == 0 and s["refused"] == 0


def table(result: dict) -> str:
    s = result["summary"]
    cfg = result["config"]

    def fmt(v: Any) -> str:
        return "-" if v is None else f"{v:.0f}" if isinstance(v, float) else str(v)

    mode = "realtime" if cfg["realtime"] else "fast"
    lines = [
        f"streams {s['streams']} ({mode}, chunk {cfg['chunk_ms']} ms, partials {'on' if cfg['partials'] else 'off'}"
        f", redact_pii {'on' if cfg['redact_pii'] else 'off'}), audio {s['audio_s']:.1f} s in {s['wall_s']:.1f} s wall"
        f", {result.get('audio_set', 'custom')} audio set"
        + ("" if cfg["realtime"] else "; fast mode: latencies counted from when the audio was sent"),
        f"{'metric':<22}{'n':>5}{'P50':>8}{'P95':>8}{'P99':>8}{'max':>8}",
    ]
    t = s["ttfs_ms"]
    lines.append(f"{'TTFS (ms)':<22}{t['n']:>5}{fmt(t['p50']):>8}{fmt(t['p95']):>8}{fmt(t['p99']):>8}{fmt(t['max']):>8}")
    fp = s["first_partial_ms"]
    lines.append(f"{'first partial (ms)':<22}{fp['n']:>5}{fmt(fp['p50']):>8}{fmt(fp['p95']):>8}{'':>8}{fmt(fp['max']):>8}")
    pc = s["partial_cadence_ms"]
    lines.append(f"{'partial cadence (ms)':<22}{pc['n']:>5}{fmt(pc['p50']):>8}{'':>8}{'':>8}{'':>8}  mean {fmt(pc['mean'])}")
    cv = s.get("client_vad")
    if cv:
        label = f"TTFS Pipecat {cv['stop_secs']:g} s"
        for name, d in ((label, cv["ttfs_ms"]), ("ForceEndpoint->final", cv["force_to_final_ms"])):
            lines.append(f"{name:<22}{d['n']:>5}{fmt(d['p50']):>8}{fmt(d['p95']):>8}{fmt(d['p99']):>8}{fmt(d['max']):>8}")
        lines.append(f"client VAD: {cv['forced_segments']} ForceEndpoint(s), {cv['answered']} answered by a final, "
                     f"{cv['finals_before_force']} final(s) already there before the ForceEndpoint; "
                     "'TTFS (ms)' above counts from the labelled end of speech")
    nat = result.get("natural")
    if nat:
        t2 = nat["ttfs_ms"]
        srv2 = nat.get("server") or {}
        lines.append(f"{'TTFS natural (no FE)':<22}{t2['n']:>5}{fmt(t2['p50']):>8}{fmt(t2['p95']):>8}"
                     f"{fmt(t2['p99']):>8}{fmt(t2['max']):>8}  (same streams without ForceEndpoint, run first: "
                     f"cpu {fmt(srv2.get('cpu_percent'))} %, peak RSS {fmt(srv2.get('peak_rss_mb'))} MB, "
                     f"fell behind {nat['fell_behind']})")
    wer = "-" if s["wer"] is None else f"{100 * s['wer']:.1f} %"
    lines.append(f"turns {s['ref_turns']}: found {s['found']}, split {s['split']}, merged {s['merged']}, "
                 f"missed {s['missed']}, spurious finals {s['spurious_finals']}; WER {wer}")
    lines.append(f"refused {s['refused']}/{s['streams']}, fell behind {s['fell_behind']}/{s['streams']} "
                 f"(late chunks {s['late_chunks']}, max send lag {fmt(s['max_send_lag_ms'])} ms, "
                 f"max blocked in send {fmt(s['max_send_block_ms'])} ms), "
                 f"streams with errors {s['streams_with_errors']}")
    problems = [(st["stream"], st["refusal"] or "; ".join(st["errors"])) for st in result.get("streams", [])
                if st["refused"] or st["errors"]]
    for idx, why in problems[:5]:
        lines.append(f"  stream {idx}: {why}")
    if len(problems) > 5:
        lines.append(f"  ... and {len(problems) - 5} more (see the JSON report)")
    st = s.get("server_stages")
    if st:
        def stage(name: str) -> str:
            d = st[name]
            return f"{fmt(d['mean_ms'])} ({d['n']})"

        lines.append(f"server stages, mean ms (count): queue wait of finals {stage('decode_queue_wait_final')}, "
                     f"decode+render+redact of finals {stage('decode_final')}, "
                     f"ForceEndpoint->final {stage('force_endpoint_to_final')}, "
                     f"last speech audio->final {stage('speech_arrival_to_final')}")
        sp = st["speculative"]
        share = "-" if sp["thrown_away_share"] is None else f"{100 * sp['thrown_away_share']:.0f} %"
        lines.append(f"speculative decodes: {sp['requested']} requested, {sp['final']} became the final, "
                     f"{sp['partial']} shown as a partial only, {sp['thrown_away']} thrown away ({share})"
                     + (f"; refused: {st['refused_by_reason']}" if st["refused_by_reason"] else ""))
    srv = s.get("server")
    if srv:
        cpu_s = "-" if srv["cpu_seconds"] is None else f"{srv['cpu_seconds']:.1f}"
        lines.append(f"server pid {srv['pid']}: cpu {cpu_s} s "
                     f"({fmt(srv['cpu_percent'])} % of one core over {srv['window_s']:.1f} s), "
                     f"peak RSS {fmt(srv['peak_rss_mb'])} MB")
    else:
        lines.append("server cpu/rss: not measured (use --spawn or --server-pid)")
    return "\n".join(lines)


def load_plans(clips_dir: Path, streams: int, duration_s: float | None,
               limit: int | None = None) -> tuple[list[LabelledCall], list[StreamPlan]]:
    calls = load_call_dir(clips_dir, limit)
    if not calls:
        raise ValueError(f"no call recordings (*.wav with *.json turn labels) in {clips_dir}")
    pcms = {c.id: read_call_pcm(c.path) for c in calls}
    return calls, plan_streams(calls, pcms, streams, duration_s)


def files_used(calls: Sequence[LabelledCall], plans: Sequence[StreamPlan]) -> list[dict]:
    used = {s.call_id for p in plans for s in p.segments}
    return [{"id": c.id, "wav": str(c.path), "labels": str(c.labels), "turns": len(c.turns)}
            for c in calls if c.id in used]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def benchmark(cfg: BenchConfig, clips_dir: Path, *, limit: int | None = None, server_pid: int | Sequence[int] | None = None,
              server: dict | None = None, log=_log) -> dict:
    """One load run: ``cfg.streams`` concurrent streams over the calls in ``clips_dir``."""
    calls, plans = load_plans(clips_dir, cfg.streams, cfg.duration_s, limit)
    files = files_used(calls, plans)
    log(f"bench stream: {cfg.streams} stream(s), {'realtime' if cfg.realtime else 'fast'}, "
        f"{max(p.audio_ms for p in plans) / 1000:.1f} s audio per stream max, against {cfg.url}")
    log("  files: " + ", ".join(Path(f["wav"]).name for f in files))
    t_wall = time.time()
    before = scrape_metrics(cfg.url)
    out = asyncio.run(run_streams(plans, cfg, server_pid))
    if before is not None:
        time.sleep(0.5)  # the server counts a session's speculative decodes once it has closed it
    out["summary"]["server_stages"] = server_stages(before, scrape_metrics(cfg.url))
    return {
        "tool": "hushscribe bench stream",
        "started_at": t_wall,
        "config": cfg.public(),
        "machine": machine_info(),
        "server_process": server,
        "clips_dir": str(clips_dir),
        "audio_set": audio_set(Path(clips_dir).parent),  # full (../shared), subset (evalset/) or custom
        "files": files,
        **out,
    }


def benchmark_client_vad(cfg: BenchConfig, clips_dir: Path, *, natural: bool = True, limit: int | None = None,
                         server_pid: int | Sequence[int] | None = None, server: dict | None = None, log=_log) -> dict:
    """The anchors' way (Pipecat's stt-benchmark): the same streams with the client's VAD sending
    ForceEndpoint, preceded (``natural``) by a run without it, whose TTFS (end of turn decided by the
    server alone) is reported beside (``result["natural"]``)."""
    nat = None
    if natural:
        nat_res = benchmark(replace(cfg, client_vad=False), clips_dir, limit=limit, server_pid=server_pid,
                            server=server, log=log)
        nat = nat_res["summary"]
    res = benchmark(replace(cfg, client_vad=True), clips_dir, limit=limit, server_pid=server_pid, server=server,
                    log=log)
    res["natural"] = nat
    return res


def find_capacity(cfg: BenchConfig, clips_dir: Path, *, max_streams: int, gate_ms: float,
                  limit: int | None = None, server_pid: int | Sequence[int] | None = None, server: dict | None = None,
                  log=_log) -> dict:
    """Ramp the stream count along :func:`capacity_ladder`; stop at the first step that fails the
    gate (TTFS P95 <= ``gate_ms``, nobody fell behind or was refused)."""
    steps = []
    best = None
    files: dict[str, dict] = {}
    for n in capacity_ladder(max_streams):
        step_cfg = BenchConfig(**{**asdict(cfg), "streams": n})
        res = benchmark(step_cfg, clips_dir, limit=limit, server_pid=server_pid, server=server, log=log)
        for f in res["files"]:
            files[f["id"]] = f
        ok = passes_gate(res["summary"], gate_ms)
        s = res["summary"]
        log(f"  N={n}: TTFS P95 {s['ttfs_ms']['p95']} ms, fell behind {s['fell_behind']}, refused {s['refused']} "
            f"-> {'pass' if ok else 'FAIL'}")
        steps.append({"streams": n, "passed": ok, "summary": s, "streams_detail": res["streams"], "turns": res["turns"]})
        if ok:
            best = n
        else:
            break
    return {
        "tool": "hushscribe bench stream --find-capacity",
        "config": cfg.public(),
        "machine": machine_info(),
        "server_process": server,
        "clips_dir": str(clips_dir),
        "audio_set": audio_set(Path(clips_dir).parent),  # full (../shared), subset (evalset/) or custom
        "files": list(files.values()),
        "capacity": {"gate_ms": gate_ms, "max_streams": max_streams, "duration_s": cfg.duration_s,
                     "max_streams_passing": best, "steps": [{"streams": st["streams"], "passed": st["passed"],
                                                             "ttfs_p95_ms": st["summary"]["ttfs_ms"]["p95"],
                                                             "fell_behind": st["summary"]["fell_behind"],
                                                             "refused": st["summary"]["refused"]} for st in steps]},
        "steps": steps,
    }


def capacity_table(result: dict) -> str:
    c = result["capacity"]
    lines = [f"{'N':>4}{'TTFS P50':>10}{'P95':>8}{'P99':>8}{'fell':>6}{'refused':>9}{'cpu %':>8}{'rss MB':>8}  gate"]
    for st in result["steps"]:
        s = st["summary"]
        t = s["ttfs_ms"]
        srv = s.get("server") or {}

        def f(v: Any) -> str:
            return "-" if v is None else f"{v:.0f}"

        lines.append(f"{st['streams']:>4}{f(t['p50']):>10}{f(t['p95']):>8}{f(t['p99']):>8}{s['fell_behind']:>6}"
                     f"{s['refused']:>9}{f(srv.get('cpu_percent')):>8}{f(srv.get('peak_rss_mb')):>8}  "
                     f"{'pass' if st['passed'] else 'FAIL'}")
    best = c["max_streams_passing"]
    gate = f"TTFS P95 <= {c['gate_ms']:g} ms and no stream falling behind ({c['duration_s']} s of audio per step)"
    if best is None:
        lines.append(f"capacity: not even 1 stream passes: {gate}")
    else:
        lines.append(f"capacity: {best} concurrent stream(s) with {gate}")
    return "\n".join(lines)
