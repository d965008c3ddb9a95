"""Voice-agent clients against the server, each at its own defaults: the official SDK, Pipecat's
``AssemblyAISTTService`` (with and without its Silero VAD, which sends ForceEndpoint) and LiveKit's
``assemblyai.STT``, with and without key terms, over the labelled calls and the real clips.

What is measured per client x settings (issue 13): WER, finals against labelled turns, words inserted
after the last reference word of a turn (the "Thank you." / "Okay." tails), and key terms that appear in
turns that do not say them. The clients are the real frameworks (the ``test`` extra pins them); each
runner here is also what ``tests/e2e/test_pipecat.py`` and ``test_livekit.py`` drive, so the tests and
the benchmark exercise the same constructor calls as the README snippets.

Pace: audio goes out in the clients' own frame sizes (Pipecat 20 ms ``InputAudioRawFrame``s, LiveKit
20 ms ``rtc.AudioFrame``s, the SDK 50 ms chunks) at ``pace`` x real time, then 1.5 s of silence, then
silence at real time until the server has sent nothing for :data:`SETTLE_S` (a call goes on after the last
word; Pipecat and LiveKit wait only 5 s for the answer to Terminate, and a loaded server may still be
decoding). Faster than real time keeps Pipecat's VAD faithful (it counts audio frames, not wall time, so
its ``VADUserStoppedSpeakingFrame`` and the ForceEndpoint it sends fall at the same audio position) and the
server's turn detection runs on audio time; but a server that falls behind the audio answers ForceEndpoint
and Terminate late, so the recorded figures use real time (``--pace 1``).
"""

from __future__ import annotations

import asyncio
import sys
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import Call, CallTurn, load_calls, load_clips, read_pcm16
from .keyterms import contains_term
from .scoring import corpus_wer, normalizer
from .stream import BYTES_PER_MS, RATE, LabelledTurn, cut_point_ms, match_turn

# Terms of issue 13's report: "movable" is said in one real clip (lj001-0007), "Hester Prynne" nowhere.
KEYTERMS: tuple[str, ...] = ("Hester Prynne", "movable")
TAIL_SILENCE_S = 1.5  # a microphone keeps sending after the speech: lets the VADs and the turn end be seen
FRAME_MS = 20  # Pipecat's and LiveKit's audio frames
SDK_CHUNK_MS = 50  # the SDK quickstart's 800-sample buffers


# ---------------------------------------------------------------------------------------------
# What a client saw
# ---------------------------------------------------------------------------------------------


@dataclass
class Final:
    text: str
    words: list[tuple[int, int]]  # (start_ms, end_ms) in stream time


@dataclass
class ClientRun:
    finals: list[Final] = field(default_factory=list)
    interims: int = 0
    errors: list[str] = field(default_factory=list)
    terminated: bool = False  # the session ended with the server's Termination / a clean close
    last_event: float = 0.0  # time.monotonic() of the last transcript the client received
    turn_orders: list[int] = field(default_factory=list)  # of the finals, as the client received them
    vad_stops: int = 0  # Pipecat: VADUserStoppedSpeakingFrames, each of which sent a ForceEndpoint


def quiet_framework_logs(level: str = "WARNING") -> None:
    """Pipecat logs every frame and transcript through loguru at DEBUG; a benchmark wants its own lines."""
    from loguru import logger  # noqa: PLC0415 - Pipecat's logger, test/bench-only

    logger.remove()
    logger.add(sys.stderr, level=level)


def ws_base(url: str) -> str:
    """``ws://host:port`` of a server URL given with or without the ``/v3/ws`` path."""
    p = urllib.parse.urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def ws_endpoint(url: str) -> str:
    return ws_base(url) + "/v3/ws"


def with_tail_silence(pcm: bytes, seconds: float = TAIL_SILENCE_S) -> bytes:
    return pcm + b"\x00\x00" * int(RATE * seconds)


