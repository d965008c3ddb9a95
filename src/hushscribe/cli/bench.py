"""``hushscribe bench ...``: benchmarks. ``bench stream`` is the streaming load generator
(latency from the true end of speech, WER, send lag, server CPU/RSS under N concurrent streams).

Add another benchmark by writing ``add_<name>_parser(bench_sub)`` and listing it in
:data:`SUBCOMMANDS` (or calling it on the subparsers object :func:`add_bench_parser` returns).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..bench import clients as bc
from ..bench import codecs as bench_codecs
from ..bench import decoding as bd
from ..bench import keyterms as bk
from ..bench import models as bm
from ..bench import pii_audio
from ..bench import speakers as bench_speakers
from ..bench import stream as bs
from ..bench.cluster import LocalCluster
from ..bench.corpus import audio_set, default_audio_dir, load_calls
from ..bench.stream import ProcMonitor
from ..engine import catalog
from ..engine.faster_whisper import FasterWhisperEngine, WhisperOptions
from ..pii import bench as pii_bench
from ..settings import config_from, dev_key
from ..speakers.encoder import MISSING as SPEAKERS_MISSING
from ..speakers.encoder import load_encoder
from ..vad.silero import SileroVoiceDetector


def _add_server_target(p: argparse.ArgumentParser, *, spawn_help: str, spawn_timeout_s: float,
                       mode: str = "") -> None:
    """--url | --spawn, --key, --server-args, --spawn-timeout-s: what :class:`_ServerTarget` reads."""
    target = p.add_mutually_exclusive_group()
    target.add_argument("--url", default=None,
                        help=f"{mode}server WebSocket URL (default $HUSHSCRIBE_URL or ws://127.0.0.1:8765/v3/ws)")
    target.add_argument("--spawn", action="store_true", help=f"{mode}{spawn_help}")
    p.add_argument("--key", default=None,
                   help="API key (default: 'bench-key' with --spawn, else $ASSEMBLYAI_API_KEY or the local dev key)")
    p.add_argument("--server-args", default="",
                   help="with --spawn: extra 'serve' flags, one string, e.g. --server-args='--decode-workers 2'")
    p.add_argument("--spawn-timeout-s", type=float, default=spawn_timeout_s,
                   help=f"with --spawn: wait this long for /ready (default {spawn_timeout_s:g})")


def add_stream_bench_parser(bsub) -> argparse.ArgumentParser:
    p = bsub.add_parser(
        "stream",
        help="N concurrent streams of labelled call recordings: TTFS, partials, WER, send lag, server CPU/RSS",
        description="Stream the call recordings (*.wav with their *.json turn labels) over N concurrent "
                    "WebSocket sessions, as the AssemblyAI Python SDK does, and measure time to final "
                    "segment (TTFS) from the true end of speech of each labelled turn.",
    )
    _add_server_target(p, spawn_help="start 'hushscribe serve' on a free port for the run (measures its CPU and RSS)",
                       spawn_timeout_s=60.0)
    p.add_argument("--server-pid", type=int, default=None,
                   help="with --url: measure this server process's CPU time and RSS")
    p.add_argument("--replicas", type=int, default=0,
                   help="with --spawn: start this many 'serve' replicas behind nginx (least_conn, deploy/nginx.conf) "
                        "sharing a Redis, and stream through nginx; their CPU and RSS are summed. Needs Debian's "
                        "nginx and redis-server (scripts/install-lb). 0 (default): one server, no balancer")
    p.add_argument("--clips", type=Path, default=None,
                   help="directory of call recordings with labels (default: <audio dir>/calls)")
    p.add_argument("--limit", type=int, default=None, help="use only the first K calls (sorted by file name)")
    p.add_argument("--streams", type=int, default=1, help="concurrent streams (default 1)")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument("--realtime", dest="realtime", action="store_true", default=True,
                      help="send at real-time pace (default)")
    pace.add_argument("--fast", dest="realtime", action="store_false", help="send without pacing")
    p.add_argument("--chunk-ms", type=int, default=50, help="audio per message (default 50)")
    p.add_argument("--partials", action="store_true", help="include_partial_turns=true (default false)")
    p.add_argument("--redact-pii", action="store_true", help="redact_pii=true (WER then counts the redactions)")
    p.add_argument("--speech-model", default="universal-streaming-english")
    p.add_argument("--duration-s", type=float, default=None,
                   help="audio per stream: loop over the calls until this much (default: one call per stream)")
    p.add_argument("--seed", type=int, default=0, help="seed of the 0..--stagger-s random start offsets")
    p.add_argument("--stagger-s", type=float, default=1.0, help="stream starts are spread over this many seconds")
    p.add_argument("--late-ms", type=float, default=200.0,
                   help="a chunk sent this much after its real-time deadline counts as late (default 200)")
    p.add_argument("--termination-timeout-s", type=float, default=10.0,
                   help="Termination later than this after the last chunk counts as falling behind (default 10)")
    p.add_argument("--client-vad", action="store_true",
                   help="measure the anchors' way (Pipecat's stt-benchmark): each client runs Silero VAD on what it "
                        "sends and sends ForceEndpoint at VAD stop; TTFS = final - (VAD stop - --vad-stop-secs). "
                        "A run without ForceEndpoint goes first (natural end of turn) unless --no-natural")
    p.add_argument("--vad-stop-secs", type=float, default=0.2, help="with --client-vad: Pipecat's stop_secs (0.2)")
    p.add_argument("--no-natural", dest="natural", action="store_false",
                   help="with --client-vad: skip the run without ForceEndpoint")
    p.add_argument("--param", dest="params", action="append", default=[], metavar="NAME=VALUE",
                   help="one more connection parameter (e.g. min_turn_silence=100); repeatable")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="write the full report here")
    p.add_argument("--find-capacity", action="store_true",
                   help="ramp N (1,2,4,6,8,10,12,16,...) and report the largest N that passes the gate")
    p.add_argument("--max-streams", type=int, default=32, help="with --find-capacity: largest N tried (default 32)")
    p.add_argument("--gate-ms", type=float, default=800.0, help="with --find-capacity: TTFS P95 gate (default 800)")
    p.set_defaults(func=run_stream_bench)
    return p


def add_pii_bench_parser(bsub) -> argparse.ArgumentParser:
    p = bsub.add_parser(
        "pii",
        help="PII redaction: detector on labelled text (--data), or redacted finals of streamed audio (--audio)",
        description="Text mode (default, --data): score the PII detector and the hash rendering on a labelled "
                    "jsonl (eval.jsonl or pii.jsonl format): recall, precision, per-policy F1, latency. "
                    "Audio mode (--audio DIR): stream every PII clip (pii.jsonl) and call recording "
                    "(calls/*.wav) through a server with redact_pii=true and format_turns=true, and report per "
                    "policy the share of labelled PII that does not survive in the finals.",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", type=Path, default=None,
                     help="labelled text jsonl (default: <audio dir>/../pii/eval.jsonl)")
    src.add_argument("--audio", type=Path, default=None, metavar="DIR",
                     help="audio test set with pii.jsonl, pii/*.wav and calls/*.wav + *.json")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="write the full report here")
    p.add_argument("--repeats", type=int, default=3, help="text mode: detections per turn for the latency (default 3)")
    _add_server_target(p, spawn_help="start 'hushscribe serve' on a free port", spawn_timeout_s=120.0,
                       mode="audio mode: ")
    p.add_argument("--sub", choices=("hash", "entity_name"), default="hash", help="audio mode: redact_pii_sub")
    p.add_argument("--settings", choices=tuple(pii_audio.SETTINGS), default="sdk-default",
                   help="audio mode: client settings: the SDK at server defaults (format_turns=true), or u3-100, "
                        "Pipecat's and LiveKit's defaults (u3-rt-pro, 100/100 ms silences) (default sdk-default)")
    p.add_argument("--only", choices=("clips", "calls"), default=None,
                   help="audio mode: stream only the PII clips or only the call recordings")
    p.add_argument("--no-baseline", dest="baseline", action="store_false",
                   help="audio mode: skip the unredacted pass that tells which values the ASR recognised")
    p.add_argument("--concurrency", type=int, default=2, help="audio mode: recordings streamed at once (default 2)")
    p.set_defaults(func=run_pii_bench)
    return p


def add_keyterms_bench_parser(bsub) -> argparse.ArgumentParser:
    p = bsub.add_parser(
        "keyterms",
        help="keyterms_prompt: term recall with and without the key terms, and hallucinated terms (espeak-ng audio)",
        description="Speak sentences with rare names and drug names, and sentences without any of them, with "
                    "espeak-ng (16 kHz mono WAV); decode each as one turn with the server's engine, without and "
                    "with all key terms; report term recall and terms that appear in sentences that do not "
                    "contain them.",
    )
    p.add_argument("--audio-dir", type=Path, default=None,
                   help="where the synthesized WAVs are kept (default: a temporary directory)")
    p.add_argument("--voice", default="en-us", help="espeak-ng voice (default en-us)")
    p.add_argument("--model", default="bundled", help="Whisper model, as 'serve --model' (default bundled)")
    p.add_argument("--cpu-threads", type=int, default=2, help="decode threads (default 2)")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="write the full report here")
    p.set_defaults(func=run_keyterms_bench)
    return p


def add_models_bench_parser(bsub) -> argparse.ArgumentParser:
    p = bsub.add_parser(
        "models",
        help="each speech model: English WER and decode cost on shared/audio; multilingual language detection",
        description="Load each model in turn and decode the real recordings of shared/audio through the "
                    "streaming session core (English WER, decode seconds per audio second, load time, memory); "
                    "then, when the multilingual model is installed and espeak-ng is present, detect the "
                    "language of espeak-ng sentences in six languages, one language per session and switching "
                    "language every turn.",
    )
    p.add_argument("--models", default=None,
                   help="comma-separated --model values (default: bundled, plus base when the multilingual "
                        "extra is installed)")
    p.add_argument("--audio", type=Path, default=None, help="shared/audio directory (default: ../shared/audio)")
    p.add_argument("--limit", type=int, default=None, help="only the first N real clips")
    p.add_argument("--no-multilingual", action="store_true", help="skip the language-detection part")
    p.add_argument("--cpu-threads", type=int, default=2, help="decode threads (default 2)")
    p.add_argument("--seed", type=int, default=1,
                   help="random seed of Whisper's temperature fallback, set before each model (default 1)")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="write the full report here")
    p.set_defaults(func=run_models_bench)
    return p


def add_codecs_bench_parser(bsub) -> argparse.ArgumentParser:
    p = bsub.add_parser(
        "codecs",
        help="WER of the real clips streamed as PCM and as opus / ogg_opus / aac (session core, real engine)",
        description="Encode each real recording of shared/audio with PyAV (libopus, aac), stream it through "
                    "the session core as a client of that encoding would (raw Opus: one packet per message; "
                    "Ogg/ADTS: the byte stream cut every 4000 bytes) and compare the WER with the same audio "
                    "as pcm_s16le.",
    )
    p.add_argument("--audio", type=Path, default=None, help="shared/audio directory (default: ../shared/audio)")
    p.add_argument("--limit", type=int, default=None, help="only the first N real clips")
    p.add_argument("--variants", default="opus:32000,ogg_opus:32000,opus:16000,aac:48000",
                   help="comma-separated encoding:bit_rate (default opus:32000,ogg_opus:32000,opus:16000,aac:48000)")
    p.add_argument("--model", default="bundled", help="Whisper model, as 'serve --model' (default bundled)")
    p.add_argument("--cpu-threads", type=int, default=2, help="decode threads (default 2)")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="write the full report here")
    p.set_defaults(func=run_codecs_bench)
    return p


def add_speakers_bench_parser(bsub) -> argparse.ArgumentParser:
    p = bsub.add_parser(
        "speakers",
        help="speaker_labels on the dev calls: turn accuracy, one-speaker clips, CPU per embedding",
        description="Stream each call of shared/audio/calls (and each one-speaker real clip) through the session "
                    "core with speaker_labels=true, the real engine, VAD and voice encoder; match each final to "
                    "the labelled turn it overlaps most and score agent/caller labels after mapping label names.",
    )
    p.add_argument("--audio", type=Path, default=None, help="shared/audio directory (default: ../shared/audio)")
    p.add_argument("--limit", type=int, default=None, help="only the first N calls and N real clips")
    p.add_argument("--model", default="bundled", help="Whisper model, as 'serve --model' (default bundled)")
    p.add_argument("--cpu-threads", type=int, default=2, help="decode threads (default 2)")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="write the full report here")
    p.set_defaults(func=run_speakers_bench)
    return p


def add_clients_bench_parser(bsub) -> argparse.ArgumentParser:
    p = bsub.add_parser(
        "clients",
        help="voice-agent clients at their defaults (SDK, Pipecat +/- its VAD, LiveKit), +/- key terms: "
             "WER, finals per labelled turn, inserted trailing words, key terms in turns that do not say them",
        description="Stream the labelled calls and the real clips through the official SDK (server defaults "
                    "and u3-rt-pro at 100/100 ms), Pipecat's AssemblyAISTTService (its defaults, with and "
                    "without its Silero VAD sending ForceEndpoint) and LiveKit's assemblyai.STT (its "
                    "defaults), each without and with key terms; one session per recording. Needs the "
                    "'test' extra (pipecat-ai, livekit-plugins-assemblyai, assemblyai).",
    )
    _add_server_target(p, spawn_help="start 'hushscribe serve' on a free port for the run", spawn_timeout_s=120.0)
    p.add_argument("--audio", type=Path, default=None, help="shared/audio directory (default: ../shared/audio)")
    p.add_argument("--calls", type=int, default=None, help="only the first N calls (default: all)")
    p.add_argument("--clips", type=int, default=None, help="only the first N real clips (default: all)")
    p.add_argument("--short", action="store_true",
                   help=f"the shortest call and the real clips {', '.join(SHORT_CLIPS)} (a quick check)")
    p.add_argument("--settings", default=None,
                   help="comma-separated rows (default all): sdk, sdk-u3pro-100, pipecat, pipecat-vad, livekit")
    p.add_argument("--keyterms", default=None,
                   help="comma-separated key terms of the '+keyterms' rows (default: 'Hester Prynne,movable'); "
                        "'' runs only the rows without key terms")
    p.add_argument("--pace", type=float, default=1.0,
                   help="audio sent at this many times real time (default 1). Faster keeps the clients' VAD and "
                        "the server's turn ends at the same audio positions, but a loaded server falls behind")
    p.add_argument("--settle-s", type=float, default=bc.SETTLE_S,
                   help="after each recording, keep sending silence until the server has sent nothing for this "
                        f"long (default {bc.SETTLE_S:g}; Pipecat and LiveKit wait only 5 s for Termination)")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="write the full report here")
    p.set_defaults(func=run_clients_bench)
    return p


SHORT_CLIPS = ("jfk", "lj001-0007")  # lj001-0007 says "movable", one of the default key terms

def add_decoding_bench_parser(bsub) -> argparse.ArgumentParser:
    p = bsub.add_parser(
        "decoding",
        help="invented words and context across turns: WER, finals, trailing and key-term insertions, before/after",
        description="Streams shared/audio recordings through the session core in-process (no server) at the SDK's "
                    "defaults and at Pipecat/LiveKit's (u3-rt-pro, 100/100 ms silences), with and without key terms "
                    "no recording says, each decoded before (no word filter, no context) and after, back to back.",
    )
    p.add_argument("--audio", type=Path, default=None, help="shared/audio directory (default: ../shared/audio)")
    p.add_argument("--only", choices=("calls", "real", "all"), default="all", help="which recordings (default all)")
    p.add_argument("--limit", type=int, default=None, help="only the first N of each kind")
    p.add_argument("--settings", default="sdk-default,u3-100", help="comma-separated (default sdk-default,u3-100)")
    p.add_argument("--keyterms", choices=("both", "with", "without"), default="both",
                   help="decode with the key terms, without, or both (default both)")
    p.add_argument("--variants", default="before,after",
                   help="comma-separated server variants to compare, back to back per recording: "
                        f"{', '.join(bd.VARIANTS)} (default before,after)")
    p.add_argument("--cpu-threads", type=int, default=2, help="decode threads (default 2)")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="write the full report here")
    p.set_defaults(func=run_decoding_bench)
    return p


SUBCOMMANDS: list[Callable] = [add_stream_bench_parser, add_pii_bench_parser, add_keyterms_bench_parser,
                               add_models_bench_parser, add_clients_bench_parser, add_decoding_bench_parser,
                               add_codecs_bench_parser, add_speakers_bench_parser]


def add_bench_parser(sub):
    """Add ``bench`` with its subcommands to the top-level subparsers; returns the ``bench``
    subparsers so more benchmarks can be added."""
    p = sub.add_parser("bench", help="benchmarks (stream: concurrent streaming load; pii: PII redaction; "
                                            "keyterms: keyterms_prompt recall; models: per-model WER and cost; "
                                            "clients: Pipecat/LiveKit/SDK transcripts; codecs: WER of compressed "
                                            "encodings; speakers: speaker labels)")
    bsub = p.add_subparsers(dest="bench_command", required=True, metavar="BENCHMARK")
    for add in SUBCOMMANDS:
        add(bsub)
    return bsub


def _default_key(args: argparse.Namespace) -> str:
    if args.key:
        return args.key
    if args.spawn:
        return "bench-key"
    env = os.environ.get("ASSEMBLYAI_API_KEY")
    if env:
        return env
    return dev_key(config_from(None).home)


class _ServerTarget:
    """The server a benchmark talks to: ``--spawn`` starts one (stopped afterwards, its exit code
    recorded), otherwise ``--url`` (and ``--server-pid`` for CPU/RSS). One place for both benchmarks."""

    def __init__(self, args: argparse.Namespace, key: str, command: str):
        self.url = args.url or os.environ.get("HUSHSCRIBE_URL", "ws://127.0.0.1:8765/v3/ws")
        self.pid = getattr(args, "server_pid", None)
        self.info: dict | None = {"spawned": False, "pid": self.pid} if self.pid else None
        self._server = self._cluster = None
        replicas = getattr(args, "replicas", 0)
        if args.spawn and replicas:
            workdir = Path(tempfile.mkdtemp(prefix="hushscribe-bench-cluster-"))
            self._cluster = LocalCluster(workdir, replicas, key, shlex.split(args.server_args), args.spawn_timeout_s)
            print(f"hushscribe bench {command}: starting redis, {replicas} replica(s) and nginx in {workdir} ...",
                  file=sys.stderr, flush=True)
        elif args.spawn:
            self._server = bs.SpawnedServer(key, shlex.split(args.server_args), args.spawn_timeout_s)
            print(f"hushscribe bench {command}: starting serve --port {self._server.port} ...",
                  file=sys.stderr, flush=True)

    def start(self) -> None:
        """Raises RuntimeError when a spawned server (or a replica, Redis, nginx) does not become ready."""
        if self._cluster is not None:
            c = self._cluster.start()
            self.url, self.pid = c.url, [r.pid for r in c.replicas]
            self.info = {"spawned": True, "replicas": len(c.replicas), "balancer": "nginx (deploy/nginx.conf)",
                         "pid": self.pid, "command": c.replicas[0].command[1:],
                         "log": [r.log.name for r in c.replicas], "workdir": str(c.workdir)}
            return
        server = self._server
        if server is None:
            return
        server.start()
        self.url, self.pid = server.url, server.pid
        self.info = {"spawned": True, "pid": server.pid, "command": server.command[1:], "log": server.log.name}

    def stop(self) -> None:
        if self._cluster is not None:
            codes = self._cluster.stop()
            if self.info is not None:
                self.info["exit_code"] = next((c for c in codes if c != 0), 0)  # 0: every replica drained cleanly
                self.info["exit_codes"] = codes
        if self._server is not None:
            rc = self._server.stop()
            if self.info is not None:
                self.info["exit_code"] = rc


def run_stream_bench(args: argparse.Namespace) -> int:
    err = lambda m: print(f"hushscribe bench stream: {m}", file=sys.stderr)  # noqa: E731
    if args.streams < 1 or args.chunk_ms < 1 or (args.duration_s is not None and args.duration_s <= 0):
        err("--streams, --chunk-ms and --duration-s must be positive")
        return 2
    if args.replicas < 0 or (args.replicas and not args.spawn):
        err("--replicas needs --spawn and must not be negative")
        return 2
    if args.find_capacity and args.duration_s is None:
        args.duration_s = 60.0
    clips = args.clips or (default_audio_dir() / "calls")
    if not clips.is_dir():
        err(f"no such directory: {clips}")
        return 2
    extra = [tuple(kv.split("=", 1)) for kv in args.params]
    if any(len(kv) != 2 or not kv[0] for kv in extra):
        err("--param wants NAME=VALUE")
        return 2
    key = _default_key(args)
    target = _ServerTarget(args, key, "stream")
    try:
        target.start()
    except RuntimeError as exc:
        err(str(exc))
        return 1
    url, server_pid = target.url, target.pid
    cfg = bs.BenchConfig(
        url=url, key=key, streams=args.streams, realtime=args.realtime, chunk_ms=args.chunk_ms,
        partials=args.partials, redact_pii=args.redact_pii, speech_model=args.speech_model,
        duration_s=args.duration_s, seed=args.seed, stagger_s=args.stagger_s, late_ms=args.late_ms,
        termination_timeout_s=args.termination_timeout_s, client_vad=args.client_vad,
        vad_stop_secs=args.vad_stop_secs, extra_query=tuple(extra),
    )
    server_info = target.info
    try:
        if args.find_capacity:
            result = bs.find_capacity(cfg, clips, max_streams=args.max_streams, gate_ms=args.gate_ms,
                                      limit=args.limit, server_pid=server_pid, server=server_info)
        elif args.client_vad:
            result = bs.benchmark_client_vad(cfg, clips, natural=args.natural, limit=args.limit,
                                             server_pid=server_pid, server=server_info)
        else:
            result = bs.benchmark(cfg, clips, limit=args.limit, server_pid=server_pid, server=server_info)
    except ValueError as exc:
        err(str(exc))
        return 2
    finally:
        target.stop()
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(result, indent=1))
    print("files: " + ", ".join(f"{f['id']} ({f['turns']} turns)" for f in result["files"]))
    if args.find_capacity:
        print(bs.capacity_table(result))
    else:
        print(bs.table(result))
    if args.json_out:
        print(f"report: {args.json_out}")
    s = result["summary"] if not args.find_capacity else None
    if s is not None and s["refused"] == s["streams"]:
        return 1
    return 0


def _write_json(path: Path | None, result: dict) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1, default=str))


def run_pii_bench(args: argparse.Namespace) -> int:
    err = lambda m: print(f"hushscribe bench pii: {m}", file=sys.stderr)  # noqa: E731
    if args.audio is None:
        if args.url or args.spawn:
            err("--url/--spawn need --audio")
            return 2
        return _run_pii_text(args, err)
    return _run_pii_audio(args, err)


def _run_pii_text(args: argparse.Namespace, err) -> int:
    data = args.data or (default_audio_dir().parent / "pii" / "eval.jsonl")
    if not data.is_file():
        err(f"no such file: {data}")
        return 2
    try:
        result = pii_bench.run_text_benchmark(data, repeats=max(1, args.repeats))
    except (ValueError, KeyError) as exc:
        err(f"{data}: {exc}")
        return 2
    _write_json(args.json_out, result)
    print(f"file: {data}")
    print(pii_bench.format_table(result))
    if args.json_out:
        print(f"report: {args.json_out}")
    return 0


def _run_pii_audio(args: argparse.Namespace, err) -> int:
    if not args.audio.is_dir():
        err(f"no such directory: {args.audio}")
        return 2
    key = _default_key(args)
    target = _ServerTarget(args, key, "pii")
    try:
        target.start()
    except RuntimeError as exc:
        err(str(exc))
        return 1
    url, server_info = target.url, target.info
    try:
        result = pii_audio.benchmark(url, key, args.audio, sub=args.sub, baseline=args.baseline,
                                     concurrency=max(1, args.concurrency), clips=args.only != "calls",
                                     calls=args.only != "clips", server=server_info, settings=args.settings)
    except ValueError as exc:
        err(str(exc))
        return 2
    finally:
        target.stop()
    _write_json(args.json_out, result)
    print("files: " + ", ".join(f"{f['wav']} + {Path(f['labels']).name}" for f in result["files"]))
    print(pii_audio.table(result))
    if args.json_out:
        print(f"report: {args.json_out}")
    if result["stream_errors"] and len(result["stream_errors"]) == len(result["files"]):
        return 1
    return 0


def run_keyterms_bench(args: argparse.Namespace) -> int:
    err = lambda m: print(f"hushscribe bench keyterms: {m}", file=sys.stderr)  # noqa: E731
    if bk.espeak_binary() is None:
        err("espeak-ng is not installed; run scripts/install-tts (apt-get install espeak-ng)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        audio_dir = args.audio_dir or Path(tmp)
        bk.make_corpus(audio_dir, voice=args.voice)
        engine = FasterWhisperEngine(WhisperOptions(model=args.model, cpu_threads=args.cpu_threads))
        result = bk.benchmark(engine, audio_dir)
    result["voice"] = args.voice
    _write_json(args.json_out, result)
    print(f"{result['positives']} sentences with {len(result['keyterms'])} key terms, "
          f"{result['negatives']} without; engine {result['engine']}, espeak-ng voice {args.voice}")
    print(bk.table(result))
    if args.json_out:
        print(f"report: {args.json_out}")
    return 0


def run_codecs_bench(args: argparse.Namespace) -> int:
    audio_dir = args.audio or default_audio_dir()
    variants = [(e, int(r)) for e, r in (v.split(":") for v in args.variants.split(",") if v.strip())]
    engine = FasterWhisperEngine(WhisperOptions(model=args.model, cpu_threads=args.cpu_threads))
    result = bench_codecs.benchmark(engine, SileroVoiceDetector(), audio_dir, variants, limit=args.limit)
    result["engine"] = engine.name
    _write_json(args.json_out, result)
    print(f"{result['clips']} real clips of {audio_dir}, engine {engine.name}")
    print(bench_codecs.table(result))
    return 0


def run_speakers_bench(args: argparse.Namespace) -> int:
    encoder = load_encoder()
    if encoder is None:
        print(f"hushscribe bench speakers: {SPEAKERS_MISSING}", file=sys.stderr)
        return 2
    audio_dir = args.audio or default_audio_dir()
    engine = FasterWhisperEngine(WhisperOptions(model=args.model, cpu_threads=args.cpu_threads))
    result = bench_speakers.benchmark(engine, SileroVoiceDetector(), encoder, audio_dir, limit=args.limit)
    result["engine"], result["encoder"] = engine.name, encoder.name
    _write_json(args.json_out, result)
    print(bench_speakers.table(result))
    return 0


def run_models_bench(args: argparse.Namespace) -> int:
    import ctranslate2  # noqa: PLC0415  (heavy: CTranslate2's native library, ~1 s)

    err = lambda m: print(f"hushscribe bench models: {m}", file=sys.stderr)  # noqa: E731
    audio_dir = args.audio or default_audio_dir()
    if not (audio_dir / "real.jsonl").exists():
        err(f"no real.jsonl in {audio_dir} (set --audio)")
        return 2
    names = [m.strip() for m in (args.models or ("bundled,base" if catalog.base_installed() else "bundled")).split(",")
             if m.strip()]
    for name in names:
        if catalog.parse_choice(name).kind == "base" and not catalog.base_installed():
            err(catalog.missing_base_message())
            return 2
    vad = SileroVoiceDetector()
    result: dict = {"english": {}, "cpu_threads": args.cpu_threads, "audio_dir": str(audio_dir),
                    "audio_set": audio_set(audio_dir)}
    engines: dict[str, FasterWhisperEngine] = {}
    for name in names:
        print(f"[{name}] loading", file=sys.stderr, flush=True)
        before, t0 = _rss_now_mb(), time.perf_counter()
        engine = FasterWhisperEngine(WhisperOptions(model=name, cpu_threads=args.cpu_threads))
        gc.collect()
        load_s, added = time.perf_counter() - t0, _rss_now_mb() - before
        print(f"[{name}] decoding the real clips of {audio_dir}", file=sys.stderr, flush=True)
        # Whisper's temperature fallback samples: a fixed seed makes two runs (and two models) comparable.
        ctranslate2.set_random_seed(args.seed)
        result["english"][name] = {"engine": engine.name, "load_s": round(load_s, 2), "rss_added_mb": round(added, 1),
                                   "english": bm.english(engine, vad, audio_dir, limit=args.limit)}
        engines[name] = engine
    if args.no_multilingual:
        result["multilingual_skipped"] = "--no-multilingual"
    elif not catalog.base_installed():
        result["multilingual_skipped"] = catalog.missing_base_message()
    elif bk.espeak_binary() is None:
        result["multilingual_skipped"] = "espeak-ng is not installed (scripts/install-tts)"
    else:
        base = next((e for n, e in engines.items() if catalog.parse_choice(n).kind == "base"), None)
        base = base or FasterWhisperEngine(WhisperOptions(model="base", cpu_threads=args.cpu_threads))
        print("[multilingual] espeak-ng sentences, 6 languages", file=sys.stderr, flush=True)
        ctranslate2.set_random_seed(args.seed)
        result["multilingual"] = {"model": base.name, **bm.multilingual(base, vad)}
    _write_json(args.json_out, result)
    print(bm.table(result))
    if args.json_out:
        print(f"report: {args.json_out}")
    return 0


def run_clients_bench(args: argparse.Namespace) -> int:
    err = lambda m: print(f"hushscribe bench clients: {m}", file=sys.stderr)  # noqa: E731
    audio_dir = args.audio or default_audio_dir()
    if not (audio_dir / "real.jsonl").exists():
        err(f"no real.jsonl in {audio_dir} (set --audio)")
        return 2
    if args.pace <= 0 or args.settle_s < 0:
        err("--pace must be positive and --settle-s not negative")
        return 2
    by_name = {s.name: s for s in bc.SETTINGS}
    names = [n.strip() for n in (args.settings or ",".join(by_name)).split(",") if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown or not names:
        err(f"unknown --settings {', '.join(unknown) or '(none)'}; choose from {', '.join(by_name)}")
        return 2
    keyterms = bc.KEYTERMS if args.keyterms is None else tuple(t.strip() for t in args.keyterms.split(",") if t.strip())
    if args.short:
        shortest = min(load_calls(audio_dir), key=lambda c: c.duration_ms)
        items = [i for i in bc.load_items(audio_dir, clip_ids=SHORT_CLIPS) if i.kind == "clip" or i.id == shortest.id]
    else:
        items = bc.load_items(audio_dir, calls=args.calls, clips=args.clips)
    if not items:
        err("no recordings selected")
        return 2
    bc.quiet_framework_logs()
    key = _default_key(args)
    target = _ServerTarget(args, key, "clients")
    try:
        target.start()
    except RuntimeError as exc:
        err(str(exc))
        return 1
    try:
        result = bc.benchmark(target.url, key, items, settings=[by_name[n] for n in names], keyterms=keyterms,
                              pace=args.pace, settle_s=args.settle_s, server=target.info,
                              log=lambda m: print(m, file=sys.stderr, flush=True))
    finally:
        target.stop()
    result["server"] = target.info
    _write_json(args.json_out, result)
    print("recordings: " + ", ".join(f"{i['id']} ({i['labelled_turns']} turns)" for i in result["items"])
          + f"; {result['audio_s']} s of audio at {result['pace']:g}x real time")
    print(bc.table(result))
    return 0


def run_decoding_bench(args: argparse.Namespace) -> int:
    audio_dir = args.audio or default_audio_dir()
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    unknown = [s for s in settings if s not in bd.SETTINGS]
    if unknown:
        print(f"hushscribe bench decoding: unknown setting(s) {unknown}; known: {sorted(bd.SETTINGS)}",
              file=sys.stderr)
        return 2
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if not variants or any(v not in bd.VARIANTS for v in variants):
        print(f"hushscribe bench decoding: --variants takes names of {sorted(bd.VARIANTS)}", file=sys.stderr)
        return 2
    recs = bd.recordings(audio_dir, args.only, args.limit)
    if not recs:
        print(f"hushscribe bench decoding: no recordings in {audio_dir} (set --audio)", file=sys.stderr)
        return 2
    keyterms = {"both": (False, True), "with": (True,), "without": (False,)}[args.keyterms]
    engine = FasterWhisperEngine(WhisperOptions(cpu_threads=args.cpu_threads))
    result = bd.run(engine, SileroVoiceDetector(), recs, settings, keyterms, variants)
    _write_json(args.json_out, result)
    print(f"{len(recs)} recordings of {audio_dir}; engine {result['engine']}; key terms {bd.KEYTERMS}")
    print(bd.table(result))
    if args.json_out:
        print(f"report: {args.json_out}")
    return 0


def _rss_now_mb() -> float:
    """Resident memory of this process now (Linux /proc; 0 elsewhere)."""
    return ProcMonitor(os.getpid()).status_kb().get("VmRSS", 0) / 1024
