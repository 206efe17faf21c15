"""Retargeting: the motion generator's output, moved onto one portrait.

The generator (`vasa_core.motion`) produces *absolute* motion in the frame of its training
data: head poses around the data's mean pose (`motion_mean`), gaze around the data's mean
gaze. A portrait has its own pose, expression and gaze (`FaceLatent.pose0`, ...), and the
renderer animates the difference between a motion and those. So we pick one *reference*
point r in the model's frame that stands for "the portrait at rest", and map a generated
frame g onto the portrait, group by group:

    pose         own + offset + (g - r) * head_motion
                 r = the model's mean pose, its log_scale shifted by the commanded distance
                 (`offset`: zero but for log_scale = distance); the pose is moved by the
                 part of it the renderer's camera does not show (`render.camera`: the head
                 takes a little more than the picture). head_motion = 0 keeps the
                 portrait's own pose (but for that), 1 the generated swing.
    articulation g, absolute (jaw, lips, funnel/pucker, press, roll, ...): speech is not
                 relative to the photo. Silence must close an open-mouthed portrait's mouth.
                 The jaw's 0..1 is laid onto lips_meet..1, lips_meet the jawOpen at which
                 this face's lips meet (`render.geometry.lips_meet`; 0 if they part at a
                 closed jaw): a photo of pressed lips is fitted with its jaw partly open,
                 and its lips would stay shut through the small openings of speech.
    affect       own + (g - r), clipped to [0, 1] (smile, frown, brows, squint, sneer, ...).
                 A portrait's own is 0 on these (latent.RELATIVE: its reading is part of
                 its identity), so the photo's face is the rest state and the model's brow
                 raises and smiles come on top of it. With an emotion commanded, the
                 generated values are used as they are (g, not g - r): the emotion's full
                 offsets on top of the photo. A smiling photo asked to look sad frowns
                 over its smile; one photo cannot tell a smile from a wide mouth.
    blinks       own + (g - r), clipped; own is 0 too: the photo's lids are open, 1 shuts
                 them (the renderer scales the closure to this person's eye opening).
    gaze         commanded gaze given: g (the model was conditioned on it, so its gaze
                 already sits around the command); otherwise own + (g - r), r = the model's
                 mean gaze, so the portrait keeps looking where it looks, with saccades.

r is also the first window's motion history (`init_motion`), so the clip starts from the
portrait's rest state as the model sees it; but for the mouth, which the sampler settles to
the clip's first audio frame (`motion.windows._settle_mouth`). Every step is per frame and
causal, so streaming retargets each chunk as it comes, with the same result as offline.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..grid import FPS
from ..latent import (AFFECT, ARTICULATION, EXPRESSION_SLICE, GAZE_SLICE, MOTION_DIM,
                     MOTION_INDEX, POSE_SLICE, Motion, motion_mask)


@dataclass(frozen=True)
class Retarget:
    """How generated frames become the portrait's frames (module docstring).

    own (D,): the portrait's motion. mean (D,): the model's `motion_mean`. gaze: the
    commanded gaze (yaw, pitch) in degrees or None. distance: the commanded log-scale
    offset or None. emotion: whether an emotion was commanded. head_motion: pose scale.
    camera: the part of the distance (log units) that the renderer shows as a camera zoom
    (`render.camera.camera_log_zoom`), left out of the head's own log_scale. lips_meet:
    the portrait's jawOpen where its lips meet, in [0, 1) (module docstring).
    """

    own: np.ndarray
    mean: np.ndarray
    gaze: tuple[float, float] | None = None
    distance: float | None = None
    emotion: bool = False
    head_motion: float = 1.0
    camera: float = 0.0
    lips_meet: float = 0.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.head_motion) and self.head_motion >= 0):
            raise ValueError(f"head_motion must be a finite number >= 0, got {self.head_motion}")
        if not 0.0 <= self.lips_meet < 1.0:
            raise ValueError(f"lips_meet must be in [0, 1), got {self.lips_meet}")

    @property
    def offset(self) -> np.ndarray:
        """(D,) the commanded shift of the pose: log_scale += distance."""
        offset = np.zeros(MOTION_DIM, np.float32)
        offset[MOTION_INDEX["log_scale"]] = self.distance or 0.0
        return offset

    @property
    def reference(self) -> np.ndarray:
        """(D,) float32, the model-frame point that maps onto the portrait's own motion."""
        ref = np.asarray(self.mean, np.float32) + self.offset
        if self.gaze is not None:
            ref[GAZE_SLICE] = self.gaze
        return ref

    def __call__(self, generated: np.ndarray, fps: float = FPS) -> Motion:
        """Generated motion (T, D) in the model's frame -> the portrait's Motion (T, D)."""
        g, own = np.asarray(generated, np.float32), np.asarray(self.own, np.float32)
        delta = g - self.reference  # (T, D)
        out = own + delta
        shift = self.offset
        shift[MOTION_INDEX["log_scale"]] -= self.camera
        out[:, POSE_SLICE] = (own[POSE_SLICE] + shift[POSE_SLICE]
                              + delta[:, POSE_SLICE] * self.head_motion)
        absolute = motion_mask(ARTICULATION + (AFFECT if self.emotion else ()))
        if self.gaze is not None:
            absolute[GAZE_SLICE] = True
        out[:, absolute] = g[:, absolute]
        jaw = MOTION_INDEX["jawOpen"]
        out[:, jaw] = self.lips_meet + g[:, jaw] * (1.0 - self.lips_meet)
        out[:, EXPRESSION_SLICE] = out[:, EXPRESSION_SLICE].clip(0.0, 1.0)
        return Motion(out, fps)
