"""The ``hushscribe`` command line, run as a subprocess (``serve`` is covered by the fixtures)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from hushscribe.cli.stream import read_wav_16k_mono
from hushscribe.settings import SETTINGS

from .conftest import API_KEY, speech_samples

_SCRIPT = Path(sys.executable).parent / "hushscribe"
HUSHSCRIBE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "hushscribe.cli.main"]


def run(*args: str, timeout: float = 30, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUSHSCRIBE_") and k != "ASSEMBLYAI_API_KEY"}
    clean.update(env or {})
    return subprocess.run([*HUSHSCRIBE, *args], capture_output=True, text=True, timeout=timeout, env=clean)


def write_wav(path: Path, x: np.ndarray, rate: int, channels: int = 1) -> None:
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2")
    if channels > 1:
        pcm = np.repeat(pcm[:, None], channels, axis=1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def speech_wav(path: Path, rate: int = 8000, channels: int = 2) -> Path:
    x = np.concatenate([np.zeros(rate // 4, np.float32), speech_samples(1000, rate), np.zeros(rate, np.float32)])
    write_wav(path, x, rate, channels)
    return path


def test_help():
    r = run("--help")
    assert r.returncode == 0, r.stderr
    for cmd in ("serve", "stream", "dev-key", "settings"):
        assert cmd in r.stdout


def test_no_command_is_an_error():
    r = run()
    assert r.returncode == 2
    assert "usage: hushscribe" in r.stderr


def test_serve_help_lists_every_flag_and_env_var():
    r = run("serve", "--help")
    assert r.returncode == 0, r.stderr
    out = " ".join(r.stdout.split())  # argparse wraps lines
    for s in SETTINGS:
        assert s.flag in out, s.flag
        assert s.env in out, s.env


def test_serve_rejects_a_bad_env_value():
    r = run("serve", env={"HUSHSCRIBE_PORT": "eighty"}, timeout=30)
    assert r.returncode == 2
    assert "HUSHSCRIBE_PORT" in r.stderr


def test_settings_command():
    r = run("settings")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("| flag | environment variable |")
    for s in SETTINGS:
        assert f"`{s.env}`" in r.stdout


def test_dev_key(tmp_path):
    home = tmp_path / "home"
    r1 = run("dev-key", "--home", str(home))
    assert r1.returncode == 0, r1.stderr
    key = r1.stdout.strip()
    assert key.startswith("hs_dev_")
    path = home / "dev-api-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    r2 = run("dev-key", "--home", str(home))
    assert r2.returncode == 0 and r2.stdout.strip() == key


def test_dev_key_home_from_env(tmp_path):
    r = run("dev-key", env={"HUSHSCRIBE_HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "dev-api-key").read_text().strip() == r.stdout.strip()


def test_stream_8khz_stereo_wav(live_server, tmp_path):
    wav = speech_wav(tmp_path / "speech.wav", rate=8000, channels=2)
    r = run("stream", str(wav), "--url", live_server.ws_url, "--key", API_KEY, "--fast")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines == ["[0 final] hello world"], r.stdout
    assert "[session " in r.stderr
    assert "[terminated: 2 s of audio]" in r.stderr  # 2.25 s at 8 kHz, resampled, rounded


def test_stream_format_turns_and_json(live_server, tmp_path):
    wav = speech_wav(tmp_path / "speech.wav", rate=16000, channels=1)
    r = run("stream", str(wav), "--url", live_server.ws_url, "--key", API_KEY, "--fast", "--format-turns", "true")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["[0 final] hello world", "[0 final+fmt] Hello world."]

    r = run("stream", str(wav), "--url", live_server.ws_url, "--key", API_KEY, "--fast", "--json")
    assert r.returncode == 0, r.stderr
    types = [json.loads(line)["type"] for line in r.stdout.splitlines()]
    assert types[0] == "Begin" and types[-1] == "Termination" and "Turn" in types


def test_stream_key_from_env(live_server, tmp_path):
    wav = speech_wav(tmp_path / "speech.wav")
    r = run("stream", str(wav), "--url", live_server.ws_url, "--fast", env={"ASSEMBLYAI_API_KEY": API_KEY})
    assert r.returncode == 0, r.stderr
    assert "[0 final] hello world" in r.stdout


def test_stream_bad_key_exits_1(live_server, tmp_path):
    wav = speech_wav(tmp_path / "speech.wav")
    r = run("stream", str(wav), "--url", live_server.ws_url, "--key", "wrong", "--fast")
    assert r.returncode == 1
    assert "error 1008: Unauthorized Connection: Invalid API key" in r.stderr


def test_stream_real_time_pacing(live_server, tmp_path):
    # Without --fast the file is sent at real-time pace: 0.75 s of audio takes ~0.75 s.
    x = np.concatenate([speech_samples(500, 16000), np.zeros(4000, np.float32)])
    wav = tmp_path / "short.wav"
    write_wav(wav, x, 16000)
    t0 = time.monotonic()
    r = run("stream", str(wav), "--url", live_server.ws_url, "--key", API_KEY)
    elapsed = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert "[0 final] hello world" in r.stdout
    assert elapsed >= 0.7


@pytest.mark.parametrize("width", [1, 3, 4])
def test_read_wav_other_sample_widths(tmp_path, width):
    x = speech_samples(200, 16000)
    if width == 1:
        raw = np.clip(x * 128 + 128, 0, 255).astype(np.uint8).tobytes()
    elif width == 3:
        i = (x * 8388607).astype("<i4")
        raw = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in i)
    else:
        raw = (x * 2147483647).astype("<i4").tobytes()
    path = tmp_path / f"w{width}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(16000)
        w.writeframes(raw)
    pcm, rate = read_wav_16k_mono(str(path))
    assert rate == 16000
    y = np.frombuffer(pcm, "<i2").astype(np.float32) / 32767
    assert len(y) == len(x)
    assert np.max(np.abs(y - x)) < 0.02


def test_read_wav_resamples_and_downmixes(tmp_path):
    path = speech_wav(tmp_path / "s.wav", rate=8000, channels=2)
    pcm, rate = read_wav_16k_mono(str(path))
    assert rate == 16000
    assert len(pcm) // 2 == pytest.approx(2.25 * 16000, abs=32)
