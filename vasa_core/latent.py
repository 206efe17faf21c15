"""The latent contract: what a face is made of and how it moves.

VASA-1 (Xu et al. 2024, Sec. 3.1) factors a face into appearance, identity, head pose and
facial dynamics. Our factors are explicit (docs/design.md, "The one deliberate departure"):

    appearance  the portrait itself, its person mask and an inpainted background plate
    identity    the neutral 3-D face shape in the canonical frame (478 MediaPipe points)
    head pose   yaw, pitch, roll (degrees), x, y (frame units), log-scale
    dynamics    ARKit-named expression coefficients in [0, 1] and two gaze angles (degrees)

Every other module imports the names and units from here. A motion is *absolute*: the
renderer animates the difference between a motion and the portrait's own (`pose0`,
`dynamics0`), so a smiling or open-mouthed portrait is handled.

Axis conventions (image frame: x right, y down, z away from the camera):
    yaw   > 0  the face turns towards the image's right edge
    pitch > 0  the face tilts up (chin up)
    roll  > 0  the head tilts clockwise as seen in the image
    x, y       head centre relative to the frame centre, in units of the frame's short side
    log_scale  log(face width / frame short side); larger = nearer the camera
    gaze_yaw > 0 the eyes look towards the image's right; gaze_pitch > 0 they look up
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .grid import FPS

POSE_NAMES: tuple[str, ...] = ("yaw", "pitch", "roll", "x", "y", "log_scale")
POSE_UNITS: dict[str, str] = {
    "yaw": "deg", "pitch": "deg", "roll": "deg",
    "x": "frame short sides", "y": "frame short sides", "log_scale": "log(face width / short side)",
}

# ARKit blendshape names (subject's Left/Right), the subset our basis builds. Enough for
# speech visemes (jaw, lips, funnel/pucker, press, roll), emotions (smile, frown, brows,
# sneer, squint, wide) and blinks. Values are in [0, 1].
EXPRESSION_NAMES: tuple[str, ...] = (
    "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthPressLeft", "mouthPressRight",
    "mouthRollLower", "mouthRollUpper",
    "mouthUpperUpLeft", "mouthUpperUpRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "browInnerUp", "browDownLeft", "browDownRight", "browOuterUpLeft", "browOuterUpRight",
    "eyeBlinkLeft", "eyeBlinkRight", "eyeSquintLeft", "eyeSquintRight",
    "eyeWideLeft", "eyeWideRight", "cheekPuff", "noseSneerLeft", "noseSneerRight",
)
GAZE_NAMES: tuple[str, ...] = ("gaze_yaw", "gaze_pitch")

# Two kinds of expression coefficient. The speech ARTICULATORS are absolute: a sentence
# opens and closes the mouth whatever the photo's mouth does, and silence must close an
# open-mouthed portrait's lips. Everything else (brows, lids, smile, sneer, ...) is
# RELATIVE to the portrait: read off one photo, it cannot be told apart from the person's
# build (low brows, narrow eyes, a wide mouth), so a portrait's rest state is 0 on these
# (face/analyze.py folds the photo's reading into its identity) and a command moves them
# from there over the whole [0, 1] range.
ARTICULATION: tuple[str, ...] = (
    "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker",
    "mouthStretchLeft", "mouthStretchRight", "mouthPressLeft", "mouthPressRight",
    "mouthRollLower", "mouthRollUpper",
    "mouthUpperUpLeft", "mouthUpperUpRight", "mouthLowerDownLeft", "mouthLowerDownRight",
)
BLINKS: tuple[str, ...] = ("eyeBlinkLeft", "eyeBlinkRight")
AFFECT: tuple[str, ...] = tuple(n for n in EXPRESSION_NAMES if n not in ARTICULATION + BLINKS)
RELATIVE: tuple[str, ...] = AFFECT + BLINKS

MOTION_NAMES: tuple[str, ...] = POSE_NAMES + EXPRESSION_NAMES + GAZE_NAMES
MOTION_INDEX: dict[str, int] = {n: i for i, n in enumerate(MOTION_NAMES)}
POSE_SLICE = slice(0, len(POSE_NAMES))
EXPRESSION_SLICE = slice(POSE_SLICE.stop, POSE_SLICE.stop + len(EXPRESSION_NAMES))
GAZE_SLICE = slice(EXPRESSION_SLICE.stop, EXPRESSION_SLICE.stop + len(GAZE_NAMES))
MOTION_DIM = len(MOTION_NAMES)


def motion_mask(names: tuple[str, ...]) -> np.ndarray:
    """(D,) bool over MOTION_NAMES, True at `names` (a group such as ARTICULATION)."""
    mask = np.zeros(MOTION_DIM, bool)
    mask[[MOTION_INDEX[n] for n in names]] = True
    return mask

UNITS: dict[str, str] = {**POSE_UNITS, **{n: "[0, 1]" for n in EXPRESSION_NAMES},
                         **{n: "deg" for n in GAZE_NAMES}}

NUM_LANDMARKS = 478  # MediaPipe face mesh (468) + iris (2 x 5)


@dataclass(frozen=True)
class Pose:
    """One head pose. Angles in degrees; see the module docstring for axes."""

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    x: float = 0.0
    y: float = 0.0
    log_scale: float = 0.0

    def to_array(self) -> np.ndarray:
        """(6,) float32 in POSE_NAMES order."""
        return np.array([getattr(self, n) for n in POSE_NAMES], dtype=np.float32)

    @classmethod
    def from_array(cls, values: np.ndarray) -> "Pose":
        return cls(**{n: float(v) for n, v in zip(POSE_NAMES, np.asarray(values).ravel())})


def rotation_matrix(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) from angles in degrees, R = Rz(roll) Ry(yaw) Rx(pitch).

    Acts on column vectors in the image frame (x right, y down, z away from the camera), so
    a canonical face looking at the camera (nose at negative z) turns right for yaw > 0.
    """
    y, p, r = (np.deg2rad(np.asarray(a, dtype=np.float64)) for a in (yaw, pitch, roll))
    cy, sy, cp, sp, cr, sr = np.cos(y), np.sin(y), np.cos(p), np.sin(p), np.cos(r), np.sin(r)
    one, zero = np.ones_like(cy), np.zeros_like(cy)
    # Ry: yaw > 0 moves the nose (0, 0, -1) towards +x.
    ry = np.stack([np.stack([cy, zero, -sy], -1), np.stack([zero, one, zero], -1),
                   np.stack([sy, zero, cy], -1)], -2)
    # Rx: pitch > 0 lifts the nose (towards -y, since y points down).
    rx = np.stack([np.stack([one, zero, zero], -1), np.stack([zero, cp, sp], -1),
                   np.stack([zero, -sp, cp], -1)], -2)
    rz = np.stack([np.stack([cr, -sr, zero], -1), np.stack([sr, cr, zero], -1),
                   np.stack([zero, zero, one], -1)], -2)
    return rz @ ry @ rx


