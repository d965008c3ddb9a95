"""A deterministic energy VAD for tests of the session and server without a model."""

from __future__ import annotations

import numpy as np


class EnergyVadStream:
    frame_samples = 512

    def __init__(self, threshold_dbfs: float = -45.0) -> None:
        self.threshold_dbfs = threshold_dbfs

    def process(self, frames: np.ndarray) -> np.ndarray:
        frames = np.asarray(frames, dtype=np.float32).reshape(-1, self.frame_samples)
        rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
        dbfs = 20 * np.log10(rms)
        return (dbfs > self.threshold_dbfs).astype(np.float32) * 0.98 + 0.01


class EnergyVoiceDetector:
    def __init__(self, threshold_dbfs: float = -45.0) -> None:
        self.threshold_dbfs = threshold_dbfs

    def new_stream(self) -> EnergyVadStream:
        return EnergyVadStream(self.threshold_dbfs)
