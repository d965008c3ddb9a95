"""``hushscribe stream --mic``: a clear message and a non-zero exit when microphone capture cannot work
(the optional ``sounddevice`` package missing, or no input device)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.conftest import API_KEY

_SCRIPT = Path(sys.executable).parent / "hushscribe"
HUSHSCRIBE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "hushscribe.cli.main"]

# A stand-in 'sounddevice' whose PortAudio finds no input device (as on a headless server).
FAKE_NO_DEVICE = '''
class PortAudioError(Exception):
    pass

def query_devices(device=None, kind=None):
    raise PortAudioError("Error querying device -1")
'''


def run(*args: str, pythonpath: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUSHSCRIBE_")}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run([*HUSHSCRIBE, "stream", *args], capture_output=True, text=True, timeout=60, env=env)


def test_mic_without_sounddevice_says_what_to_install(tmp_path):
    # Shadow any installed sounddevice with a module that fails to import.
    (tmp_path / "sounddevice.py").write_text("raise ImportError('No module named sounddevice')\n")
    r = run("--mic", pythonpath=str(tmp_path))
    assert r.returncode != 0
    assert "needs the optional 'sounddevice' package" in r.stderr and "pip install sounddevice" in r.stderr
    assert "Traceback" not in r.stderr


def test_mic_without_an_input_device_says_so(tmp_path):
    (tmp_path / "sounddevice.py").write_text(FAKE_NO_DEVICE)
    r = run("--mic", pythonpath=str(tmp_path))
    assert r.returncode != 0
    assert "no audio input device found" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [(), ("x.wav", "--mic")])
def test_file_or_mic_exactly_one(args):
    r = run(*args)
    assert r.returncode == 2 and "either a WAV file or --mic" in r.stderr


# A stand-in 'sounddevice' with one input device that "hears" 1 s of speech-like tone and 1.5 s of
# silence in 100 ms blocks, then the user presses Ctrl+C (SIGINT).
FAKE_MIC = '''
import os, signal, threading, time
import numpy as np

class PortAudioError(Exception):
    pass

def query_devices(device=None, kind=None):
    return {"name": "fake mic", "max_input_channels": 1}

class RawInputStream:
    def __init__(self, samplerate, channels, dtype, device, blocksize, callback):
        assert (samplerate, channels, dtype) == (16000, 1, "int16")
        self.blocksize, self.callback = blocksize, callback

    def start(self):
        def feed():
            t = np.arange(16000) / 16000
            tone = (0.45 * np.sin(2 * np.pi * 300 * t) * 32767).astype("<i2").tobytes()
            audio = tone + bytes(2 * 24000)
            step = 2 * self.blocksize
            for i in range(0, len(audio), step):
                self.callback(audio[i:i + step], self.blocksize, None, None)
            time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=feed, daemon=True).start()

    def stop(self):
        pass

    def close(self):
        pass
'''


def test_mic_streams_to_the_server_and_ctrl_c_ends_the_session(tmp_path, live_server):
    (tmp_path / "sounddevice.py").write_text(FAKE_MIC)
    r = run("--mic", "--url", live_server.ws_url, "--key", API_KEY, "--chunk-ms", "100", pythonpath=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "listening on the microphone" in r.stderr and "[terminated:" in r.stderr
    assert "[0 final] hello world" in r.stdout  # the scripted engine's final, unformatted