def angles_from_matrix(rot: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of `rotation_matrix`: (yaw, pitch, roll) in degrees from (..., 3, 3)."""
    rot = np.asarray(rot, dtype=np.float64)
    # R = Rz Ry Rx  =>  R[2,0] = sy, R[2,1] = -cy*sp, R[2,2] = cy*cp, R[1,0] = sr*cy, R[0,0] = cr*cy
    yaw = np.arcsin(np.clip(rot[..., 2, 0], -1.0, 1.0))
    pitch = np.arctan2(-rot[..., 2, 1], rot[..., 2, 2])
    roll = np.arctan2(rot[..., 1, 0], rot[..., 0, 0])
    return np.rad2deg(yaw), np.rad2deg(pitch), np.rad2deg(roll)


@dataclass
class Motion:
    """A motion sequence: (T, MOTION_DIM) float32 in MOTION_NAMES order, at `fps`."""

    values: np.ndarray
    fps: float = FPS

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float32)
        if self.values.ndim == 1:
            self.values = self.values[None]
        if self.values.ndim != 2 or self.values.shape[1] != MOTION_DIM:
            raise ValueError(f"Motion needs shape (T, {MOTION_DIM}), got {self.values.shape}")
        if not np.all(np.isfinite(self.values)):
            raise ValueError("Motion contains NaN or infinite values")

    def __len__(self) -> int:
        return self.values.shape[0]

    def __getitem__(self, key):
        """motion["jawOpen"] -> (T,) view; motion[a:b] -> Motion of those frames."""
        if isinstance(key, str):
            return self.values[:, MOTION_INDEX[key]]
        return Motion(self.values[key], self.fps)

    def set(self, name: str, values) -> "Motion":
        """A copy with one named dimension replaced (scalar or (T,))."""
        out = self.values.copy()
        out[:, MOTION_INDEX[name]] = values
        return Motion(out, self.fps)

    @property
    def pose(self) -> np.ndarray:
        """(T, 6) in POSE_NAMES order."""
        return self.values[:, POSE_SLICE]

    @property
    def expression(self) -> np.ndarray:
        """(T, K) in EXPRESSION_NAMES order, each in [0, 1]."""
        return self.values[:, EXPRESSION_SLICE]

    @property
    def gaze(self) -> np.ndarray:
        """(T, 2): gaze yaw, pitch in degrees."""
        return self.values[:, GAZE_SLICE]

    @property
    def duration(self) -> float:
        return len(self) / self.fps

    @classmethod
    def from_parts(cls, pose: np.ndarray, expression: np.ndarray, gaze: np.ndarray,
                   fps: float = FPS) -> "Motion":
        pose, expression, gaze = (np.atleast_2d(np.asarray(a, np.float32))
                                  for a in (pose, expression, gaze))
        return cls(np.concatenate([pose, np.clip(expression, 0.0, 1.0), gaze], axis=1), fps)

    def repeat(self, frames: int) -> "Motion":
        """A still motion: the first frame held for `frames` frames."""
        return Motion(np.repeat(self.values[:1], frames, axis=0), self.fps)

    @staticmethod
    def concat(parts: list["Motion"]) -> "Motion":
        return Motion(np.concatenate([p.values for p in parts]), parts[0].fps)

    def control_labels(self) -> tuple[tuple[float, float], float]:
        """VASA-1's control labels of a clip (Sec. 3.2): main gaze = its mean gaze (yaw,
        pitch) in degrees, head distance = its mean log_scale."""
        gaze = self.values[:, GAZE_SLICE].astype(np.float64).mean(axis=0)
        distance = self.values[:, MOTION_INDEX["log_scale"]].astype(np.float64).mean()
        return (float(gaze[0]), float(gaze[1])), float(distance)


@dataclass
class FaceLatent:
    """Everything the renderer needs to animate one portrait.

    Appearance: `image` (H, W, 3) uint8 at full resolution, `mask` (H, W) float32 person
    alpha, `background` (H, W, 3) uint8 plate with the person inpainted away.
    Identity: `identity` (478, 3) float32, the neutral shape in canonical units.
    The portrait's own motion: `pose0`, `expression0` (K,), `gaze0` (2,).
    `landmarks` (478, 3) float32 are the detected points in image pixels (z in pixels,
    larger = further), `scale_px` the projection scale in pixels per canonical unit.
    """

    image: np.ndarray
    mask: np.ndarray
    background: np.ndarray
    identity: np.ndarray
    pose0: Pose
    expression0: np.ndarray
    gaze0: np.ndarray
    landmarks: np.ndarray
    scale_px: float
    face_box: tuple[int, int, int, int] = field(default=(0, 0, 0, 0))  # x0, y0, x1, y1

    @property
    def size(self) -> tuple[int, int]:
        """(H, W) of the portrait."""
        return self.image.shape[0], self.image.shape[1]

    def motion0(self, frames: int = 1, fps: float = FPS) -> Motion:
        """The portrait's own motion held still for `frames` frames."""
        return Motion.from_parts(self.pose0.to_array(), self.expression0, self.gaze0,
                                 fps).repeat(frames)
