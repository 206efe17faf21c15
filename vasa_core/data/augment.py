"""Audio augmentation, so a model trained on clean synthetic speech hears real recordings.

Each transform is a plain function `f(wave, sr, rng, ...) -> wave` on a float32 (N,) wave
that keeps the length (timing must stay aligned with the motion, so no speed or pitch
changes) and returns finite values:

    add_noise     white / pink / brown / babble-like noise at a given SNR (dB)
    reverb        a synthetic room: direct path + exponentially decaying noise tail (RT60)
    band_limit    telephone (300-3400 Hz), low-pass (cheap mics, codecs) or high-pass
    equalize      a few random peaking filters (+-6 dB): microphone and room colour
    gain          level change, with soft clipping when it overdrives

`augment` chains them with the probabilities of an `AugmentConfig`. Babble is synthesised
(several "talkers": speech-shaped noise under independent 2-6 Hz syllabic envelopes), so
no speech corpus is needed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, fftconvolve, sosfilt

from ..speech.signals import smooth_noise

NOISES = ("white", "pink", "brown", "babble")


def _power(x: np.ndarray) -> float:
    return float(np.mean(np.square(x, dtype=np.float64)))


def _coloured(n: int, sr: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """Noise with power spectrum ~ 1 / f^exponent (0 white, 1 pink, 2 brown)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    spectrum *= np.maximum(freqs, 20.0) ** (-exponent / 2)
    return np.fft.irfft(spectrum, n)


def _babble(n: int, sr: int, rng: np.random.Generator, talkers: int) -> np.ndarray:
    """Speech-shaped noise with syllable-rate envelopes, summed over `talkers`."""
    speech_band = butter(2, [150, 4000], "bandpass", fs=sr, output="sos")
    env_rate = 100  # Hz, envelope sample rate before interpolation
    t_env = np.arange(int(np.ceil(n / sr * env_rate)) + 1) / env_rate
    out = np.zeros(n)
    for _ in range(talkers):
        voice = sosfilt(speech_band, _coloured(n, sr, rng, 1.0))
        syllables = smooth_noise(rng, len(t_env), env_rate, rng.uniform(2.0, 6.0))[:, 0]
        envelope = np.interp(np.arange(n) / sr, t_env, np.maximum(syllables, 0.0))
        out += voice * envelope
    return out


def noise(n: int, sr: int, rng: np.random.Generator, kind: str) -> np.ndarray:
    """(n,) noise of one of NOISES, unit power."""
    if kind == "babble":
        x = _babble(n, sr, rng, int(rng.integers(3, 9)))
    else:
        x = _coloured(n, sr, rng, {"white": 0.0, "pink": 1.0, "brown": 2.0}[kind])
    return x / np.sqrt(max(_power(x), 1e-20))


def add_noise(wave: np.ndarray, sr: int, rng: np.random.Generator, snr_db: float,
              kind: str = "white") -> np.ndarray:
    """`wave` plus noise of `kind` at `snr_db` (signal power / noise power)."""
    scale = np.sqrt(_power(wave) / 10 ** (snr_db / 10))
    return (wave + scale * noise(len(wave), sr, rng, kind)).astype(np.float32)


def reverb(wave: np.ndarray, sr: int, rng: np.random.Generator, rt60: float,
           wet: float = 0.5) -> np.ndarray:
    """Convolution with a synthetic room response (RT60 seconds), level kept."""
    n = max(1, int(rt60 * sr))
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)  # -60 dB at rt60
    tail[: int(0.003 * sr)] = 0.0  # first reflections arrive a few ms after the direct path
    ir = wet * tail / np.sqrt(np.sum(tail ** 2))
    ir[0] += 1.0 - wet
    out = fftconvolve(wave, ir)[: len(wave)]
    return (out * np.sqrt(_power(wave) / max(_power(out), 1e-20))).astype(np.float32)


