"""Log-mel spectra of 25 ms windows: the spectral envelope that carries phone identity.

Each window is 400 samples (25 ms at 16 kHz) under a symmetric Hann taper (centred at
sample 199.5; features.py says why that matters), zero-padded to a 512-point FFT. Power
is summed under 80 triangular filters spaced on the HTK mel scale from 40 Hz to 8 kHz.
Triangles peak at 1 and the FFT power is scaled so that a full-scale sine gives about 0 dB
in its band. Values are in dB, clamped at -200 dB only to keep log(0) finite: the floor
that matters, 80 dB under the recent peak, is relative and set in normalise.py. Above the
clamp, x -> g x adds exactly 20 log10 g dB to every bin.

The filterbank is built here rather than taken from librosa, whose import alone costs
seconds; the tests check it against `librosa.filters.mel(htk=True, norm=None)`.
"""
from __future__ import annotations

import numpy as np

from ..grid import SAMPLE_RATE

WINDOW = 400  # 25 ms
N_FFT = 512
N_MELS = 80
F_MIN, F_MAX = 40.0, 8000.0
FLOOR_DB = -200.0

_FLOOR_POWER = 10.0 ** (FLOOR_DB / 10.0)
_HANN = np.hanning(WINDOW)  # symmetric Hann, (400,)
# |rfft| of a unit sine at a bin centre is sum(window) / 2; this makes its power 1.
_POWER_SCALE = 1.0 / (_HANN.sum() / 2.0) ** 2


def _hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def _band_edges_hz(n_mels: int = N_MELS, f_min: float = F_MIN,
                   f_max: float = F_MAX) -> np.ndarray:
    """(n_mels + 2,) filter edges in Hz, evenly spaced in HTK mel; band i peaks at edge i + 1."""
    return _mel_to_hz(np.linspace(_hz_to_mel(f_min), _hz_to_mel(f_max), n_mels + 2))


def mel_filterbank(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS,
                   f_min: float = F_MIN, f_max: float = F_MAX) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters, peak 1, edges evenly spaced in HTK mel."""
    bin_hz = np.linspace(0.0, sample_rate / 2.0, n_fft // 2 + 1)
    edges = _band_edges_hz(n_mels, f_min, f_max)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bin_hz - lower) / (centre - lower)
    falling = (upper - bin_hz) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


_MEL_BASIS_T = np.ascontiguousarray(mel_filterbank().T)  # (257, 80)


def power_spectrum(windows: np.ndarray) -> np.ndarray:
    """(..., 400) samples -> (..., 257) power, scaled so a full-scale sine peaks near 1."""
    spectrum = np.fft.rfft(windows * _HANN, n=N_FFT)
    return (spectrum.real ** 2 + spectrum.imag ** 2) * _POWER_SCALE


def to_db(power: np.ndarray) -> np.ndarray:
    """Power -> dB, clamped at FLOOR_DB."""
    return 10.0 * np.log10(np.maximum(power, _FLOOR_POWER))


def log_mel(power: np.ndarray) -> np.ndarray:
    """(..., 257) power spectra -> (..., 80) log-mel in dB."""
    return to_db(power @ _MEL_BASIS_T)


VTLP_BOUNDARY_HZ = 4800.0  # Jaitly & Hinton (2013): frequencies above this bend back to Nyquist


def vtlp_hz(hz: np.ndarray, alpha: float, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Vocal-tract length perturbation (Jaitly & Hinton 2013): frequency f of the original
    voice -> where a speaker with a vocal tract 1 / alpha as long puts it. Linear (f alpha)
    up to a boundary, then a straight line that keeps Nyquist fixed, so the band stays full."""
    nyquist = sample_rate / 2.0
    knee = VTLP_BOUNDARY_HZ * min(alpha, 1.0) / alpha  # input frequency where the line bends
    slope = (nyquist - knee * alpha) / (nyquist - knee)
    hz = np.asarray(hz, np.float64)
    return np.where(hz <= knee, hz * alpha, nyquist - slope * (nyquist - hz))


def mel_warp(alpha: float, n_mels: int = N_MELS) -> np.ndarray:
    """(n_mels, n_mels) linear map of a log-mel spectrum to the same voice through a vocal
    tract 1 / alpha as long (`vtlp_hz`), as training augmentation: warped = W @ spectrum.
    Row i interpolates the original bins at the frequency that lands on band centre i.
    alpha = 1 is the identity; rows sum to 1, so a level shift passes unchanged."""
    centres = _band_edges_hz(n_mels)[1:-1]
    grid = np.linspace(0.0, SAMPLE_RATE / 2.0, 4097)  # the warp is monotonic: invert it
    source_hz = np.interp(centres, vtlp_hz(grid, alpha), grid)
    position = np.interp(_hz_to_mel(source_hz), _hz_to_mel(centres), np.arange(n_mels))
    low = np.minimum(np.floor(position).astype(int), n_mels - 2)
    frac = position - low
    out = np.zeros((n_mels, n_mels))
    out[np.arange(n_mels), low] = 1.0 - frac
    out[np.arange(n_mels), low + 1] += frac
    return out
