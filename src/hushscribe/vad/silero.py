"""Silero VAD (the ONNX model bundled in faster-whisper), streamed frame by frame.

Why not faster-whisper's own ``get_speech_timestamps``: it wants the whole recording. The ONNX
model is an LSTM over 512-sample frames with a 64-sample context; carrying ``h``, ``c`` and the
context across calls gives exactly the probabilities of the batch call, chunk by chunk. One
InferenceSession is shared by all sessions (ONNX Runtime sessions are thread-safe); each session
owns only its 1 KB of state.
"""

from __future__ import annotations

import os

import numpy as np

FRAME_SAMPLES = 512
CONTEXT_SAMPLES = 64


class SileroVadStream:
    frame_samples = FRAME_SAMPLES

    def __init__(self, session) -> None:
        self._session = session
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)

    def process(self, frames: np.ndarray) -> np.ndarray:
        if len(frames) == 0:
            return np.zeros(0, dtype=np.float32)
        frames = np.asarray(frames, dtype=np.float32).reshape(-1, FRAME_SAMPLES)
        previous = np.concatenate([self._context[None, :], frames[:-1, -CONTEXT_SAMPLES:]], axis=0)
        batch = np.concatenate([previous, frames], axis=1)
        probs, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = frames[-1, -CONTEXT_SAMPLES:].copy()
        return np.asarray(probs, dtype=np.float32).reshape(-1)


class SileroVoiceDetector:
    def __init__(self, model_path: str | None = None) -> None:
        import onnxruntime  # noqa: PLC0415  (heavy: ONNX Runtime's native library, only for the Silero VAD)
        from faster_whisper.vad import get_assets_path  # noqa: PLC0415  (heavy: faster-whisper imports CTranslate2, ~1 s)

        path = model_path or os.path.join(get_assets_path(), "silero_vad_v6.onnx")
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"], sess_options=opts)

    def new_stream(self) -> SileroVadStream:
        return SileroVadStream(self._session)