def band_limit(wave: np.ndarray, sr: int, kind: str = "telephone",
               cutoff: float = 4000.0) -> np.ndarray:
    """"telephone" (300-3400 Hz), "lowpass" or "highpass" at `cutoff` Hz (4th order)."""
    if kind == "telephone":
        sos = butter(4, [300, 3400], "bandpass", fs=sr, output="sos")
    else:
        sos = butter(4, min(cutoff, 0.45 * sr), kind, fs=sr, output="sos")
    return sosfilt(sos, wave).astype(np.float32)


def _peaking(freq: float, gain_db: float, q: float, sr: int) -> np.ndarray:
    """RBJ audio-EQ-cookbook peaking biquad as one second-order section (6,)."""
    a = 10 ** (gain_db / 40)
    w = 2 * np.pi * freq / sr
    alpha = np.sin(w) / (2 * q)
    b = [1 + alpha * a, -2 * np.cos(w), 1 - alpha * a]
    den = [1 + alpha / a, -2 * np.cos(w), 1 - alpha / a]
    return np.array(b + den) / den[0]


def equalize(wave: np.ndarray, sr: int, rng: np.random.Generator, bands: int = 3,
             max_db: float = 6.0) -> np.ndarray:
    """`bands` random peaking filters (log-uniform 100 Hz-0.4 sr, +-max_db, Q 0.5-2)."""
    sos = np.stack([_peaking(np.exp(rng.uniform(np.log(100), np.log(0.4 * sr))),
                             rng.uniform(-max_db, max_db), rng.uniform(0.5, 2.0), sr)
                    for _ in range(bands)])
    return sosfilt(sos, wave).astype(np.float32)


def gain(wave: np.ndarray, gain_db: float) -> np.ndarray:
    """Level change; peaks beyond full scale are soft-clipped (tanh) as an overdriven input."""
    out = wave * 10 ** (gain_db / 20)
    hot = np.abs(out) > 0.9
    out[hot] = np.sign(out[hot]) * (0.9 + 0.1 * np.tanh((np.abs(out[hot]) - 0.9) / 0.1))
    return out.astype(np.float32)


@dataclass(frozen=True)
class AugmentConfig:
    """Probability and range of each transform; applied in signal-chain order."""

    p_reverb: float = 0.4
    rt60: tuple[float, float] = (0.15, 0.8)  # s
    p_equalize: float = 0.5
    p_band: float = 0.25
    lowpass: tuple[float, float] = (2500.0, 7000.0)  # Hz, for the "lowpass" band limit
    p_noise: float = 0.6
    snr_db: tuple[float, float] = (5.0, 35.0)
    p_gain: float = 0.8
    gain_db: tuple[float, float] = (-18.0, 6.0)


def augment(wave: np.ndarray, sr: int, rng: np.random.Generator,
            config: AugmentConfig = AugmentConfig()) -> tuple[np.ndarray, dict]:
    """A randomly degraded copy of `wave` and a description of what was applied."""
    done: dict = {}
    out = np.asarray(wave, np.float32)
    if rng.random() < config.p_reverb:
        done["rt60"] = float(rng.uniform(*config.rt60))
        out = reverb(out, sr, rng, done["rt60"], wet=float(rng.uniform(0.3, 0.8)))
    if rng.random() < config.p_equalize:
        done["equalize"] = True
        out = equalize(out, sr, rng)
    if rng.random() < config.p_band:
        done["band"] = str(rng.choice(["telephone", "lowpass", "highpass"]))
        cutoff = rng.uniform(*config.lowpass) if done["band"] == "lowpass" else 150.0
        out = band_limit(out, sr, done["band"], cutoff)
    if rng.random() < config.p_noise:
        done["noise"], done["snr_db"] = str(rng.choice(NOISES)), float(rng.uniform(*config.snr_db))
        out = add_noise(out, sr, rng, done["snr_db"], done["noise"])
    if rng.random() < config.p_gain:
        done["gain_db"] = float(rng.uniform(*config.gain_db))
        out = gain(out, done["gain_db"])
    return out, done
