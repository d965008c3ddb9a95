"""The evaluation audio: real clips with references, PII turns, and calls with labelled turn boundaries.

Two sets have the same layout (``real.jsonl``, ``pii.jsonl``, ``refs.tsv``, ``real/``, ``pii/``, ``calls/``):
the full development set in ``audio/`` of the shared folder (``$HUSHSCRIBE_SHARED_DIR``, else ``../shared``
next to the checkout), used when present, and the small licence-clean subset shipped in the repository
(``evalset/audio``, see its README), so that a clone with nothing beside it still tests itself. Results say
which set they ran on (:func:`audio_set`)."""

from __future__ import annotations

import json
import os
import wave
from dataclasses import dataclass
from pathlib import Path


def _checkout() -> Path | None:
    """The repository checkout this module runs from (an editable install), or None (an installed wheel)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").exists():
            return parent
    return None


def shared_dir() -> Path:
    """Where the full evaluation data would be: ``$HUSHSCRIBE_SHARED_DIR``, else ``../shared`` next to the
    checkout (next to the working directory outside a checkout). It may not exist."""
    env = os.environ.get("HUSHSCRIBE_SHARED_DIR")
    if env:
        return Path(env)
    root = _checkout()
    return (root.parent if root is not None else Path.cwd().parent) / "shared"


def subset_audio_dir() -> Path:
    """The licence-clean subset shipped in the repository (``evalset/audio``)."""
    root = _checkout()
    return (root if root is not None else Path.cwd()) / "evalset" / "audio"


def default_audio_dir() -> Path:
    """``$HUSHSCRIBE_AUDIO_DIR``; else the full set (``audio/`` of :func:`shared_dir`) when it is there;
    else the repository's subset."""
    env = os.environ.get("HUSHSCRIBE_AUDIO_DIR")
    if env:
        return Path(env)
    full = shared_dir() / "audio"
    return full if (full / "real.jsonl").is_file() else subset_audio_dir()


def audio_set(audio_dir: Path) -> str:
    """Which set ``audio_dir`` is, for results: ``full``, ``subset`` or ``custom`` (anything else)."""
    where = Path(audio_dir).resolve()
    if where == (shared_dir() / "audio").resolve():
        return "full"
    if where == subset_audio_dir().resolve():
        return "subset"
    return "custom"


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