async def _paced(chunks: Sequence[bytes], chunk_ms: int, pace: float,
                 send: Callable[[bytes], Any]) -> None:
    """Hand each chunk to ``send`` (sync or async) no earlier than its audio would exist at ``pace``."""
    t0 = time.monotonic()
    for k, chunk in enumerate(chunks):
        due = t0 + k * chunk_ms / 1000.0 / pace
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        r = send(chunk)
        if asyncio.iscoroutine(r):
            await r


SETTLE_S = 10.0  # silence kept coming after the audio until the server has said nothing for this long
MAX_SETTLE_S = 45.0


def settling(run: ClientRun, audio_end: float, settle_s: float = SETTLE_S, max_s: float = MAX_SETTLE_S) -> bool:
    """Whether to keep sending silence after the recording: a call goes on after the last word, and
    Pipecat and LiveKit give the server only 5 s after Terminate (a loaded server may still be decoding)."""
    now = time.monotonic()
    return now - max(run.last_event, audio_end) < settle_s and now - audio_end < max_s


def split(pcm: bytes, chunk_ms: int) -> list[bytes]:
    step = RATE * 2 * chunk_ms // 1000
    return [pcm[i:i + step] for i in range(0, len(pcm), step)]


# ---------------------------------------------------------------------------------------------
# The clients (frameworks imported lazily: they are the 'test' extra, not the runtime)
# ---------------------------------------------------------------------------------------------


