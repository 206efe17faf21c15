"""The time grid shared by audio loading, audio features and the motion model.

Audio is 16 kHz mono and motion runs at 25 fps, so one video frame is exactly 640 samples:
frame t covers samples [640 t, 640 (t + 1)), i.e. the time [t / 25, (t + 1) / 25) s. A
partial last frame counts as a frame, so N samples make ceil(N / 640) frames.
"""
from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
FPS = 25.0
SAMPLES_PER_FRAME = 640  # SAMPLE_RATE / FPS, exact


def num_frames(num_samples: int) -> int:
    """Video frames covering `num_samples` samples at 16 kHz: ceil(num_samples / 640)."""
    return -(-num_samples // SAMPLES_PER_FRAME)


def resample(series: np.ndarray, fps: float, target_fps: float = FPS) -> np.ndarray:
    """A per-frame series at `fps` linearly resampled onto the `target_fps` grid."""
    if abs(fps - target_fps) < 1e-6:
        return series
    t = np.arange(len(series)) / fps
    n = int(np.floor(t[-1] * target_fps)) + 1
    return np.interp(np.arange(n) / target_fps, t, series)
