"""Small helpers shared by the teacher's generators: noise, pulse shapes, smoothing, names."""
from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt


def smooth_noise(rng: np.random.Generator, frames: int, fps: float, cutoff_hz: float,
                 channels: int = 1) -> np.ndarray:
    """(frames, channels) band-limited Gaussian noise, unit standard deviation per channel.

    White noise through a 2nd-order Butterworth low-pass; a warm-up of a few time constants
    is generated and dropped so the start is already stationary.
    """
    warmup = int(np.ceil(3 * fps / cutoff_hz))
    sos = butter(2, cutoff_hz, fs=fps, output="sos")
    noise = sosfilt(sos, rng.standard_normal((warmup + frames, channels)), axis=0)[warmup:]
    # Normalise by the filter's theoretical gain (not the sample std) so a short clip does
    # not get inflated motion: sum of the squared impulse response = variance gain.
    impulse = np.zeros(warmup * 4)
    impulse[0] = 1.0
    return noise / np.sqrt(np.sum(sosfilt(sos, impulse) ** 2))


def bump(t: np.ndarray, peak: float) -> np.ndarray:
    """Gamma-like pulse x/peak * exp(1 - x/peak) for t > 0: 0 before, 1 at `peak` seconds."""
    x = np.maximum(t, 0.0) / peak
    return x * np.exp(1.0 - x)


def smoothstep(x: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, C1-smooth in between."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def envelope(t: np.ndarray, start: float, end: float, rise: float, fall: float) -> np.ndarray:
    """1 on [start, end], smooth ramps of `rise` s before and `fall` s after, 0 elsewhere."""
    return smoothstep((t - start + rise) / rise) * smoothstep((end + fall - t) / fall)


def moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average along axis 0 over `width` samples, edges padded by repetition."""
    width = max(1, int(width))
    pad = [(width // 2, width - 1 - width // 2)] + [(0, 0)] * (np.ndim(x) - 1)
    padded = np.pad(np.asarray(x, np.float64), pad, mode="edge")
    csum = np.cumsum(np.concatenate([np.zeros((1,) + padded.shape[1:]), padded]), axis=0)
    return (csum[width:] - csum[:-width]) / width


def named_vector(values: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
    """(len(names),) float32 from {name: value}; "browDown" stands for both Left and Right."""
    out = np.zeros(len(names), np.float32)
    index = {n: i for i, n in enumerate(names)}
    for key, value in values.items():
        sides = [key + s for s in ("Left", "Right") if key + s in index]
        for name in sides or [key]:
            out[index[name]] = value
    return out
