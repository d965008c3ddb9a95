"""Labelled call recordings for the bench tests, made from the one call both audio sets hold.

Why: the tests need two or three distinct calls; the repository's subset (evalset/) ships one call,
``call_dev_01``, and the full set more. A copy under another name (labels rewritten, audio linked) is
a distinct call to the benchmark, whichever set is in use.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hushscribe.bench.corpus import default_audio_dir

SOURCE = "call_dev_01"


def source_dir() -> Path:
    return default_audio_dir() / "calls"


def copy_call(dst: Path, name: str, *, audio: bool = True) -> Path:
    """``dst/name.json`` (and, with ``audio``, ``dst/name.wav`` linked to the source recording)."""
    meta = json.loads((source_dir() / f"{SOURCE}.json").read_text())
    meta.update(id=name, audio=f"{name}.wav")
    (dst / f"{name}.json").write_text(json.dumps(meta))
    if audio:
        os.symlink(source_dir() / f"{SOURCE}.wav", dst / f"{name}.wav")
    return dst / f"{name}.json"
