"""Prosody read off an utterance: level, pitch, pauses, accents and phrase-final rises.

Everything is sampled on the motion frame grid (t_i = i / fps). The waveform gives the
level (RMS, dBFS) and F0 (a normalised-autocorrelation tracker, vectorised over frames); the
synthesiser's segmentation says where vowels and pauses are, and which vowels carry
lexical stress. An accent is a stressed vowel whose pitch and level stand out from the
speaker's median; a rise is a phrase end whose F0 climbs (question intonation).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..speech.tts import Utterance
from .visemes import read_phoneme

F0_RANGE = (60.0, 600.0)  # Hz, covers eSpeak's lowest male to highest female settings


@dataclass(frozen=True)
class ProsodyConfig:
    min_pause: float = 0.15  # s, a silence at least this long is a pause
    floor_db: float = 35.0  # dB below the loudest frame that still counts as voiced
    rise_window: float = 0.35  # s of speech before a phrase end checked for a rise
    min_rise: float = 2.0  # semitones climbed within that window that make a rise
    max_semitones: float = 9.0  # larger jumps from the median F0 are tracking errors
    min_periodicity: float = 0.4  # autocorrelation peak below which a frame is unvoiced


@dataclass
class Prosody:
    """Frame-rate prosody. Arrays are (T,); times in seconds."""

    fps: float
    times: np.ndarray  # i / fps
    level_db: np.ndarray  # RMS level, dBFS
    voiced: np.ndarray  # bool: inside a vowel and above the level floor
    semitones: np.ndarray  # F0 relative to the speaker's median F0, 0 where unvoiced
    speech: np.ndarray  # bool: not inside a pause
    pauses: list[tuple[float, float]] = field(default_factory=list)
    accents: list[tuple[float, float]] = field(default_factory=list)  # (onset s, strength 0..1)
    rises: list[tuple[float, float]] = field(default_factory=list)  # (phrase end s, strength)

    @property
    def speech_level_db(self) -> float:
        """Median level while speaking (the speaker's reference loudness)."""
        return float(np.median(self.level_db[self.speech])) if self.speech.any() else -60.0


def _frames(wave: np.ndarray, sr: int, fps: float, frames: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(level_db, f0_hz, periodicity) per motion frame, each (frames,).

    Windows of ~2.2 periods of the lowest F0 centred on the frames. F0 is the lag of the
    highest normalised autocorrelation peak in the F0 range (parabolic refinement);
    periodicity is that peak's height (1 = perfectly periodic, ~0 = noise or silence).
    """
    hop = int(round(sr / fps))
    width = int(2 ** np.ceil(np.log2(2.2 * sr / F0_RANGE[0])))
    padded = np.pad(wave.astype(np.float64), (width // 2, width // 2 + frames * hop))
    windows = sliding_window_view(padded, width)[::hop][:frames] * np.hanning(width)
    level = 10 * np.log10(np.maximum(np.mean(windows ** 2, axis=1) * (8 / 3), 1e-10))
    acf = np.fft.irfft(np.abs(np.fft.rfft(windows, 2 * width)) ** 2)[:, :width]
    acf /= np.maximum(acf[:, :1], 1e-12)
    lo, hi = int(sr / F0_RANGE[1]), int(sr / F0_RANGE[0])
    lag = lo + np.argmax(acf[:, lo:hi], axis=1)
    rows = np.arange(frames)
    left, mid, right = acf[rows, lag - 1], acf[rows, lag], acf[rows, lag + 1]
    shift = 0.5 * (left - right) / np.where(np.abs(left - 2 * mid + right) > 1e-12,
                                            left - 2 * mid + right, 1.0)
    return level, sr / (lag + np.clip(shift, -1, 1)), mid


def _mask(times: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    out = np.zeros(len(times), bool)
    for a, b in spans:
        out |= (times >= a) & (times < b)
    return out


def _pauses(utt: Utterance, min_pause: float) -> list[tuple[float, float]]:
    """Merged runs of silence phonemes at least `min_pause` long."""
    runs: list[list[float]] = []
    for symbol, a, b in utt.phonemes:
        if read_phoneme(symbol).visemes == ("sil",):
            if runs and abs(runs[-1][1] - a) < 1e-6:
                runs[-1][1] = b
            else:
                runs.append([a, b])
    return [(a, b) for a, b in runs if b - a >= min_pause]


def analyze(utt: Utterance, fps: float, frames: int,
            config: ProsodyConfig = ProsodyConfig()) -> Prosody:
    """Level, F0, pauses, accents and rises of `utt` on `frames` frames at `fps`."""
    times = np.arange(frames) / fps
    level, f0, periodicity = _frames(utt.wave, utt.sample_rate, fps, frames)
    vowels = [(a, b) for s, a, b in utt.phonemes if read_phoneme(s).vowel]
    voiced = _mask(times, vowels) & (level > level.max() - config.floor_db) \
        & (periodicity > config.min_periodicity)
    semitones = np.zeros(frames)
    if voiced.sum() >= 3:
        st = 12 * np.log2(f0 / np.median(f0[voiced]))
        voiced &= np.abs(st) < config.max_semitones  # octave errors of the tracker
        semitones = np.where(voiced, st, 0.0)
    pauses = _pauses(utt, config.min_pause)
    p = Prosody(fps, times, level, voiced, semitones, ~_mask(times, pauses), pauses)
    p.accents = _accents(utt, p)
    p.rises = _rises(p, utt.duration, config)
    return p


def _accents(utt: Utterance, p: Prosody) -> list[tuple[float, float]]:
    """Stressed vowels, scored by how far their pitch and level rise above the median."""
    out = []
    ref = p.speech_level_db
    for symbol, a, b in utt.phonemes:
        r = read_phoneme(symbol)
        inside = (p.times >= a) & (p.times < max(b, a + 1e-3)) & p.voiced
        if r.stress < 2 or not r.vowel or not inside.any():
            continue
        score = 0.2 + 0.1 * p.semitones[inside].max() + 0.03 * (p.level_db[inside].max() - ref)
        out.append((a, float(np.clip(score, 0.0, 1.0))))
    return out


def _rises(p: Prosody, duration: float, config: ProsodyConfig) -> list[tuple[float, float]]:
    """Phrase ends (pause starts, end of speech) whose last voiced stretch climbs in F0."""
    ends = [a for a, _ in p.pauses if a > 0] + ([duration] if p.speech[-1:].all() else [])
    out = []
    for end in ends:
        sel = p.voiced & (p.times >= end - config.rise_window) & (p.times < end)
        if sel.sum() < 2:
            continue
        # how far the phrase's last voiced frame climbs above the window's low point
        rise = p.semitones[sel][-1] - p.semitones[sel].min()
        if rise >= config.min_rise:
            out.append((end, float(np.clip(rise / 6.0, 0.0, 1.0))))
    return out
