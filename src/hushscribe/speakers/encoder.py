"""Speaker embeddings of final turns: Resemblyzer's pretrained voice encoder, run with numpy.

Why this model: it is a real speaker encoder (GE2E-trained 3-layer LSTM, 256-d embeddings, Apache-2.0)
whose weights ship inside a registry wheel (``resemblyzer``, 15.7 MB), so nothing is downloaded at run
time. Only its weights file is used: the package's own code imports PyTorch, librosa and webrtcvad,
none of which the server needs, so ``scripts/install-speakers`` installs it without dependencies and
this module reproduces its front end (librosa's Slaney mel filterbank, 25 ms Hann windows every 10 ms,
40 bands, power spectrogram, volume raised to -30 dBFS) and the LSTM in numpy.

Cost: one 1.6 s window (Resemblyzer's partial-utterance length) from the middle of the turn's words,
i.e. 160 LSTM steps over 3 layers -- about 10-15 ms of one core per final. Averaging more windows
per turn was measured no more accurate on the dev calls (``docs/protocol.md``), at 2-3x the cost.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..core.ports import DecodeRequest, DecodeResult
from .torch_weights import load_legacy_checkpoint

RATE_HZ = 16_000
WINDOW_FRAMES = 160  # 1.6 s of 10 ms frames: the encoder's training length
MIN_SPEECH_S = 1.0  # shorter turns are labelled "UNKNOWN", as AssemblyAI does for turns under about 1 s
N_FFT, HOP, N_MELS, HIDDEN = 400, 160, 40, 256
MISSING = ("speaker labelling is not installed on this server; install it with `scripts/install-speakers` "
           "(the Resemblyzer voice-encoder weights) and restart the server")

Floats = npt.NDArray[np.float32]


def weights_path() -> Path | None:
    """Where the installed ``resemblyzer`` package keeps ``pretrained.pt`` (the package is not imported:
    its ``__init__`` imports PyTorch)."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    return path if path.is_file() else None


