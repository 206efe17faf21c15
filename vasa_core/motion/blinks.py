"""Blinks on top of the generated motion: a seeded, causal blink process.

Why. Sampled in few steps, the motion generator rarely commits to a blink: blinks are
rare, sharp events, and few-step samplers average them away (more steps blink more, at a
proportional cost; docs/experiments.md, "Blinks"). So,
as SadTalker does with its blink control, the pipeline adds blinks at a rate the user
sets, shaped like the teacher's (teacher/eyes.py: closing, hold, opening, depth). The
model's own blinks are kept and count: a frame whose eyeBlink passes BLINK_SEEN restarts
the process as an added blink would.

A renewal process, not a Poisson one. A viewer notices a ten-second stretch without a
blink, and a Poisson process at a conversational rate leaves such stretches often. So
the time between blinks is Weibull with shape SHAPE and the mean interval the rate gives,
irregular enough not to tick. A clip starts a seeded uniform fraction of an interval after
the last blink (it starts mid-conversation).

Kept to its rate. A renewal process drifts: its count after t seconds wanders around
rate * t by more with every interval, so a 4-7 s clip often showed one blink or three
instead of two (a rate of 8.6 or 26 per minute at 15). The process keeps a count of the
blinks it owes, LEAD + rate * (time on the pause-weighted clock below) minus the blinks so
far (the model's own included), and its clock runs exp(GAIN * owed) times faster: behind,
the next blink comes sooner; ahead, later (owed on the wall clock, it pulled blinks out
of pauses). LEAD is owed from the start, so a clip's first blink tends to come in its first
interval, and a short clip shows its share (tests/test_blinks.py; the figures in
docs/experiments.md).

Pauses. The clock also goes `pause_boost` times faster where the audio is QUIET_BELS below
the running speech level (features.LEVEL) than in speech, over the mean boost of the frames
heard so far (PAUSE_SHARE quiet assumed for the first PAUSE_PRIOR seconds): blinks gather in
pauses and phrase ends, as in conversation, and a voice that never pauses keeps the rate
too. No blink starts within the teacher's refractory dead time of the last.

Causal and chunk-invariant: frame f draws from its own generator rng([seed, f, SALT]),
and the state (the clock's age, the blinks, quiet frames and paced time so far, when the
next blink may start, blinks still under way) carries over from chunk to chunk, so a
stream gets the same blinks as the whole clip.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..grid import FPS
from ..audio.features import LEVEL
from ..teacher.eyes import BlinkConfig, blink_shape
from ..latent import MOTION_INDEX
from ..settings import check

BLINK_SEEN = 0.5  # a generated eyeBlink above this is the model's own blink
QUIET_BELS = -2.0  # audio level (bels below the running speech level) counted as a pause
PAUSE_SHARE = 0.2  # share of quiet frames a clip is assumed to have before it is heard
PAUSE_PRIOR = 5.0  # s, the weight of that assumption against the quiet frames heard
LEAD = 0.3  # blinks owed at a clip's start
GAIN = 1.0  # the clock runs exp(GAIN * blinks owed) times faster
SALT = 0xB1  # keeps these draws apart from the sampler's noise seeds
SHAPE = 3.0  # Weibull shape of the intervals between blinks (CV 0.36; ~0.3 kept to the rate)
_EYES = [MOTION_INDEX["eyeBlinkLeft"], MOTION_INDEX["eyeBlinkRight"]]


def check_rate(rate_per_min: float) -> float:
    """The rate as a float; ValueError unless it fits the blink_rate control
    (`settings.Settings`: a number in [0, MAX_BLINK_RATE])."""
    check("blink_rate", rate_per_min)
    return float(rate_per_min)


@dataclass(frozen=True)
class _Blink:
    peak: float  # s, the fully closed moment
    close: float  # s
    hold: float  # s
    opening: float  # s
    depth: np.ndarray  # (2,) closure of the left and right lid

    def lids(self, t: float) -> np.ndarray:
        """(2,) closure at time t (s)."""
        closure = blink_shape(np.array(t - self.peak), self.close, self.hold, self.opening)
        return closure * self.depth

    def over(self, t: float) -> bool:
        return t - self.peak > self.hold + self.opening


class BlinkProcess:
    """Adds blinks to consecutive motion chunks (see the module docstring).

    rate_per_min: target blinks per minute, the model's own included (0: add none).
    seed: the clip's seed. Call with each chunk in order: motion (n, D) in the model's
    frame and its audio features (n, F); returns a copy with the eyeBlink dims raised.
    """

    def __init__(self, rate_per_min: float, seed: int, fps: float = FPS,
                 config: BlinkConfig = BlinkConfig()) -> None:
        self.rate, self.seed, self.fps, self.config = check_rate(rate_per_min), seed, fps, config
        self.dead = int(round(config.refractory * fps))  # frames
        mean = 60.0 / self.rate if self.rate > 0 else math.inf  # s between blinks
        self.scale = mean / math.gamma(1.0 + 1.0 / SHAPE)  # Weibull scale, clock s
        self.quiet_heard = PAUSE_SHARE * PAUSE_PRIOR * fps  # quiet frames, the prior's included
        self.age = 0.0  # clock s since the last blink; a clip starts mid-interval:
        if self.rate > 0:
            self.age = float(np.random.default_rng([seed, SALT]).random()) * mean
        self.count, self.seen = 0, False  # blinks so far; the model's own under way
        self.paced = 0.0  # s, the pause-weighted time so far (the clock without the debt)
        self.frame, self.ready = 0, 0  # next clip frame; first frame a blink may start
        self.blinks: list[_Blink] = []

    def __call__(self, motion: np.ndarray, audio: np.ndarray) -> np.ndarray:
        out = np.array(motion, dtype=np.float32, copy=True)
        if len(out) != len(audio):
            raise ValueError(f"motion has {len(out)} frames but audio {len(audio)}")
        quiet = np.asarray(audio)[:, LEVEL] < QUIET_BELS
        for i in range(len(out) if self.rate > 0 else 0):
            f, t = self.frame + i, (self.frame + i) / self.fps
            step = self._advance(bool(quiet[i]), f)
            seen, self.seen = self.seen, out[i, _EYES].mean() > BLINK_SEEN
            if self.seen:
                self.count += not seen
                self.ready, self.age = max(self.ready, f + self.dead), 0.0
            elif f >= self.ready and (rng := self._rng(f)).random() < self._chance(step):
                self._start(f, rng)
            else:
                self.age += step
            for blink in self.blinks:
                out[i, _EYES] = np.maximum(out[i, _EYES], blink.lids(t))
            self.blinks = [b for b in self.blinks if not b.over(t)]
        self.frame += len(out)
        return out

    def _advance(self, quiet: bool, f: int) -> float:
        """Count frame f as heard and return its clock seconds (module docstring):
        `pause_boost` times more in a pause, over the mean boost of the frames heard so
        far, times exp(GAIN * owed)."""
        boost = self.config.pause_boost
        self.quiet_heard += quiet
        share = self.quiet_heard / (PAUSE_PRIOR * self.fps + f + 1)
        pace = (boost if quiet else 1.0) / (1.0 + (boost - 1.0) * share) / self.fps
        self.paced += pace
        owed = LEAD + self.rate / 60.0 * self.paced - self.count
        return pace * math.exp(GAIN * owed)

    def _chance(self, step: float) -> float:
        """Probability that a blink starts within the next `step` clock seconds, given
        none for `age`: 1 - exp(-(H(age + step) - H(age))), H(a) = (a / scale)^SHAPE."""
        h = lambda a: (a / self.scale) ** SHAPE  # noqa: E731
        return 1.0 - math.exp(h(self.age) - h(self.age + step))

    def _rng(self, f: int) -> np.random.Generator:
        """Frame f's own generator: its draws do not depend on how the clip was chunked."""
        return np.random.default_rng([self.seed, f, SALT])

    def _start(self, f: int, rng: np.random.Generator) -> None:
        """A blink starts closing at frame f, its shape drawn from frame f's `rng`."""
        c = self.config
        close, hold, opening = (float(rng.uniform(*r)) for r in (c.close, c.hold, c.open))
        depth = np.clip(rng.uniform(*c.depth) + rng.normal(0, 0.03, 2), 0.0, 1.0)
        self.blinks.append(_Blink(f / self.fps + close, close, hold, opening, depth))
        self.ready, self.age = f + self.dead, 0.0
        self.count += 1
