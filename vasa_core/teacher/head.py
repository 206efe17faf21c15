"""Head motion driven by prosody: slow sway, nods on accents, pitch following intonation.

Speakers move their heads with their speech (Munhall et al. 2004: head motion correlates
with F0 and amplitude; Hadar et al. 1983: nods cluster on stressed syllables). The pose is

    base (per clip) + sway (band-limited noise, larger while speaking)
                    + nods (a gamma-shaped chin-down pulse after every accented vowel)
                    + chin up with F0 (semitones above the speaker's median) and on
                      phrase-final rises (questions),

all scaled by one `energy` (speaker style x emotion). Units follow latent.py: degrees for
yaw/pitch/roll (pitch > 0 chin up), frame short sides for x/y, log units for log_scale.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .prosody import Prosody
from ..speech.signals import bump, envelope, moving_average, smooth_noise


@dataclass(frozen=True)
class HeadConfig:
    # sway std per pose axis: yaw, pitch, roll (deg), x, y (short sides), log_scale
    sway: tuple[float, ...] = (4.0, 2.5, 2.0, 0.008, 0.006, 0.015)
    sway_hz: float = 0.45  # low-pass cut-off of the sway noise
    idle: float = 0.5  # sway amplitude in pauses relative to speech
    nod_deg: float = 3.5  # chin-down depth of a full-strength accent
    nod_peak: float = 0.15  # s from vowel onset to the deepest point of the nod
    nod_side: float = 0.35  # yaw and roll share of a nod (random sign per nod)
    f0_deg: float = 0.2  # chin up per semitone of F0 above the speaker's median
    rise_deg: float = 2.5  # chin up at a full-strength question rise


def head_motion(p: Prosody, rng: np.random.Generator, base: np.ndarray, energy: float,
                config: HeadConfig = HeadConfig()) -> np.ndarray:
    """(T, 6) pose in POSE_NAMES order around the clip's `base` pose (6,)."""
    t, fps = p.times, p.fps
    activity = moving_average(p.speech.astype(float), int(fps * 0.8))
    amp = energy * (config.idle + (1 - config.idle) * activity)
    pose = smooth_noise(rng, len(t), fps, config.sway_hz, 6) * np.asarray(config.sway) \
        * amp[:, None]
    for onset, strength in p.accents:
        pulse = energy * strength * bump(t - onset, config.nod_peak)
        side = rng.choice([-1.0, 1.0], 2) * config.nod_side * config.nod_deg
        pose[:, 0] += side[0] * pulse
        pose[:, 1] -= config.nod_deg * pulse
        pose[:, 2] += side[1] * pulse
    pose[:, 1] += energy * config.f0_deg * moving_average(p.semitones, int(fps * 0.3))
    for end, strength in p.rises:
        pose[:, 1] += energy * config.rise_deg * strength * envelope(t, end - 0.3, end, 0.3,
                                                                     0.5)
    return pose + base
