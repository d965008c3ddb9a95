"""``hushscribe stream FILE.wav`` / ``hushscribe stream --mic``: the quickstart as a command -- stream a
WAV (at real-time pace, or ``--fast``) or the microphone to a server and print turns live, each final
on its own line. ``--mic`` needs the optional ``sounddevice`` package (PortAudio)."""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
import time
import urllib.parse
import wave
from collections.abc import Iterator

import numpy as np
import soxr

from ..settings import config_from, dev_key

QUERY_OPTIONS = (
    ("speech_model", str), ("format_turns", str), ("include_partial_turns", str), ("redact_pii", str),
    ("redact_pii_policies", str), ("redact_pii_sub", str), ("end_of_turn_confidence_threshold", str),
    ("min_turn_silence", str), ("max_turn_silence", str), ("keyterms_prompt", str),
)


def read_wav_16k_mono(path: str) -> tuple[bytes, int]:
    """Read a PCM WAV of any rate/channels/width and return 16 kHz mono s16le bytes."""
    with wave.open(path, "rb") as w:
        rate, channels, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(n)
    x: np.ndarray
    if width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        x = ((b[:, 0].astype(np.int32) | (b[:, 1].astype(np.int32) << 8) | (b[:, 2].astype(np.int32) << 16)) << 8 >> 8) / 8388608.0
    elif width == 4:
        x = np.frombuffer(raw, "<i4").astype(np.float32) / 2147483648.0
    else:
        raise ValueError(f"unsupported sample width {width}")
    x = x.reshape(-1, channels).mean(axis=1).astype(np.float32)
    if rate != 16000:
        x = soxr.resample(x, rate, 16000)
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()
    return pcm, 16000


def add_stream_parser(sub) -> None:
    p = sub.add_parser("stream", help="stream a WAV file or the microphone (--mic) to a server and print turns")
    p.add_argument("file", nargs="?", help="WAV file (any rate or channel count); omit with --mic")
    p.add_argument("--mic", action="store_true",
                   help="stream the default microphone until Ctrl+C (needs the optional 'sounddevice' package)")
    p.add_argument("--device", default=None, help="with --mic: input device name or index (default: the system's)")
    p.add_argument("--url", default=os.environ.get("HUSHSCRIBE_URL", "ws://127.0.0.1:8765/v3/ws"))
    p.add_argument("--key", default=os.environ.get("ASSEMBLYAI_API_KEY"), help="API key (default: $ASSEMBLYAI_API_KEY or the local dev key)")
    p.add_argument("--fast", action="store_true", help="send as fast as possible instead of in real time")
    p.add_argument("--chunk-ms", type=int, default=50)
    p.add_argument("--json", action="store_true", help="print every server message as JSON")
    for name, typ in QUERY_OPTIONS:
        p.add_argument("--" + name.replace("_", "-"), dest=name, type=typ, default=None)
    p.set_defaults(func=run_stream)


MIC_MISSING = ("hushscribe stream --mic: microphone capture needs the optional 'sounddevice' package, "
               "which is not installed.\n  Install it into this environment: pip install sounddevice "
               "(it uses PortAudio: apt-get install libportaudio2)\n  or stream a file instead: "
               "hushscribe stream FILE.wav")
MIC_NO_DEVICE = ("hushscribe stream --mic: no audio input device found ({detail}).\n  Plug in a microphone, "
                 "pick one with --device (list them: python -m sounddevice), or stream a file: hushscribe "
                 "stream FILE.wav")


class MicUnavailable(Exception):
    pass


