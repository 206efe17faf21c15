"""Fundamental frequency and periodicity of short blocks, by YIN.

YIN (de Cheveigné & Kawahara 2002) compares a block with itself shifted by each lag tau:
d(tau) = sum_j (x_j - x_{j+tau})^2, normalised by its running mean over smaller lags
(d'(tau) = d(tau) tau / sum_{k<=tau} d(k)) so that the value means "fraction of aperiodic
power". The period is the first dip of d' under 0.15 (the first, not the deepest, dip avoids
octave errors), or the global minimum when there is none; a parabola through the
neighbours refines it below one sample. d' at the chosen lag also gives a periodicity
1 - d' in [0, 1] that is near 1 for vowels and voiced consonants and low for noise,
fricatives and silence, whatever the level (d' is a ratio, so gain does not change it).

Cost: two FFTs per block (the cross term of d by correlation), vectorised over blocks.
Every block is processed on its own row, so a block's result does not depend on which
other blocks were computed with it (what makes streaming equal offline).
"""
from __future__ import annotations

import numpy as np

F0_MIN, F0_MAX = 60.0, 800.0  # deep male speech to high singing
THRESHOLD = 0.15  # YIN's absolute threshold on d'
SILENCE_POWER = 1e-20  # mean square (-200 dBFS, digital silence): no pitch below it


def yin(blocks: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(B, L) float64 blocks -> (f0 in Hz (B,), periodicity in [0, 1] (B,)).

    Lags up to sample_rate / F0_MIN are compared over the first L - max_lag samples, so L
    must exceed that lag (1024 samples at 16 kHz compare 757 samples, 2.8 periods of 60 Hz).
    """
    min_lag = int(np.floor(sample_rate / F0_MAX))
    max_lag = int(np.ceil(sample_rate / F0_MIN))
    width = blocks.shape[1] - max_lag
    if width < max_lag:
        raise ValueError(f"YIN blocks of {blocks.shape[1]} samples are too short for "
                         f"{F0_MIN} Hz at {sample_rate} Hz")
    diff = _difference(blocks, width, max_lag)  # (B, max_lag + 1)
    cmnd = _cumulative_mean_normalised(diff)
    lag = _pick_lag(cmnd, min_lag)
    period = lag + _parabolic_offset(cmnd, lag)
    aperiodicity = cmnd[np.arange(len(lag)), lag]
    silent = np.mean(blocks[:, :width] ** 2, axis=1) < SILENCE_POWER
    periodicity = np.where(silent, 0.0, np.clip(1.0 - aperiodicity, 0.0, 1.0))
    return sample_rate / period, periodicity


def _difference(blocks: np.ndarray, width: int, max_lag: int) -> np.ndarray:
    """d(tau) for tau = 0..max_lag, (B, max_lag + 1): |head|^2 + |shifted|^2 - 2 head.shifted,
    with head = x[:width] and shifted = x[tau:tau + width]."""
    n_fft = 1 << int(np.ceil(np.log2(blocks.shape[1] + width)))
    head = np.fft.rfft(blocks[:, :width], n_fft)
    cross = np.fft.irfft(np.fft.rfft(blocks, n_fft) * np.conj(head), n_fft)[:, :max_lag + 1]
    energy = np.concatenate([np.zeros((len(blocks), 1)), np.cumsum(blocks ** 2, axis=1)], axis=1)
    lags = np.arange(max_lag + 1)
    shifted = energy[:, lags + width] - energy[:, lags]
    diff = energy[:, width:width + 1] + shifted - 2.0 * cross
    # FFT rounding leaves ~1e-16 of the energy where d is really 0 (e.g. DC): clear it so
    # that d' of such blocks is 0/0 -> 1 (aperiodic) instead of noise.
    return np.where(diff > 1e-9 * energy[:, width:width + 1], diff, 0.0)


def _cumulative_mean_normalised(diff: np.ndarray) -> np.ndarray:
    """d'(tau) = d(tau) tau / sum_{1<=k<=tau} d(k); d'(0) = 1 and 0/0 -> 1."""
    running = np.cumsum(diff[:, 1:], axis=1)
    scaled = diff[:, 1:] * np.arange(1, diff.shape[1])
    cmnd = np.ones_like(diff)
    np.divide(scaled, running, out=cmnd[:, 1:], where=running > 0)
    return cmnd


def _pick_lag(cmnd: np.ndarray, min_lag: int) -> np.ndarray:
    """(B,) int lag: the local minimum after the first dip under THRESHOLD, else the
    global minimum over [min_lag, max_lag]."""
    search = cmnd[:, min_lag:]
    below = search < THRESHOLD
    start = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    # Walk down from `start` to the bottom of its dip: the first lag whose next value rises.
    rising = np.diff(search, axis=1, append=np.inf) >= 0
    rising &= np.arange(search.shape[1]) >= start[:, None]
    return min_lag + rising.argmax(axis=1)


def _parabolic_offset(cmnd: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """(B,) sub-sample offset in [-0.5, 0.5] of the parabola's vertex through lag - 1, lag,
    lag + 1 (0 at the ends of the lag range)."""
    inner = np.clip(lag, 1, cmnd.shape[1] - 2)
    rows = np.arange(len(lag))
    left, mid, right = (cmnd[rows, inner - 1], cmnd[rows, inner], cmnd[rows, inner + 1])
    curvature = left - 2.0 * mid + right
    offset = np.divide(0.5 * (left - right), curvature, out=np.zeros_like(mid),
                       where=curvature > 0)
    return np.where(inner == lag, np.clip(offset, -0.5, 0.5), 0.0)
