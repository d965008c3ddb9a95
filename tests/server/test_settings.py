"""Server settings: one table drives flags, HUSHSCRIBE_* variables and the docs table.

Precedence is flag > environment > default; bad values are a ValueError that names where the value
came from, so ``hushscribe serve`` can print a useful message.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import stat

import pytest

from hushscribe import settings as st
from hushscribe.settings import SETTINGS, ServerConfig, add_arguments, config_from, dev_key, settings_table_markdown


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_arguments(p)
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


def test_table_matches_server_config_fields_and_defaults():
    names = [f.name for f in dataclasses.fields(ServerConfig)]
    assert [s.name for s in SETTINGS] == names
    defaults = ServerConfig()
    for s in SETTINGS:
        assert getattr(defaults, s.name) == s.default, s.name


def test_env_and_flag_names():
    by_name = {s.name: s for s in SETTINGS}
    assert by_name["api_keys"].env == "HUSHSCRIBE_API_KEYS"
    assert by_name["max_session_seconds"].flag == "--max-session-seconds"
    for s in SETTINGS:
        assert s.env == "HUSHSCRIBE_" + s.name.upper()
        assert s.flag == "--" + s.name.replace("_", "-")


def test_defaults_validate():
    assert config_from(None, {}) == ServerConfig().validate()


# ---------------------------------------------------------------------------------------------
# Precedence
# ---------------------------------------------------------------------------------------------


def test_default_when_nothing_given():
    cfg = config_from(parse([]), {})
    assert cfg.port == 8765
    assert cfg.host == "127.0.0.1"
    assert cfg.api_keys == ()
    assert cfg.vad == "silero"


def test_env_over_default():
    cfg = config_from(parse([]), {"HUSHSCRIBE_PORT": "9001", "HUSHSCRIBE_VAD": "energy"})
    assert cfg.port == 9001
    assert cfg.vad == "energy"


def test_flag_over_env():
    cfg = config_from(parse(["--port", "9002", "--vad", "silero"]),
                      {"HUSHSCRIBE_PORT": "9001", "HUSHSCRIBE_VAD": "energy"})
    assert cfg.port == 9002
    assert cfg.vad == "silero"


def test_flag_over_env_per_setting():
    cfg = config_from(parse(["--port", "9002"]), {"HUSHSCRIBE_PORT": "9001", "HUSHSCRIBE_HOST": "0.0.0.0"})
    assert (cfg.port, cfg.host) == (9002, "0.0.0.0")


def test_no_args_namespace_reads_env():
    assert config_from(None, {"HUSHSCRIBE_CPU_THREADS": "4"}).cpu_threads == 4


def test_os_environ_is_the_default_environment(monkeypatch):
    monkeypatch.setenv("HUSHSCRIBE_DECODE_WORKERS", "3")
    assert config_from(None).decode_workers == 3


def test_namespace_missing_attributes_fall_back():
    # e.g. the dev-key subcommand only defines --home
    cfg = config_from(argparse.Namespace(home="/tmp/x"), {"HUSHSCRIBE_PORT": "1234"})
    assert cfg.home == "/tmp/x" and cfg.port == 1234


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, keys",
    [
        ("a", ("a",)),
        ("a,b", ("a", "b")),
        (" a , b ,, c ,", ("a", "b", "c")),
        ("", ()),
    ],
)
def test_api_keys_comma_list(raw, keys):
    assert config_from(None, {"HUSHSCRIBE_API_KEYS": raw}).api_keys == keys


def test_api_keys_flag():
    assert config_from(parse(["--api-keys", "k1,k2"]), {"HUSHSCRIBE_API_KEYS": "k3"}).api_keys == ("k1", "k2")


@pytest.mark.parametrize("raw, value", [("true", True), ("1", True), ("YES", True), ("on", True),
                                        ("false", False), ("0", False), ("No", False), ("off", False)])
def test_booleans(raw, value):
    assert config_from(None, {"HUSHSCRIBE_STRIP_BEARER": raw}).strip_bearer is value
    assert config_from(None, {"HUSHSCRIBE_STRICT_MIN_CHUNK": raw}).strict_min_chunk is value


def test_invalid_int_from_env_names_env_var():
    with pytest.raises(ValueError, match="HUSHSCRIBE_PORT"):
        config_from(None, {"HUSHSCRIBE_PORT": "eighty"})


def test_invalid_int_from_flag_names_flag():
    with pytest.raises(ValueError, match="--port"):
        config_from(parse(["--port", "eighty"]), {})


def test_invalid_bool_names_env_var():
    with pytest.raises(ValueError, match="HUSHSCRIBE_STRIP_BEARER"):
        config_from(None, {"HUSHSCRIBE_STRIP_BEARER": "maybe"})


@pytest.mark.parametrize(
    "env, value",
    [
        ("HUSHSCRIBE_VAD", "webrtc"),
        ("HUSHSCRIBE_AUTH_MODE", "none"),
        ("HUSHSCRIBE_LOG_LEVEL", "loud"),
        ("HUSHSCRIBE_DEFAULT_SPEECH_MODEL", "bogus"),
    ],
)
def test_invalid_choice_from_env(env, value):
    flag = "--" + env[len("HUSHSCRIBE_"):].lower().replace("_", "-")
    with pytest.raises(ValueError) as info:
        config_from(None, {env: value})
    msg = str(info.value)
    assert flag in msg or env in msg, msg
    assert repr(value) in msg


def test_invalid_choice_flag_rejected_by_argparse(capsys):
    with pytest.raises(SystemExit):
        parse(["--vad", "webrtc"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    "env, value, needle",
    [
        ("HUSHSCRIBE_CPU_THREADS", "0", "--cpu-threads"),
        ("HUSHSCRIBE_DECODE_WORKERS", "-1", "--decode-workers"),
        ("HUSHSCRIBE_MAX_SESSION_SECONDS", "0", "--max-session-seconds"),
        ("HUSHSCRIBE_PORT", "70000", "--port"),
        ("HUSHSCRIBE_MAX_TURN_MS", "30000", "--max-turn-ms"),
        ("HUSHSCRIBE_MAX_TURN_MS", "500", "--max-turn-ms"),
    ],
)
def test_out_of_range_values(env, value, needle):
    with pytest.raises(ValueError, match=needle):
        config_from(None, {env: value})


def test_port_zero_allowed():
    assert config_from(None, {"HUSHSCRIBE_PORT": "0"}).port == 0


def test_unrelated_env_ignored():
    assert config_from(None, {"PORT": "1", "HUSHSCRIBE_PORTX": "2"}).port == 8765


# ---------------------------------------------------------------------------------------------
# dev_key
# ---------------------------------------------------------------------------------------------


def test_dev_key_created_once_0600(tmp_path):
    home = tmp_path / "hs"
    key = dev_key(str(home))
    path = home / "dev-api-key"
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert key.startswith("hs_dev_") and len(key) > 20
    assert path.read_text().strip() == key
    mtime = path.stat().st_mtime_ns
    assert dev_key(str(home)) == key
    assert path.stat().st_mtime_ns == mtime  # not rewritten


def test_dev_key_differs_between_homes(tmp_path):
    assert dev_key(str(tmp_path / "a")) != dev_key(str(tmp_path / "b"))


def test_dev_key_regenerated_when_file_empty(tmp_path):
    (tmp_path / "dev-api-key").write_text("\n")
    key = dev_key(str(tmp_path))
    assert key.startswith("hs_dev_")
    assert dev_key(str(tmp_path)) == key


def test_dev_key_keeps_an_existing_key(tmp_path):
    (tmp_path / "dev-api-key").write_text("my-own-key\n")
    assert dev_key(str(tmp_path)) == "my-own-key"


# ---------------------------------------------------------------------------------------------
# Docs table
# ---------------------------------------------------------------------------------------------


def test_settings_table_lists_every_setting():
    table = settings_table_markdown()
    lines = table.splitlines()
    assert lines[0].startswith("| flag | environment variable |")
    assert len(lines) == 2 + len(SETTINGS)
    for s in SETTINGS:
        assert f"`{s.env}`" in table, s.env
        assert f"`{s.flag}`" in table, s.flag
    assert "~/.config/hushscribe" in table  # no user-specific home path in the docs
    assert str(os.path.expanduser("~")) + "/.config" not in table


def test_settings_module_has_one_row_per_setting():
    rows = [line for line in settings_table_markdown().splitlines()[2:]]
    assert [r.split("`")[1] for r in rows] == [s.flag for s in st.SETTINGS]


def test_decode_workers_zero_means_one_per_core(monkeypatch):
    assert config_from(None, {}).decode_workers == 0
    assert config_from(None, {}).workers == len(os.sched_getaffinity(0))
    assert config_from(None, {"HUSHSCRIBE_DECODE_WORKERS": "3"}).workers == 3
    with pytest.raises(ValueError, match="decode-workers"):
        config_from(None, {"HUSHSCRIBE_DECODE_WORKERS": "-1"})


def test_left_context_and_number_hold_reach_the_sessions():
    cfg = config_from(None, {"HUSHSCRIBE_LEFT_CONTEXT_MS": "0", "HUSHSCRIBE_NUMBER_HOLD_MS": "500"})
    s = cfg.session_settings()
    assert (s.left_context_ms, s.number_hold_ms) == (0, 500)
    assert config_from(None, {}).session_settings().left_context_ms == 3000
    with pytest.raises(ValueError, match="number-hold-ms"):
        config_from(None, {"HUSHSCRIBE_NUMBER_HOLD_MS": "-1"})
