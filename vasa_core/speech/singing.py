"""Singing-like clips: sustained, melodic vowels from a small source-filter synthesiser.

eSpeak cannot hold a vowel for a second or follow a melody, so singing is synthesised
here, with exact labels by construction. Each note is one syllable, an optional onset
consonant (m n l b d s) and a vowel (a e i o u). The voice is additive: harmonics of F0
up to 5 kHz with a -6 dB/octave source tilt, each weighted by the vowel's formant
envelope (four resonances, Peterson & Barney-like frequencies scaled for the singer's
vocal tract). F0 follows a random melody on a major or minor scale with portamento
between notes, vibrato (4.5-6.5 Hz, 20-60 cents) that sets in after the attack, and slow
jitter. /s/ and plosive bursts are high-passed noise; /b d/ have a near-silent closure.
Phrases of a few notes are separated by breaths (silence).

Phonemes are labelled with eSpeak mnemonics ("m", "'a:", "_"), so `teacher.teach` turns
a sung clip into motion exactly as it does speech: held vowels hold the jaw open.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfilt

from .signals import moving_average, smooth_noise, smoothstep
from .tts import MODEL_RATE, Utterance

# F1-F4 (Hz) of an adult male vocal tract; female voices scale them by ~1.15.
_VOWELS: dict[str, tuple[float, ...]] = {
    "a": (730, 1090, 2440, 3400), "e": (530, 1840, 2480, 3500), "i": (300, 2200, 3000, 3600),
    "o": (570, 840, 2410, 3400), "u": (320, 870, 2240, 3300),
}
# onset consonant -> (formants, voicing gain, noise gain); b/d also get a burst at release
_ONSETS: dict[str, tuple[tuple[float, ...], float, float]] = {
    "m": ((250, 1100, 2300, 3300), 0.25, 0.0), "n": ((250, 1400, 2400, 3300), 0.25, 0.0),
    "l": ((360, 1300, 2700, 3400), 0.5, 0.0), "b": ((250, 800, 2300, 3300), 0.04, 0.0),
    "d": ((250, 1700, 2600, 3300), 0.04, 0.0), "s": ((500, 1500, 2500, 3500), 0.0, 0.35),
}
_BANDWIDTHS = np.array([80.0, 100.0, 140.0, 180.0])  # Hz
_CONTROL_RATE = 200  # Hz, rate of the F0 / formant / gain tracks
_MAX_HARMONIC_HZ = 5000.0


@dataclass(frozen=True)
class SingingConfig:
    tempo_bpm: tuple[float, float] = (70.0, 130.0)
    note_beats: tuple[float, ...] = (0.5, 1.0, 1.0, 1.5, 2.0, 3.0)
    notes_per_phrase: tuple[int, int] = (3, 7)
    breath: tuple[float, float] = (0.3, 0.9)  # s of silence between phrases
    onset_p: float = 0.75  # probability that a syllable starts with a consonant
    onset_s: tuple[float, float] = (0.06, 0.1)  # consonant duration
    vibrato_hz: tuple[float, float] = (4.5, 6.5)
    vibrato_cents: tuple[float, float] = (20.0, 60.0)


@dataclass
class _Tracks:
    """Control tracks at _CONTROL_RATE: midi pitch, formants (C, 4), voice and noise gain."""

    midi: list[float]
    formants: list[tuple[float, ...]]
    voice: list[float]
    noise: list[float]

    def add(self, seconds: float, midi: float, formants, voice: float, noise: float) -> None:
        n = max(1, int(round(seconds * _CONTROL_RATE)))
        self.midi += [midi] * n
        self.formants += [formants] * n
        self.voice += [voice] * n
        self.noise += [noise] * n

    @property
    def seconds(self) -> float:
        return len(self.midi) / _CONTROL_RATE


def _melody(rng: np.random.Generator, config: SingingConfig, duration: float
            ) -> tuple[_Tracks, list[tuple[str, float, float]], float]:
    """Control tracks, phoneme segments and the vocal-tract scale of a random song."""
    female = rng.random() < 0.5
    root = rng.integers(55, 65) if female else rng.integers(43, 53)
    scale = [0, 2, 4, 5, 7, 9, 11] if rng.random() < 0.6 else [0, 2, 3, 5, 7, 8, 10]
    beat = 60.0 / rng.uniform(*config.tempo_bpm)
    tracks, phonemes, degree = _Tracks([], [], [], []), [], 0
    while tracks.seconds < duration:
        rest = rng.uniform(*config.breath)
        phonemes.append(("_", tracks.seconds, tracks.seconds + rest))
        tracks.add(rest, root, _VOWELS["a"], 0.0, 0.0)
        for i in range(rng.integers(*config.notes_per_phrase, endpoint=True)):
            degree = int(np.clip(degree + rng.integers(-2, 3), -3, 9))
            midi = root + 12 * (degree // 7) + scale[degree % 7]
            length = beat * rng.choice(config.note_beats)
            vowel = str(rng.choice(list(_VOWELS)))
            if rng.random() < config.onset_p:
                length -= _onset(tracks, phonemes, rng, config, midi)
            start = tracks.seconds
            tracks.add(length, midi, _VOWELS[vowel], 1.0, 0.0)
            phonemes.append(("'" * (i == 0) + vowel + ":", start, tracks.seconds))
    tract = rng.uniform(1.1, 1.2) if female else rng.uniform(0.95, 1.05)
    return tracks, phonemes, tract


def _onset(tracks: _Tracks, phonemes: list, rng: np.random.Generator, config: SingingConfig,
           midi: float) -> float:
    """Append a random onset consonant; returns its duration in seconds."""
    name = str(rng.choice(list(_ONSETS)))
    formants, voice, noise = _ONSETS[name]
    seconds, start = rng.uniform(*config.onset_s), tracks.seconds
    burst = 0.012 if name in "bd" else 0.0
    tracks.add(seconds - burst, midi, formants, voice, noise)
    if burst:
        tracks.add(burst, midi, formants, 0.1, 0.5)
    phonemes.append((name, start, tracks.seconds))
    return tracks.seconds - start


def _f0(tracks: _Tracks, rng: np.random.Generator, config: SingingConfig) -> np.ndarray:
    """(C,) F0 in Hz: notes with portamento, delayed vibrato and jitter."""
    raw = np.array(tracks.midi, float)
    t = np.arange(len(raw)) / _CONTROL_RATE
    idx = np.arange(len(raw))
    note_start = np.maximum.accumulate(np.where(np.diff(raw, prepend=np.nan) != 0, idx, 0))
    held = (idx - note_start) / _CONTROL_RATE  # s since the note began
    depth = rng.uniform(*config.vibrato_cents) * smoothstep((held - 0.2) / 0.3)
    cents = depth * np.sin(2 * np.pi * rng.uniform(*config.vibrato_hz) * t) \
        + 8.0 * smooth_noise(rng, len(raw), _CONTROL_RATE, 3.0)[:, 0]
    midi = moving_average(raw, int(0.06 * _CONTROL_RATE)) + cents / 100.0
    return 440.0 * 2.0 ** ((midi - 69.0) / 12.0)


def _harmonic_amplitudes(f0: np.ndarray, formants: np.ndarray) -> np.ndarray:
    """(C, K) amplitude of harmonic k = source tilt 1/k x formant envelope at k * F0."""
    k = np.arange(1, int(_MAX_HARMONIC_HZ / f0.min()) + 1)
    freq = f0[:, None] * k[None, :]  # (C, K) Hz
    detune = (freq[:, :, None] - formants[:, None, :]) / (_BANDWIDTHS / 2)  # (C, K, 4)
    envelope = np.sum(1.0 / (1.0 + detune ** 2), axis=2)
    return envelope / k * (freq < _MAX_HARMONIC_HZ)


def _render(tracks: _Tracks, rng: np.random.Generator, config: SingingConfig, tract: float,
            sr: int) -> np.ndarray:
    """(N,) float32 waveform of the control tracks, peak-normalised."""
    f0 = _f0(tracks, rng, config)
    formants = moving_average(np.array(tracks.formants, float), 10) * tract  # 50 ms glides
    voice = moving_average(np.array(tracks.voice), 6)  # 30 ms attacks and releases
    noise_gain = moving_average(np.array(tracks.noise), 2)
    t_control = np.arange(len(f0)) / _CONTROL_RATE
    t = np.arange(int(len(f0) * sr / _CONTROL_RATE)) / sr
    phase = 2 * np.pi * np.cumsum(np.interp(t, t_control, f0)) / sr
    amps = _harmonic_amplitudes(f0, formants) * voice[:, None]
    wave = np.zeros(len(t))
    for k in range(amps.shape[1]):
        wave += np.interp(t, t_control, amps[:, k]) * np.sin((k + 1) * phase)
    hiss = sosfilt(butter(4, 3000, "highpass", fs=sr, output="sos"), rng.standard_normal(len(t)))
    wave += np.interp(t, t_control, noise_gain) * hiss * np.std(wave) * 3.0
    return (wave * rng.uniform(0.3, 0.8) / max(np.abs(wave).max(), 1e-9)).astype(np.float32)


def singing(rng: np.random.Generator, duration: float = 8.0, sample_rate: int = MODEL_RATE,
            config: SingingConfig = SingingConfig()) -> Utterance:
    """A random sung clip of at least `duration` seconds (whole phrases), with its phonemes."""
    tracks, phonemes, tract = _melody(rng, config, duration)
    wave = _render(tracks, rng, config, tract, sample_rate)
    end = len(wave) / sample_rate
    phonemes = [(s, a, min(b, end)) for s, a, b in phonemes if a < end]
    syllables = [s.strip("':") for s, _, _ in phonemes if s != "_"]
    return Utterance(wave, sample_rate, phonemes, [], "singing", None, " ".join(syllables))
