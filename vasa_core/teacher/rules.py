"""The teacher: an utterance with exact phoneme timing -> a plausible talking-face Motion.

No talking-face video corpus is reachable here, so the motion generator learns from motion
written by rules that encode what is known about audio-visual speech:

    mouth   phonemes -> visemes (visemes.py) -> coarticulated, anticipating mouth
            coefficients (coarticulation.py), opened wider for louder speech
    head    prosody (prosody.py: level, F0, pauses, accents, rises) -> sway, nods, chin
            up on rising pitch (head.py)
    brows   raised on strong accents and on phrase-final rises (questions)
    eyes    stochastic blinks, more at pauses; fixations and saccades (eyes.py)
    emotion expression offsets, head posture and motion energy (emotion.py)

Each clip also draws a speaker style (base pose, distance to the camera, main gaze, how
much the head moves and the mouth opens), and its condition labels are read off the
generated motion as VASA-1 does: main gaze = mean gaze, head distance = mean log_scale.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..grid import FPS
from ..latent import EXPRESSION_NAMES, Motion
from ..speech.tts import Utterance
from .coarticulation import CoarticulationConfig, mouth_track
from .emotion import EMOTION_STYLES, emotion_track
from .eyes import BlinkConfig, GazeConfig, blink_track, gaze_track
from .head import HeadConfig, head_motion
from .prosody import Prosody, ProsodyConfig, analyze
from ..speech.signals import envelope, moving_average
from .visemes import MOUTH_NAMES, viseme_segments

_EXPR = {n: i for i, n in enumerate(EXPRESSION_NAMES)}
# Valid ranges of the pose and gaze dimensions (expression coefficients are [0, 1]).
POSE_LIMITS = np.array([[-45, 45], [-30, 30], [-30, 30], [-0.5, 0.5], [-0.5, 0.5],
                        [-3.0, 0.5]], np.float32)
GAZE_LIMIT_DEG = 30.0


@dataclass(frozen=True)
class TeacherConfig:
    fps: float = FPS
    coarticulation: CoarticulationConfig = CoarticulationConfig()
    prosody: ProsodyConfig = ProsodyConfig()
    head: HeadConfig = HeadConfig()
    blink: BlinkConfig = BlinkConfig()
    gaze: GazeConfig = GazeConfig()
    articulation: tuple[float, float] = (0.8, 1.2)  # per-clip mouth size (speaker style)
    # per-clip head motion scale: livelier than the target, because the student keeps less
    # head energy than its teacher (docs/experiments.md, "Training run")
    energy: tuple[float, float] = (0.75, 1.75)
    loudness_ref_db: float = -24.0  # speech level (dBFS) with the mouth at its nominal size
    loudness_gain: float = 0.025  # relative mouth size change per dB around the reference
    brow_accent: float = 0.35  # browInnerUp/OuterUp at a full-strength accent
    brow_accent_p: float = 0.7  # share of strong accents that raise the brows
    brow_threshold: float = 0.55  # weaker accents do not move the brows
    brow_rise: float = 0.45  # brow raise at a full-strength question rise
    base_pose_std: tuple[float, ...] = (6.0, 4.0, 2.0, 0.03, 0.03)  # yaw..y of the base pose
    distance: tuple[float, float] = (np.log(0.3), np.log(0.55))  # base log_scale range
    main_gaze_std: tuple[float, float] = (8.0, 5.0)  # deg yaw, pitch of the main gaze
    main_gaze_limit: float = 20.0  # deg


@dataclass
class Labels:
    """VASA-1's control signals, read off the generated clip."""

    gaze: tuple[float, float]  # main gaze yaw, pitch (deg): the clip's mean gaze
    distance: float  # head distance: the clip's mean log_scale
    emotion: str | None = "neutral"  # None: not known (real video); trained as dropped
    emotion_strength: float = 0.0

    @classmethod
    def read(cls, motion: Motion, emotion: str | None = "neutral",
             strength: float = 0.0) -> "Labels":
        """The labels VASA-1 reads off a clip (Sec. 3.2): mean gaze and mean log_scale."""
        gaze, distance = motion.control_labels()
        return cls(gaze=gaze, distance=distance, emotion=emotion, emotion_strength=strength)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Style:
    """One clip's speaker style, drawn from the TeacherConfig ranges and the emotion."""

    articulation: float  # mouth size factor
    energy: float  # head motion factor
    blink_rate: float  # per minute
    base_pose: np.ndarray  # (6,) POSE_NAMES order
    main_gaze: np.ndarray  # (2,) deg

    @classmethod
    def draw(cls, rng: np.random.Generator, config: TeacherConfig, emotion: str,
             strength: float) -> "_Style":
        _, energy, pitch_deg, blink = EMOTION_STYLES[emotion].scaled(strength)
        base = np.append(rng.normal(0, config.base_pose_std), rng.uniform(*config.distance))
        base[1] += pitch_deg
        gaze = np.clip(rng.normal(0, config.main_gaze_std), -config.main_gaze_limit,
                       config.main_gaze_limit)
        return cls(rng.uniform(*config.articulation), rng.uniform(*config.energy) * energy,
                   rng.uniform(*config.blink.rate_per_min) * blink, base, gaze)