def run_sdk(url: str, key: str, pcm: bytes, *, pace: float = 1.0, keyterms: Sequence[str] = (),
            settle_s: float = SETTLE_S, **params: Any) -> ClientRun:
    """The official ``assemblyai`` SDK (``StreamingClient``), ``params`` as ``StreamingParameters``."""
    from assemblyai.streaming.v3 import (  # noqa: PLC0415 - test/bench-only framework
        StreamingClient,
        StreamingClientOptions,
        StreamingEvents,
        StreamingParameters,
    )

    run = ClientRun()

    def on_turn(_c: Any, e: Any) -> None:
        run.last_event = time.monotonic()
        if e.end_of_turn:
            run.finals.append(Final(e.transcript, [(int(w.start), int(w.end)) for w in e.words]))
            run.turn_orders.append(int(e.turn_order))
        else:
            run.interims += 1

    client = StreamingClient(StreamingClientOptions(api_key=key, api_host=ws_base(url), terminate_timeout=60.0))
    client.on(StreamingEvents.Turn, on_turn)
    client.on(StreamingEvents.Termination, lambda _c, _e: setattr(run, "terminated", True))
    client.on(StreamingEvents.Error, lambda _c, e: run.errors.append(str(e)))
    if keyterms:
        params["keyterms_prompt"] = list(keyterms)
    client.connect(StreamingParameters(sample_rate=RATE, **params))
    chunks = split(with_tail_silence(pcm), SDK_CHUNK_MS)

    def paced() -> Any:
        t0 = time.monotonic()
        for k, chunk in enumerate(chunks):
            delay = t0 + k * SDK_CHUNK_MS / 1000.0 / pace - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield chunk
        silence, t_end = b"\x00\x00" * (RATE * SDK_CHUNK_MS // 1000), time.monotonic()
        while settling(run, t_end, settle_s):
            time.sleep(SDK_CHUNK_MS / 1000)
            yield silence

    client.stream(paced())
    client.disconnect(terminate=True)
    return run


async def run_pipecat_async(url: str, key: str, pcm: bytes, *, vad: bool, pace: float = 1.0,
                            keyterms: Sequence[str] = (), stt: Any = None,
                            settle_s: float = SETTLE_S) -> ClientRun:
    """Pipecat 1.14: ``[VADProcessor(SileroVADAnalyzer()) ->] AssemblyAISTTService -> collector``, no
    transport; 20 ms ``InputAudioRawFrame``s pushed at ``pace``, then silence at real time while
    :func:`settling`; an ``EndFrame`` (Terminate) at the end. ``stt``: a service built elsewhere (the
    README's), else :func:`pipecat_stt`."""
    from pipecat.frames.frames import (  # noqa: PLC0415 - test/bench-only framework
        EndFrame,
        ErrorFrame,
        Frame,
        InputAudioRawFrame,
        InterimTranscriptionFrame,
        TranscriptionFrame,
        VADUserStoppedSpeakingFrame,
    )
    from pipecat.pipeline.pipeline import Pipeline  # noqa: PLC0415
    from pipecat.pipeline.worker import PipelineParams, PipelineWorker  # noqa: PLC0415
    from pipecat.processors.frame_processor import FrameDirection, FrameProcessor  # noqa: PLC0415
    from pipecat.workers.runner import WorkerRunner  # noqa: PLC0415

    run = ClientRun()

    class Collector(FrameProcessor):
        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            await super().process_frame(frame, direction)
            if isinstance(frame, (TranscriptionFrame, InterimTranscriptionFrame)):
                run.last_event = time.monotonic()
            if isinstance(frame, TranscriptionFrame):
                msg = frame.result  # the TurnMessage the final came from
                words = [] if msg is None else [(int(w.start), int(w.end)) for w in msg.words]
                run.finals.append(Final(frame.text, words))
                run.turn_orders.append(int(getattr(msg, "turn_order", len(run.turn_orders))))
            elif isinstance(frame, InterimTranscriptionFrame):
                run.interims += 1
            elif isinstance(frame, ErrorFrame):
                run.errors.append(str(frame.error))
            elif isinstance(frame, VADUserStoppedSpeakingFrame) and direction == FrameDirection.DOWNSTREAM:
                run.vad_stops += 1
            await self.push_frame(frame, direction)

    stt = stt if stt is not None else pipecat_stt(url, key, keyterms)
    processors: list[FrameProcessor] = [Collector()]  # upstream ErrorFrames end here
    if vad:
        processors.append(pipecat_vad())
    processors += [stt, Collector()]
    worker = PipelineWorker(Pipeline(processors), cancel_on_idle_timeout=False,
                            params=PipelineParams(audio_in_sample_rate=RATE))
    started = asyncio.Event()

    @worker.event_handler("on_pipeline_started")
    async def _started(_w: Any, _f: Any) -> None:
        started.set()

    @worker.event_handler("on_pipeline_error")
    async def _error(_w: Any, frame: Any) -> None:
        run.errors.append(str(getattr(frame, "error", frame)))

    async def feed() -> None:
        await asyncio.wait_for(started.wait(), timeout=30)

        async def send(chunk: bytes) -> None:
            await worker.queue_frame(InputAudioRawFrame(audio=chunk, sample_rate=RATE, num_channels=1))

        await _paced(split(with_tail_silence(pcm), FRAME_MS), FRAME_MS, pace, send)
        silence, t_end = b"\x00\x00" * (RATE * FRAME_MS // 1000), time.monotonic()
        while settling(run, t_end, settle_s):
            await send(silence)
            await asyncio.sleep(FRAME_MS / 1000)
        await worker.queue_frame(EndFrame())

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    await asyncio.gather(runner.run(), feed())
    # Pipecat waits for Termination on EndFrame (5 s at most) and logs a warning when it does not come.
    run.terminated = stt._termination_event.is_set()  # noqa: SLF001 - the only place Pipecat keeps it
    return run


def pipecat_stt(url: str, key: str, keyterms: Sequence[str] = ()) -> Any:
    """``AssemblyAISTTService`` at Pipecat's defaults, only the endpoint and key changed (README snippet)."""
    from pipecat.services.assemblyai.stt import AssemblyAISTTService  # noqa: PLC0415 - test/bench-only

    if keyterms:
        return AssemblyAISTTService(api_key=key, api_endpoint_base_url=ws_endpoint(url),
                                    settings=AssemblyAISTTService.Settings(keyterms_prompt=list(keyterms)))
    return AssemblyAISTTService(api_key=key, api_endpoint_base_url=ws_endpoint(url))


def pipecat_vad() -> Any:
    """Pipecat's Silero VAD at its defaults: its stop sends ForceEndpoint through the STT service."""
    from pipecat.audio.vad.silero import SileroVADAnalyzer  # noqa: PLC0415 - test/bench-only framework
    from pipecat.processors.audio.vad_processor import VADProcessor  # noqa: PLC0415

    return VADProcessor(vad_analyzer=SileroVADAnalyzer())


def run_pipecat(url: str, key: str, pcm: bytes, *, vad: bool, pace: float = 1.0,
                keyterms: Sequence[str] = (), stt: Any = None, settle_s: float = SETTLE_S) -> ClientRun:
    return asyncio.run(run_pipecat_async(url, key, pcm, vad=vad, pace=pace, keyterms=keyterms, stt=stt,
                                         settle_s=settle_s))


async def run_livekit_async(url: str, key: str, pcm: bytes, *, pace: float = 1.0, keyterms: Sequence[str] = (),
                            make_stt: Callable[[Any], Any] | None = None, settle_s: float = SETTLE_S) -> ClientRun:
    """LiveKit Agents 1.8: ``assemblyai.STT(base_url=..., api_key=...).stream()`` at its defaults, fed
    20 ms ``rtc.AudioFrame``s at ``pace``, then ``end_input()``; SpeechEvents collected. ``make_stt``:
    builds the STT from an aiohttp session (the README's), else :func:`livekit_stt`."""
    import aiohttp  # noqa: PLC0415 - test/bench-only framework (LiveKit's HTTP client)
    from livekit import rtc  # noqa: PLC0415
    from livekit.agents import stt as lk_stt  # noqa: PLC0415

    run = ClientRun()
    async with aiohttp.ClientSession() as http:  # outside an agent job there is no ambient session
        stt = make_stt(http) if make_stt is not None else livekit_stt(url, key, keyterms, http_session=http)
        stt.on("error", lambda e: run.errors.append(str(getattr(e, "error", e))))
        stream = stt.stream()

        async def feed() -> None:
            n = RATE * FRAME_MS // 1000

            def send(chunk: bytes) -> None:
                samples = len(chunk) // 2
                if samples < n:
                    chunk += b"\x00\x00" * (n - samples)
                stream.push_frame(rtc.AudioFrame(data=chunk, sample_rate=RATE, num_channels=1, samples_per_channel=n))

            await _paced(split(with_tail_silence(pcm), FRAME_MS), FRAME_MS, pace, send)
            t_end = time.monotonic()
            while settling(run, t_end, settle_s):
                send(b"")
                await asyncio.sleep(FRAME_MS / 1000)
            stream.end_input()

        feeder = asyncio.create_task(feed())
        try:
            async for ev in stream:
                if ev.type in (lk_stt.SpeechEventType.FINAL_TRANSCRIPT, lk_stt.SpeechEventType.INTERIM_TRANSCRIPT):
                    run.last_event = time.monotonic()
                if ev.type == lk_stt.SpeechEventType.FINAL_TRANSCRIPT and ev.alternatives:
                    alt = ev.alternatives[0]
                    words = [(round(w.start_time * 1000), round(w.end_time * 1000)) for w in (alt.words or [])]
                    run.finals.append(Final(alt.text, words))
                elif ev.type == lk_stt.SpeechEventType.INTERIM_TRANSCRIPT:
                    run.interims += 1
            run.terminated = True  # the stream ended without raising: Terminate answered and closed
        except Exception as exc:  # noqa: BLE001 - a framework error is a result to report, not a crash
            run.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            await feeder
            await stream.aclose()
            await stt.aclose()
    return run


def livekit_stt(url: str, key: str, keyterms: Sequence[str] = (), **kwargs: Any) -> Any:
    """``livekit.plugins.assemblyai.STT`` at LiveKit's defaults, only ``base_url`` and the key changed."""
    from livekit.plugins import assemblyai  # noqa: PLC0415 - test/bench-only framework

    if keyterms:
        kwargs["keyterms_prompt"] = list(keyterms)
    return assemblyai.STT(base_url=ws_base(url), api_key=key, **kwargs)


def run_livekit(url: str, key: str, pcm: bytes, *, pace: float = 1.0, keyterms: Sequence[str] = (),
                settle_s: float = SETTLE_S) -> ClientRun:
    return asyncio.run(run_livekit_async(url, key, pcm, pace=pace, keyterms=keyterms, settle_s=settle_s))


# ---------------------------------------------------------------------------------------------
# Settings (rows) and the corpus
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    name: str
    client: str  # sdk | pipecat | livekit
    describe: str
    params: dict[str, Any] = field(default_factory=dict)  # SDK StreamingParameters
    vad: bool = False  # Pipecat: its Silero VAD in front (ForceEndpoint on stop)


SETTINGS: tuple[Setting, ...] = (
    Setting("sdk", "sdk", "SDK, server defaults"),
    Setting("sdk-u3pro-100", "sdk", "SDK, u3-rt-pro 100/100 ms",
            {"speech_model": "u3-rt-pro", "min_turn_silence": 100, "max_turn_silence": 100}),
    Setting("pipecat", "pipecat", "Pipecat defaults, no VAD"),
    Setting("pipecat-vad", "pipecat", "Pipecat defaults + Silero VAD (ForceEndpoint)", vad=True),
    Setting("livekit", "livekit", "LiveKit defaults"),
)


def run_client(setting: Setting, url: str, key: str, pcm: bytes, *, pace: float,
               keyterms: Sequence[str], settle_s: float = SETTLE_S) -> ClientRun:
    if setting.client == "sdk":
        return run_sdk(url, key, pcm, pace=pace, keyterms=keyterms, settle_s=settle_s, **setting.params)
    if setting.client == "pipecat":
        return run_pipecat(url, key, pcm, vad=setting.vad, pace=pace, keyterms=keyterms, settle_s=settle_s)
    if setting.client == "livekit":
        return run_livekit(url, key, pcm, pace=pace, keyterms=keyterms, settle_s=settle_s)
    raise ValueError(f"unknown client {setting.client!r}")


@dataclass(frozen=True)
class Item:
    """One recording streamed as one session, with its labelled turns (a real clip is one turn)."""

    id: str
    kind: str  # call | clip | clips (several joined)
    pcm: bytes = field(repr=False)
    turns: tuple[LabelledTurn, ...]

    @property
    def audio_s(self) -> float:
        return len(self.pcm) / 2 / RATE


def load_items(audio_dir: Path, *, calls: int | None = None, clips: int | None = None,
               clip_ids: Sequence[str] = ()) -> list[Item]:
    """The labelled calls (``calls/*.json``) and the real clips (``real.jsonl``), the first N of each."""
    items: list[Item] = []
    for call in load_calls(audio_dir)[:calls]:
        pcm, _ = read_pcm16(call.path)
        items.append(Item(call.id, "call", pcm, tuple(LabelledTurn(call.id, t.index, t.start_ms, t.end_ms, t.text)
                                                       for t in call.turns)))
    real = load_clips(audio_dir)
    if clip_ids:
        real = [c for c in real if c.id in clip_ids]
    for clip in real[:clips]:
        pcm, _ = read_pcm16(clip.path)
        items.append(Item(clip.id, "clip", pcm, (LabelledTurn(clip.id, 0, 0, len(pcm) * 1000 // 2 // RATE, clip.text),)))
    return items


def excerpt(item: Item, want_ms: int) -> Item:
    """The start of a call, cut in the silence after the first turn that ends at or after ``want_ms``."""
    cut_ms, kept = cut_point_ms(Call(item.id, Path(), len(item.pcm) * 1000 // 2 // RATE,
                                     tuple(CallTurn(t.turn_index, t.start_ms, t.end_ms, t.text) for t in item.turns), ()),
                                want_ms, len(item.pcm) * 1000 // 2 // RATE)
    return Item(f"{item.id}[:{cut_ms}ms]", item.kind, item.pcm[:cut_ms * BYTES_PER_MS], item.turns[:kept])


def join_clips(items: Sequence[Item], gap_s: float = 1.5) -> Item:
    """Recordings one after another with ``gap_s`` of silence between them: one session of several turns."""
    parts: list[bytes] = []
    turns: list[LabelledTurn] = []
    offset_ms = 0
    gap = b"\x00\x00" * int(RATE * gap_s)
    for i, item in enumerate(items):
        if i:
            parts.append(gap)
            offset_ms += int(gap_s * 1000)
        turns += [LabelledTurn(t.call_id, len(turns), t.start_ms + offset_ms, t.end_ms + offset_ms, t.text)
                  for t in item.turns]
        parts.append(item.pcm)
        offset_ms += len(item.pcm) * 1000 // 2 // RATE
    return Item("+".join(i.id for i in items), "clips", b"".join(parts), tuple(turns))


# ---------------------------------------------------------------------------------------------
# Pure scoring
# ---------------------------------------------------------------------------------------------


def trailing_insertions(reference: str, hypothesis: str) -> list[str]:
    """Hypothesis words after the last hypothesis word aligned to a reference word (Whisper-normalised,
    jiwer alignment): what a decoder invented in the silence after the speech. All of them when the
    reference is empty; none when the hypothesis is."""
    import jiwer  # noqa: PLC0415 - the 'bench' extra

    norm = normalizer()
    ref, hyp = norm(reference).split(), norm(hypothesis).split()
    if not hyp:
        return []
    if not ref:
        return hyp
    chunks = jiwer.process_words(" ".join(ref), " ".join(hyp)).alignments[0]
    last = max((c.hyp_end_idx for c in chunks if c.type in ("equal", "substitute")), default=0)
    return hyp[last:]


def assign_finals(finals: Sequence[Final], turns: Sequence[LabelledTurn]) -> tuple[dict[int, list[Final]], list[Final]]:
    """Each final to the labelled turn its words overlap most (:func:`stream.match_turn`); finals with no
    words, or near no turn, are spurious."""
    by_turn: dict[int, list[Final]] = {}
    spurious: list[Final] = []
    for f in finals:
        i = match_turn(f.words, turns)
        if i is None:
            spurious.append(f)
        else:
            by_turn.setdefault(i, []).append(f)
    return by_turn, spurious


def score_item(item: Item, run: ClientRun, keyterms: Sequence[str]) -> dict[str, Any]:
    """Per recording: finals, trailing inserted words per labelled turn (plus every word of a spurious
    final), key terms in turns whose reference does not say them, and the texts for corpus WER."""
    by_turn, spurious = assign_finals(run.finals, item.turns)
    inserted: list[dict[str, Any]] = []
    keyterm_hits: list[dict[str, Any]] = []
    for i, turn in enumerate(item.turns):
        hyp = " ".join(f.text for f in by_turn.get(i, []))
        tail = trailing_insertions(turn.text, hyp)
        if tail:
            inserted.append({"turn": turn.turn_index, "words": tail, "final": hyp})
        for term in keyterms:
            if contains_term(hyp, term) and not contains_term(turn.text, term):
                keyterm_hits.append({"turn": turn.turn_index, "term": term, "final": hyp})
    for f in spurious:
        words = normalizer()(f.text).split()
        if words:
            inserted.append({"turn": None, "words": words, "final": f.text})
        for term in keyterms:
            if contains_term(f.text, term):
                keyterm_hits.append({"turn": None, "term": term, "final": f.text})
    return {
        "id": item.id,
        "kind": item.kind,
        "audio_s": round(item.audio_s, 2),
        "labelled_turns": len(item.turns),
        "finals": len(run.finals),
        "interims": run.interims,
        "finals_in_order": run.turn_orders == sorted(run.turn_orders),
        "errors": run.errors,
        "terminated": run.terminated,
        "reference": " ".join(t.text for t in item.turns),
        "hypothesis": " ".join(f.text for f in run.finals),
        "trailing_inserted_words": sum(len(x["words"]) for x in inserted),
        "finals_with_insertions": len(inserted),
        "insertions": inserted,
        "keyterms_inserted": len(keyterm_hits),
        "keyterm_hits": keyterm_hits,
    }


def summarize_row(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    finals = sum(i["finals"] for i in items)
    trailing = sum(i["trailing_inserted_words"] for i in items)
    with_ins = sum(i["finals_with_insertions"] for i in items)
    refs = [i["reference"] for i in items]
    return {
        "items": len(items),
        "wer": round(corpus_wer(refs, [i["hypothesis"] for i in items]), 4) if any(r.strip() for r in refs) else None,
        "labelled_turns": sum(i["labelled_turns"] for i in items),
        "finals": finals,
        "trailing_inserted_words": trailing,
        "finals_with_insertions": with_ins,
        "trailing_words_per_50_finals": round(50 * trailing / finals, 2) if finals else None,
        "keyterms_inserted": sum(i["keyterms_inserted"] for i in items),
        "errors": sum(len(i["errors"]) for i in items),
        "all_terminated": all(i["terminated"] for i in items),
        "finals_in_order": all(i["finals_in_order"] for i in items),
    }


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------


def benchmark(url: str, key: str, items: Sequence[Item], *, settings: Sequence[Setting] = SETTINGS,
              keyterms: Sequence[str] = KEYTERMS, pace: float = 1.0, settle_s: float = SETTLE_S,
              server: dict | None = None,
              log: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """Every setting x (without, with key terms) over every item, one session per item, one at a time."""
    rows = []
    t_start = time.monotonic()
    for setting in settings:
        for terms in ((), tuple(keyterms)):
            label = f"{setting.name}{' +keyterms' if terms else ''}"
            per_item = []
            t0 = time.monotonic()
            for item in items:
                log(f"[{label}] {item.id} ({item.audio_s:.0f} s)")
                run = run_client(setting, url, key, item.pcm, pace=pace, keyterms=terms, settle_s=settle_s)
                per_item.append(score_item(item, run, keyterms))
            rows.append({"setting": setting.name, "client": setting.client, "describe": setting.describe,
                         "keyterms": list(terms), "wall_s": round(time.monotonic() - t0, 1),
                         **summarize_row(per_item), "per_item": per_item})
    return {
        "pace": pace,
        "keyterms": list(keyterms),
        "items": [{"id": i.id, "kind": i.kind, "audio_s": round(i.audio_s, 2), "labelled_turns": len(i.turns)}
                  for i in items],
        "audio_s": round(sum(i.audio_s for i in items), 1),
        "tail_silence_s": TAIL_SILENCE_S,
        "settle_s": settle_s,
        "server": server,
        "wall_s": round(time.monotonic() - t_start, 1),
        "rows": rows,
    }


def table(result: dict[str, Any]) -> str:
    head = ("client, settings", "key terms", "WER", "finals/turns", "trailing words", "per 50 finals",
            "key terms inserted", "errors")
    lines: list[tuple[str, ...]] = [head]
    for r in result["rows"]:
        per50 = "-" if r["trailing_words_per_50_finals"] is None else f"{r['trailing_words_per_50_finals']:.1f}"
        wer = "-" if r["wer"] is None else f"{r['wer']:.3f}"
        lines.append((r["describe"], "yes" if r["keyterms"] else "no", wer, f"{r['finals']}/{r['labelled_turns']}",
                      str(r["trailing_inserted_words"]), per50,
                      str(r["keyterms_inserted"]) if r["keyterms"] else "-", str(r["errors"])))
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)
