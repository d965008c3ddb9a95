"""The evaluation audio (``shared/audio``): real clips with references, PII turns, and calls with
labelled turn boundaries."""

from __future__ import annotations

import json
import os
import wave
from dataclasses import dataclass
from pathlib import Path


def default_audio_dir() -> Path:
    """``$HUSHSCRIBE_AUDIO_DIR``, else ``../shared/audio`` next to the repository checkout."""
    env = os.environ.get("HUSHSCRIBE_AUDIO_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "audio"
        if (parent / "pyproject.toml").exists() and candidate.is_dir():
            return candidate
    return Path.cwd().parent / "shared" / "audio"


@dataclass(frozen=True)
class Clip:
    id: str
    path: Path
    text: str


@dataclass(frozen=True)
class CallTurn:
    index: int
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Call:
    id: str
    path: Path
    duration_ms: int
    turns: tuple[CallTurn, ...]
    gaps_ms: tuple[int, ...]


def load_clips(audio_dir: Path, manifest: str = "real.jsonl") -> list[Clip]:
    out = []
    with open(audio_dir / manifest) as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                out.append(Clip(d["id"], audio_dir / d["path"], d["text"]))
    return out


def load_calls(audio_dir: Path) -> list[Call]:
    calls = []
    for meta in sorted((audio_dir / "calls").glob("*.json")):
        d = json.loads(meta.read_text())
        turns = tuple(CallTurn(t["turn_index"], t["start_ms"], t["end_ms"], t["text"]) for t in d["turns"])
        calls.append(Call(d["id"], audio_dir / d["audio"], d["duration_ms"], turns, tuple(d.get("gaps_ms", ()))))
    return calls


def read_pcm16(path: Path) -> tuple[bytes, int]:
    """PCM16 mono bytes and rate of a WAV (the corpus is 16 kHz mono)."""
    with wave.open(str(path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit mono")
        return w.readframes(w.getnframes()), w.getframerate()