def _slaney_mel_filterbank(rate: int = RATE_HZ, n_fft: int = N_FFT, n_mels: int = N_MELS) -> Floats:
    """librosa.filters.mel(sr, n_fft, n_mels) with its defaults (Slaney scale and area normalisation)."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0

    def hz_to_mel(f: float) -> float:
        return min_log_mel + float(np.log(f / min_log_hz)) / logstep if f >= min_log_hz else f / f_sp

    mels = np.linspace(hz_to_mel(0.0), hz_to_mel(rate / 2), n_mels + 2)
    hz = np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), f_sp * mels)
    fft_hz = np.linspace(0, rate / 2, 1 + n_fft // 2)
    ramps = hz[:, None] - fft_hz[None, :]
    widths = np.diff(hz)
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper)) * (2.0 / (hz[2:] - hz[:-2]))[:, None]
    return weights.astype(np.float32)


class VoiceEncoder:
    """Turn audio (16 kHz float32) -> unit-length 256-d speaker embedding. Thread-safe (read-only state)."""

    name = "resemblyzer-0.1.4 voice encoder (numpy)"

    def __init__(self, path: Path):
        state = load_legacy_checkpoint(path)["model_state"]
        self._filterbank_t = np.ascontiguousarray(_slaney_mel_filterbank().T)
        self._window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
        # sigmoid(x) = (1 + tanh(x/2)) / 2: halving the input, forget and output gate rows lets one tanh
        # call compute all four gates of a step.
        half = np.ones(4 * HIDDEN, dtype=np.float32)
        half[: 2 * HIDDEN] = 0.5
        half[3 * HIDDEN :] = 0.5
        self._layers = []
        for i in range(3):
            w_ih = state[f"lstm.weight_ih_l{i}"].astype(np.float32) * half[:, None]
            w_hh = state[f"lstm.weight_hh_l{i}"].astype(np.float32) * half[:, None]
            bias = (state[f"lstm.bias_ih_l{i}"] + state[f"lstm.bias_hh_l{i}"]).astype(np.float32) * half
            self._layers.append((np.ascontiguousarray(w_ih.T), np.ascontiguousarray(w_hh.T), bias))
        self._linear_t = np.ascontiguousarray(state["linear.weight"].astype(np.float32).T)
        self._linear_b = state["linear.bias"].astype(np.float32)

    def mel(self, samples: Floats) -> Floats:
        """Power mel spectrogram, frames x 40 (librosa.feature.melspectrogram, centred, zero-padded)."""
        padded = np.pad(samples.astype(np.float32), (N_FFT // 2, N_FFT // 2))
        n = 1 + (len(padded) - N_FFT) // HOP
        idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
        power = np.abs(np.fft.rfft(padded[idx] * self._window, axis=1)) ** 2
        return (power.astype(np.float32) @ self._filterbank_t).astype(np.float32)

    def _lstm_last(self, frames: Floats) -> Floats:
        """The last layer's final hidden state. 2-D arrays and 1-D steps throughout: a (1, T, n) batched
        matmul is several times slower than the (T, n) one in OpenBLAS."""
        seq = frames
        h = np.zeros(HIDDEN, dtype=np.float32)
        for w_ih_t, w_hh_t, bias in self._layers:
            projected = seq @ w_ih_t + bias
            h = np.zeros(HIDDEN, dtype=np.float32)
            c = np.zeros(HIDDEN, dtype=np.float32)
            out = np.empty((len(seq), HIDDEN), dtype=np.float32)
            gates = np.empty(4 * HIDDEN, dtype=np.float32)
            for t in range(len(seq)):
                np.matmul(h, w_hh_t, out=gates)
                gates += projected[t]
                np.tanh(gates, out=gates)  # i, f, o: 2*sigmoid-1 (rows halved); g: tanh
                c *= 1 + gates[HIDDEN : 2 * HIDDEN]
                c += (1 + gates[:HIDDEN]) * gates[2 * HIDDEN : 3 * HIDDEN]
                c *= 0.5
                h = np.tanh(c) * (1 + gates[3 * HIDDEN :]) * 0.5
                out[t] = h
            seq = out
        return h

    def embed(self, samples: Floats) -> Floats | None:
        """The embedding of ``samples`` (speech of one speaker), or None when under MIN_SPEECH_S."""
        if len(samples) < MIN_SPEECH_S * RATE_HZ:
            return None
        need = WINDOW_FRAMES * HOP
        start = max(0, (len(samples) - need) // 2)
        window = samples[start : start + need].astype(np.float32)
        rms = float(np.sqrt(np.mean(window**2))) + 1e-9
        gain_db = -30.0 - 20 * np.log10(rms)
        if gain_db > 0:  # Resemblyzer raises quiet audio to -30 dBFS and never lowers loud audio
            window = window * np.float32(10 ** (gain_db / 20))
        if len(window) < need:
            window = np.pad(window, (0, need - len(window)))
        frames = self.mel(window)[:WINDOW_FRAMES]
        raw = np.maximum(0.0, self._lstm_last(frames) @ self._linear_t + self._linear_b)
        norm = float(np.linalg.norm(raw))
        return (raw / norm).astype(np.float32) if norm > 0 else None


def speech_span(req: DecodeRequest, result: DecodeResult) -> Floats:
    """The request's audio from the first word's start to the last word's end (times relative to it)."""
    if not result.words:
        return np.zeros(0, dtype=np.float32)
    a = max(0, result.words[0].start_ms * RATE_HZ // 1000)
    b = min(len(req.audio), result.words[-1].end_ms * RATE_HZ // 1000)
    return np.asarray(req.audio[a:b], dtype=np.float32)


def speaker_postprocess(encoder: VoiceEncoder) -> Callable[[DecodeRequest, DecodeResult], DecodeResult]:
    """Worker-thread step: the speaker embedding of decodes that may become a final of a session with
    ``speaker_labels`` (``DecodeRequest.embed_speaker``)."""

    def postprocess(req: DecodeRequest, result: DecodeResult) -> DecodeResult:
        if req.kind != "final" or not req.embed_speaker or not result.words:
            return result
        return replace(result, speaker_embedding=encoder.embed(speech_span(req, result)))

    return postprocess


def load_encoder() -> VoiceEncoder | None:
    """The installed voice encoder, or None when the ``speakers`` extra is not installed."""
    path = weights_path()
    return VoiceEncoder(path) if path is not None else None
