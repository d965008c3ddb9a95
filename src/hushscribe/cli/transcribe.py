"""``hushscribe transcribe FILE…``: transcribe recordings in-process, no server needed.

Why in-process through the streaming pipeline: the file's audio goes through the same
:class:`SessionProtocol` (resampler, Silero VAD, turn machine, engine, formatter, PII redactor) as a
WebSocket session, via :func:`hushscribe.bench.offline.run_offline`. The session works in audio time,
so turns and redaction are exactly those a real-time stream of the same audio would get.

Decoding: PyAV (through faster-whisper's ``decode_audio``), so WAV, FLAC, MP3, OGG and anything else
FFmpeg reads. Output: plain text, JSON with the API's ``Turn`` fields, SRT or WebVTT subtitles.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ..bench.offline import run_offline
from ..core.params import ParamError, parse_session_params
from ..core.session import SessionSettings
from ..engine.router import model_unavailable
from ..server.app import load_engine, load_redactor, load_vad
from ..settings import SETTINGS, ServerConfig, cpu_cores

FORMATS = ("txt", "json", "srt", "vtt")
RATE = 16000


def add_transcribe_parser(sub) -> None:
    defaults = {s.name: s.default for s in SETTINGS}
    p = sub.add_parser(
        "transcribe", help="transcribe audio files in-process (WAV/FLAC/MP3/OGG; same pipeline as streaming)",
        description="Transcribe recordings with the streaming pipeline, in this process (no server). "
                    "Turns and PII redaction are the ones a live stream of the same audio would get.")
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files (anything FFmpeg/PyAV decodes)")
    p.add_argument("--redact-pii", action="store_true", help="redact PII in every output (like redact_pii=true)")
    p.add_argument("--policies", default=None,
                   help="comma-separated redact_pii_policies (default: all); e.g. person_name,phone_number")
    p.add_argument("--sub", choices=("hash", "entity_name"), default="hash",
                   help="redact_pii_sub: '#' per character (hash, default) or [POLICY_NAME] (entity_name)")
    p.add_argument("--format", choices=FORMATS, default="txt", help="output format (default txt)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="write DIR/<file stem>.<format> per input (default: standard output)")
    p.add_argument("--no-format-turns", dest="format_turns", action="store_false",
                   help="use the unformatted finals (lower case, no punctuation, numbers as words)")
    p.add_argument("--speech-model", default=None, help="speech_model (default: the server default)")
    p.add_argument("--model", default=defaults["model"], help="Whisper model (as 'hushscribe serve --model')")
    p.add_argument("--cpu-threads", type=int, default=min(4, cpu_cores()),
                   help="threads per decode (default: the CPU cores, up to 4; files are decoded one turn at a time)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")
    p.set_defaults(func=run_transcribe)


# ---------------------------------------------------------------------------------------------
# Decoding and the pipeline
# ---------------------------------------------------------------------------------------------


def decode_file(path: str | Path) -> bytes:
    """Any file PyAV can read -> 16 kHz mono pcm_s16le bytes."""
    from faster_whisper.audio import decode_audio  # noqa: PLC0415  (heavy: faster-whisper imports CTranslate2, ~1 s)

    x = decode_audio(str(path), sampling_rate=RATE)  # float32 mono, resampled by PyAV
    return (np.clip(x, -1.0, 1.0) * 32767).astype("<i2").tobytes()


class _ProgressVad:
    """Wraps the VAD to advance a progress bar by the audio the session has analysed."""

    def __init__(self, vad: Any, bar: Any):
        self._vad, self._bar = vad, bar

    def new_stream(self):
        inner, bar = self._vad.new_stream(), self._bar

        class _Stream:
            frame_samples = inner.frame_samples

            def process(self, frames: np.ndarray) -> np.ndarray:
                bar.update(len(frames) * inner.frame_samples / RATE)
                return inner.process(frames)

        return _Stream()


def transcribe_pcm(pcm: bytes, params: Any, engine: Any, vad: Any, redactor: Any = None,
                   settings: Any = None, progress: Any = None) -> list[dict]:
    """The session's messages for ``pcm`` (16 kHz s16le) followed by Terminate."""
    return run_offline(pcm, params, engine, _ProgressVad(vad, progress) if progress is not None else vad,
                       settings=settings or SessionSettings(), redactor=redactor)


def final_turns(messages: Sequence[dict], formatted: bool) -> list[dict]:
    """One final Turn per turn: the formatted one when asked for and sent, else the unformatted one."""
    by_order: dict[int, dict] = {}
    for msg in messages:
        if msg.get("type") != "Turn" or not msg.get("end_of_turn"):
            continue
        prev = by_order.get(msg["turn_order"])
        if prev is None or (formatted and msg.get("turn_is_formatted")):
            by_order[msg["turn_order"]] = msg
    return [by_order[k] for k in sorted(by_order) if by_order[k]["transcript"].strip()]


# ---------------------------------------------------------------------------------------------
# Output formats
# ---------------------------------------------------------------------------------------------


def _span(turn: dict) -> tuple[int, int]:
    words = turn.get("words") or []
    if not words:
        return 0, 0
    return int(words[0]["start"]), int(words[-1]["end"])


def cue_times(turns: Sequence[dict]) -> list[tuple[int, int]]:
    """(start, end) ms per turn, monotonic and each at least 1 ms long, for subtitle cues."""
    out: list[tuple[int, int]] = []
    prev_end = 0
    for t in turns:
        start, end = _span(t)
        start = max(start, prev_end)
        end = max(end, start + 1)
        out.append((start, end))
        prev_end = end
    return out


