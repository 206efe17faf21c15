"""Speech or singing without a real video: does the rendered mouth follow the voice?

The clip drives a portrait, the frames are re-read by the face analyzer, and the mouth
opening is correlated with the audio's log energy (metrics.log_energy) at the best lag.
Real talkers score low on this too (the `energy_r` reference of real.py;
docs/experiments.md, "Against real talking videos"): lips close on /p b m/ in loud
syllables and open in quiet breaths, so the figure is a check that the lips move with the
voice in any language, not a lip-sync score.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .metrics import blink_rate, delta_p, lip_sync, log_energy, mouth_opening

SILENCE_DB = -50.0  # frames quieter than this count as silence


def evaluate_speech(pipe, audio, portrait, seed: int = 0, max_seconds: float = 30.0) -> dict:
    """Drive `portrait` with `audio` (path or (wave, rate)) and report the mouth-energy r,
    the mean opening in speech and in silence, dP and blinks per minute."""
    from ..audio import SAMPLE_RATE, load_audio

    wave = load_audio(audio)[: int(max_seconds * SAMPLE_RATE)]
    out = pipe(portrait, (wave, SAMPLE_RATE), seed=seed, mark=False)
    opening = mouth_opening(out.frames)
    energy = log_energy(wave, len(opening))
    silent = energy < SILENCE_DB
    name = Path(audio).name if isinstance(audio, (str, Path)) else "audio"
    sync = lip_sync(opening, energy)
    return {"audio": name, "seconds": round(len(wave) / SAMPLE_RATE, 2),
            "energy_r": sync["r"], "energy_offset": sync["offset"],
            "energy_r_lag0": sync["r_lag0"],
            "opening_speech": _mean(opening[~silent]), "opening_silence": _mean(opening[silent]),
            "dP": delta_p(out.motion), "blinks_per_min": blink_rate(out.motion)}


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None