def _mouth(utt: Utterance, p: Prosody, articulation: float, config: TeacherConfig
           ) -> np.ndarray:
    """(T, M) mouth coefficients (MOUTH_NAMES), scaled by the syllable-level loudness."""
    track = mouth_track(viseme_segments(utt.phonemes), p.times, config.coarticulation)
    level = moving_average(p.level_db, int(config.fps * 0.2))
    gain = np.clip(1 + config.loudness_gain * (level - config.loudness_ref_db), 0.6, 1.4)
    return track * (articulation * gain)[:, None]


def _brows(p: Prosody, rng: np.random.Generator, config: TeacherConfig) -> np.ndarray:
    """(T,) brow raise in [0, 1] from strong accents and phrase-final rises."""
    out = np.zeros(len(p.times))
    for onset, strength in p.accents:
        if strength >= config.brow_threshold and rng.random() < config.brow_accent_p:
            raise_ = config.brow_accent * strength * envelope(p.times, onset, onset + 0.15,
                                                              0.15, 0.35)
            out = np.maximum(out, raise_)
    for end, strength in p.rises:
        out = np.maximum(out, config.brow_rise * strength * envelope(p.times, end - 0.35,
                                                                     end + 0.1, 0.2, 0.4))
    return out


def _expression(utt: Utterance, p: Prosody, rng: np.random.Generator, style: _Style,
                emotion: str, strength: float, config: TeacherConfig) -> np.ndarray:
    """(T, K) expression coefficients (EXPRESSION_NAMES order), not yet clipped."""
    out = np.zeros((len(p.times), len(EXPRESSION_NAMES)))
    out[:, [_EXPR[n] for n in MOUTH_NAMES]] = _mouth(utt, p, style.articulation, config)
    out[:, [_EXPR[n] for n in ("browInnerUp", "browOuterUpLeft", "browOuterUpRight")]] += \
        _brows(p, rng, config)[:, None]
    out[:, [_EXPR["eyeBlinkLeft"], _EXPR["eyeBlinkRight"]]] = blink_track(
        p, rng, style.blink_rate, config.blink)
    return out + emotion_track(emotion, strength, len(p.times), config.fps, rng)


def teach(utt: Utterance, rng: np.random.Generator, emotion: str | None = None,
          strength: float = 1.0, config: TeacherConfig = TeacherConfig()
          ) -> tuple[Motion, Labels]:
    """Motion (ceil(duration * fps) frames at `config.fps`) and its labels for `utt`.

    `emotion` is a key of EMOTION_STYLES (None = neutral), `strength` in [0, 1] its intensity.
    """
    emotion = emotion or "neutral"
    strength = strength if emotion != "neutral" else 0.0
    frames = int(np.ceil(utt.duration * config.fps))
    p = analyze(utt, config.fps, frames, config.prosody)
    style = _Style.draw(rng, config, emotion, strength)
    expression = _expression(utt, p, rng, style, emotion, strength, config)
    pose = head_motion(p, rng, style.base_pose, style.energy, config.head)
    gaze = gaze_track(p, rng, style.main_gaze, config.gaze)
    motion = Motion.from_parts(np.clip(pose, POSE_LIMITS[:, 0], POSE_LIMITS[:, 1]),
                               expression, np.clip(gaze, -GAZE_LIMIT_DEG, GAZE_LIMIT_DEG),
                               config.fps)
    return motion, Labels.read(motion, emotion, float(strength))