def timestamp(ms: int, sep: str) -> str:
    h, rest = divmod(int(ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_txt(turns: Sequence[dict]) -> str:
    return "".join(t["transcript"] + "\n" for t in turns)


def _cue_text(turn: dict) -> str:
    # '-->' in a cue's text would read as a timing line; a transcript never has it, but stay valid.
    return turn["transcript"].replace("-->", "->")


def to_srt(turns: Sequence[dict]) -> str:
    blocks = []
    for i, (t, (a, b)) in enumerate(zip(turns, cue_times(turns), strict=True), 1):
        blocks.append(f"{i}\n{timestamp(a, ',')} --> {timestamp(b, ',')}\n{_cue_text(t)}\n")
    return "\n".join(blocks)


def to_vtt(turns: Sequence[dict]) -> str:
    blocks = ["WEBVTT\n"]
    for t, (a, b) in zip(turns, cue_times(turns), strict=True):
        blocks.append(f"{timestamp(a, '.')} --> {timestamp(b, '.')}\n{_cue_text(t)}\n")
    return "\n".join(blocks)


def to_json(path: str, turns: Sequence[dict], duration_s: float, options: dict) -> str:
    doc = {
        "file": str(path),
        "audio_duration_seconds": round(duration_s, 3),
        "options": options,
        "turns": list(turns),  # the API's Turn messages, unchanged
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


def _fail(text: str, code: int = 2) -> int:
    print(f"hushscribe transcribe: {text}", file=sys.stderr)
    return code


def run_transcribe(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.files]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        return _fail("no such file: " + ", ".join(missing))
    if args.out is None and len(files) > 1 and args.format in ("srt", "vtt", "json"):
        return _fail(f"several files in --format {args.format} need --out DIR (one output file each)")

    query: list[tuple[str, str]] = [("sample_rate", str(RATE)), ("encoding", "pcm_s16le"),
                                    ("format_turns", "true" if args.format_turns else "false"),
                                    ("include_partial_turns", "false")]
    options: dict[str, Any] = {"format_turns": args.format_turns}
    if args.speech_model:
        query.append(("speech_model", args.speech_model))
        options["speech_model"] = args.speech_model
        # Multilingual: every turn's Turn message (json output) says which language it was in.
        query.append(("language_detection", "true"))
    if args.redact_pii:
        query += [("redact_pii", "true"), ("redact_pii_sub", args.sub)]
        options.update(redact_pii=True, redact_pii_sub=args.sub)
        if args.policies:
            query.append(("redact_pii_policies", args.policies))
    try:
        params = parse_session_params(query)
    except ParamError as exc:
        return _fail(exc.message.replace("User Input Validation Error: ", ""))
    # Load the multilingual model only when this run needs it.
    config = ServerConfig(model=args.model, cpu_threads=args.cpu_threads,
                          multilingual_model="auto" if params.decode_model == "multilingual" else "off")
    if args.redact_pii:
        options["redact_pii_policies"] = list(params.redact_pii_policies) or "all"
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)

    # Decode every file before loading models: a file that cannot be read fails fast.
    audio: list[tuple[Path, bytes]] = []
    for f in files:
        try:
            audio.append((f, decode_file(f)))
        except Exception as exc:  # PyAV raises its own error classes per container/codec problem
            return _fail(f"cannot decode {f}: {exc}")


    logging.getLogger("faster_whisper").setLevel(logging.WARNING)

    t0 = time.monotonic()
    engine, vad = load_engine(config), load_vad(config)
    unavailable = model_unavailable(engine, params.decode_model)
    if unavailable:
        return _fail(f"--speech-model {params.speech_model}: {unavailable}")
    redactor = load_redactor() if args.redact_pii else None
    settings = config.session_settings()
    total_s = sum(len(pcm) for _, pcm in audio) / (2 * RATE)
    with tqdm(total=round(total_s, 1), unit="s", unit_scale=False, file=sys.stderr, disable=args.no_progress,
              bar_format="{desc}{percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s audio [{elapsed}<{remaining}]",
              dynamic_ncols=True) as bar:
        for f, pcm in audio:
            bar.set_description_str(f"{f.name} ")
            messages = transcribe_pcm(pcm, params, engine, vad, redactor, settings, progress=bar)
            errors = [m for m in messages if m.get("type") == "Error"]
            if errors:
                bar.close()
                return _fail(f"{f}: {errors[0]['error']}", 1)
            turns = final_turns(messages, formatted=args.format_turns)
            if args.format == "json":
                text = to_json(str(f), turns, len(pcm) / (2 * RATE), options)
            else:
                text = {"txt": to_txt, "srt": to_srt, "vtt": to_vtt}[args.format](turns)
            if out_dir is not None:
                target = out_dir / f"{f.stem}.{args.format}"
                target.write_text(text, encoding="utf-8")
                bar.write(f"{f} -> {target} ({len(turns)} turns)", file=sys.stderr)
            else:
                if len(audio) > 1:
                    text = f"# {f}\n" + text
                bar.clear()
                sys.stdout.write(text)
                sys.stdout.flush()
        if bar.total is not None and bar.n < bar.total:
            bar.update(bar.total - bar.n)  # VAD frames leave a few ms of the last file uncounted
    if not args.no_progress:
        print(f"hushscribe transcribe: {len(audio)} file(s), {total_s:.1f} s of audio in "
              f"{time.monotonic() - t0:.1f} s", file=sys.stderr)
    return 0
