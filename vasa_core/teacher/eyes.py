"""Eye behaviour as stochastic processes: blinks and gaze (fixations, saccades, drift).

Blinks. Adults blink ~15-20 times a minute in conversation, more at pauses and phrase
boundaries (Nakano & Kitazawa 2010) and never twice within a few hundred ms. Blinks are an
inhomogeneous Bernoulli process on the frame grid: the hazard is `pause_boost` times higher
in pauses and shortly after a phrase ends, normalised so the clip's mean rate is the drawn
rate, with a refractory dead time R after each blink (the rate is divided by 1 - rate*R,
the dead-time correction, so the dead time does not lower it). A blink closes fast
(50-80 ms), stays shut briefly and opens slower (90-130 ms); its fully closed moment is put
on a frame so 25 fps video always shows it.

Gaze. Fixations last a gamma-distributed time; each aims at the clip's main gaze plus a
scatter, or, more often right after a pause (speakers look away when they resume), at an
aversion target well off it. Saccades between fixations take ~40 ms (one frame), and
fixational drift is small band-limited noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .prosody import Prosody
from ..speech.signals import smooth_noise, smoothstep


@dataclass(frozen=True)
class BlinkConfig:
    rate_per_min: tuple[float, float] = (12.0, 20.0)  # per-clip mean rate is drawn in here
    pause_boost: float = 3.0  # hazard ratio of pauses / phrase ends to running speech
    after_pause: float = 0.4  # s after a pause starts that still count as its boundary
    refractory: float = 0.6  # s, no blink this soon after another
    close: tuple[float, float] = (0.05, 0.08)  # s, closing phase
    hold: tuple[float, float] = (0.01, 0.04)  # s, fully closed
    open: tuple[float, float] = (0.09, 0.13)  # s, opening phase
    depth: tuple[float, float] = (0.85, 1.0)  # eyeBlink value when closed


@dataclass(frozen=True)
class GazeConfig:
    fixation: float = 1.3  # s, mean fixation duration (gamma, shape 2)
    spread: tuple[float, float] = (4.0, 3.0)  # deg yaw, pitch scatter about the main gaze
    aversion_p: tuple[float, float] = (0.1, 0.4)  # look-away probability: running, resuming
    aversion_deg: float = 12.0  # distance of a look-away target
    drift_deg: float = 0.3  # fixational drift std
    saccade: float = 0.04  # s


def blink_times(p: Prosody, rng: np.random.Generator, rate_per_min: float,
                config: BlinkConfig = BlinkConfig()) -> np.ndarray:
    """Frame indices of blink peaks (fully closed)."""
    near_pause = ~p.speech
    for a, _ in p.pauses:
        near_pause |= (p.times >= a) & (p.times < a + config.after_pause)
    weight = np.where(near_pause, config.pause_boost, 1.0)
    rate = rate_per_min / 60.0  # blinks per second
    rate /= max(1.0 - rate * config.refractory, 0.1)
    hazard = rate / p.fps * weight / weight.mean()  # per-frame probability
    draws = rng.random(len(p.times))
    peaks, ready = [], 0
    for i in np.flatnonzero(draws < hazard):
        if i >= ready:
            peaks.append(i)
            ready = i + int(round(config.refractory * p.fps))
    return np.asarray(peaks, int)


def blink_track(p: Prosody, rng: np.random.Generator, rate_per_min: float,
                config: BlinkConfig = BlinkConfig()) -> np.ndarray:
    """(T, 2) eyeBlinkLeft, eyeBlinkRight in [0, 1]."""
    out = np.zeros((len(p.times), 2))
    for peak in blink_times(p, rng, rate_per_min, config):
        close, hold, opening = (rng.uniform(*r) for r in (config.close, config.hold,
                                                          config.open))
        shape = blink_shape(p.times - p.times[peak], close, hold, opening)
        depth = rng.uniform(*config.depth) + rng.normal(0, 0.03, 2)  # slight L/R difference
        out = np.maximum(out, shape[:, None] * depth[None, :])
    return np.clip(out, 0.0, 1.0)


def blink_shape(t: np.ndarray, close: float, hold: float, opening: float) -> np.ndarray:
    """Lid closure in [0, 1] at times `t` (s) from a blink's fully closed moment: a fast
    close over `close` s, shut for `hold` s, a slower opening over `opening` s."""
    return np.where(t < 0, smoothstep((t + close) / close),
                    1.0 - smoothstep((t - hold) / opening))


def gaze_track(p: Prosody, rng: np.random.Generator, main: np.ndarray,
               config: GazeConfig = GazeConfig()) -> np.ndarray:
    """(T, 2) gaze yaw, pitch (deg) around the clip's `main` gaze (2,)."""
    t = p.times
    resumes = np.array([b for _, b in p.pauses])
    out = np.zeros((len(t), 2))
    start, previous = 0.0, np.asarray(main, float)
    while start < t[-1] + 1e-9:
        end = start + rng.gamma(2.0, config.fixation / 2.0)
        resuming = bool(resumes.size) and np.abs(resumes - start).min() < 0.5
        if rng.random() < config.aversion_p[int(resuming)]:
            angle = rng.uniform(0, 2 * np.pi)
            target = main + config.aversion_deg * np.array([np.cos(angle), np.sin(angle)])
        else:
            target = main + rng.normal(0, config.spread)
        ramp = smoothstep((t - start) / config.saccade)[:, None]
        inside = (t >= start) & (t < end)
        out[inside] = (previous + (target - previous) * ramp)[inside]
        start, previous = end, target
    return out + config.drift_deg * smooth_noise(rng, len(t), p.fps, 0.5, 2)