class Microphone:
    """16 kHz mono PCM16 chunks from an input device (sounddevice/PortAudio), ``chunk_ms`` each."""

    def __init__(self, chunk_ms: int, device: str | None = None):
        try:
            import sounddevice as sd  # noqa: PLC0415  (optional dependency: PortAudio, only for --mic)
        except (ImportError, OSError):  # OSError: the module is there but PortAudio is not
            raise MicUnavailable(MIC_MISSING) from None
        dev = int(device) if device is not None and device.isdigit() else device
        try:
            sd.query_devices(dev, kind="input")  # raises when there is no (such) input device
            self.chunks: queue.Queue[bytes] = queue.Queue()
            self.stream = sd.RawInputStream(samplerate=16000, channels=1, dtype="int16", device=dev,
                                            blocksize=16000 * chunk_ms // 1000,
                                            callback=lambda data, frames, t, status: self.chunks.put(bytes(data)))
            self.stream.start()
        except Exception as exc:  # sd.PortAudioError, ValueError for an unknown device
            raise MicUnavailable(MIC_NO_DEVICE.format(detail=str(exc) or type(exc).__name__)) from None

    def __iter__(self) -> Iterator[bytes]:
        try:
            while True:
                yield self.chunks.get()
        finally:
            self.stream.stop()
            self.stream.close()


def run_stream(args: argparse.Namespace) -> int:
    if bool(args.file) == bool(args.mic):
        print("hushscribe stream: give either a WAV file or --mic", file=sys.stderr)
        return 2
    if args.mic:
        try:
            mic = Microphone(args.chunk_ms, args.device)
        except MicUnavailable as exc:
            print(exc, file=sys.stderr)
            return 3
        print("hushscribe stream: listening on the microphone; Ctrl+C to stop", file=sys.stderr)
        return _stream(args, iter(mic), paced=False)
    pcm, rate = read_wav_16k_mono(args.file)
    step = rate * 2 * args.chunk_ms // 1000
    return _stream(args, (pcm[i : i + step] for i in range(0, len(pcm), step)), paced=not args.fast)


def _stream(args: argparse.Namespace, chunks: Iterator[bytes], paced: bool) -> int:
    import websocket  # noqa: PLC0415  (optional: websocket-client is not in the runtime install)

    key = args.key
    if not key:
        key = dev_key(config_from(None).home)
    rate = 16000
    query = {"sample_rate": rate, "encoding": "pcm_s16le"}
    for name, _ in QUERY_OPTIONS:
        v = getattr(args, name)
        if v is not None:
            query[name] = v
    url = args.url + ("&" if "?" in args.url else "?") + urllib.parse.urlencode(query)
    ws = websocket.create_connection(url, header={"Authorization": key}, timeout=30)
    done = threading.Event()
    status = {"code": 0}

    def reader() -> None:
        partial_shown = False
        try:
            while True:
                raw = ws.recv()
                if not raw:
                    break
                msg = json.loads(raw)
                if args.json:
                    print(json.dumps(msg), flush=True)
                    continue
                t = msg.get("type")
                if t == "Begin":
                    print(f"[session {msg['id']}]", file=sys.stderr, flush=True)
                elif t == "Turn":
                    if msg["end_of_turn"]:
                        tag = "final+fmt" if msg["turn_is_formatted"] else "final"
                        print(("\r\033[K" if partial_shown else "") + f"[{msg['turn_order']} {tag}] {msg['transcript']}", flush=True)
                        partial_shown = False
                    elif sys.stdout.isatty():
                        text = " ".join(w["text"] for w in msg["words"])
                        print(f"\r\033[K[{msg['turn_order']} ...] {text}", end="", flush=True)
                        partial_shown = True
                elif t == "Termination":
                    print(f"[terminated: {msg['audio_duration_seconds']} s of audio]", file=sys.stderr, flush=True)
                elif t == "Error":
                    print(f"error {msg.get('error_code')}: {msg.get('error')}", file=sys.stderr, flush=True)
                    status["code"] = 1
        except Exception:
            pass
        finally:
            done.set()

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    t0 = time.monotonic()
    sent = 0
    try:
        try:
            for chunk in chunks:
                if done.is_set():
                    break
                ws.send_binary(chunk)
                sent += len(chunk)
                if paced:
                    delay = t0 + sent / (rate * 2) - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
        except KeyboardInterrupt:  # --mic: Ctrl+C ends the session cleanly (last turn flushed)
            print("", file=sys.stderr)
        if not done.is_set():
            ws.send(json.dumps({"type": "Terminate"}))
    except Exception as exc:
        print(f"send failed: {exc}", file=sys.stderr)
        status["code"] = 1
    done.wait(30)
    ws.close()
    return status["code"]
