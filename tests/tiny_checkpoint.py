"""Test doubles for the pipeline: a tiny random motion generator and synthetic speech.

The tiny model is untrained, so its motion is noise around its normalisation statistics;
those are set by hand to a plausible talking-head range, and its zero-initialised (DiT)
output layers are perturbed so that different seeds and audio give different motion.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vasa_core.audio import FEATURE_DIM, SAMPLE_RATE
from vasa_core.latent import EXPRESSION_SLICE, GAZE_SLICE, MOTION_DIM, MOTION_INDEX
from vasa_core.motion import MotionDiT, MotionDiTConfig, save_pretrained

TINY = dict(audio_dim=FEATURE_DIM, window=20, context=5, min_window=5, width=32, layers=1,
            heads=2, dropout=0.0)


def motion_statistics() -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) (D,) of a made-up training set: degrees, frame units, [0, 1]."""
    mean, std = np.zeros(MOTION_DIM), np.full(MOTION_DIM, 0.05)
    std[:3] = 3.0  # yaw, pitch, roll
    std[3:6] = 0.02  # x, y, log_scale
    mean[MOTION_INDEX["log_scale"]] = -1.2
    mean[EXPRESSION_SLICE] = 0.1
    std[GAZE_SLICE] = 2.0
    return mean, std


def tiny_model(model_class: type[MotionDiT] = MotionDiT, seed: int = 0) -> MotionDiT:
    """A small randomly initialised `model_class` with set normalisation, in eval mode."""
    torch.manual_seed(seed)
    model = model_class(MotionDiTConfig(**TINY))
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.05)
    mean, std = motion_statistics()
    samples = np.random.default_rng(seed).standard_normal((4000, MOTION_DIM)) * std + mean
    model.set_normalisation(torch.tensor(samples, dtype=torch.float32))
    return model.eval()


def save_tiny_checkpoint(directory: Path) -> Path:
    """config.json + model.safetensors of `tiny_model()` in `directory`."""
    return save_pretrained(tiny_model(), directory)


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    """(N,) float32 at 16 kHz: voiced bursts (harmonics of a gliding pitch) and pauses."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    pitch = 140.0 + 30.0 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 6))
    bursts = (np.sin(2 * np.pi * 3.0 * t) > -0.3).astype(float)  # ~4 syllables a second
    wave = 0.2 * voiced * bursts + 0.01 * rng.standard_normal(len(t))
    return wave.astype(np.float32)


def write_wav(path: Path, wave: np.ndarray) -> Path:
    """A 16-bit mono wav of a (N,) float wave at 16 kHz."""
    import wave as wavfile

    with wavfile.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(wave, -1, 1) * 32767).astype("<i2").tobytes())
    return path
