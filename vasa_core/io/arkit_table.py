"""The ARKit column layout and the Motion <-> column arrays mapping behind arkit.py.

See arkit.py's docstring for the sign conventions and the eyeLook* rule.
"""
from __future__ import annotations

import numpy as np

from ..latent import EXPRESSION_NAMES, MOTION_DIM, MOTION_INDEX, Motion

# Apple's 52 ARKit blendshapes in Live Link Face column order (capitalised names).
ARKIT_BLENDSHAPES: tuple[str, ...] = (
    "EyeBlinkLeft", "EyeLookDownLeft", "EyeLookInLeft", "EyeLookOutLeft", "EyeLookUpLeft",
    "EyeSquintLeft", "EyeWideLeft",
    "EyeBlinkRight", "EyeLookDownRight", "EyeLookInRight", "EyeLookOutRight", "EyeLookUpRight",
    "EyeSquintRight", "EyeWideRight",
    "JawForward", "JawRight", "JawLeft", "JawOpen",
    "MouthClose", "MouthFunnel", "MouthPucker", "MouthRight", "MouthLeft",
    "MouthSmileLeft", "MouthSmileRight", "MouthFrownLeft", "MouthFrownRight",
    "MouthDimpleLeft", "MouthDimpleRight", "MouthStretchLeft", "MouthStretchRight",
    "MouthRollLower", "MouthRollUpper", "MouthShrugLower", "MouthShrugUpper",
    "MouthPressLeft", "MouthPressRight", "MouthLowerDownLeft", "MouthLowerDownRight",
    "MouthUpperUpLeft", "MouthUpperUpRight",
    "BrowDownLeft", "BrowDownRight", "BrowInnerUp", "BrowOuterUpLeft", "BrowOuterUpRight",
    "CheekPuff", "CheekSquintLeft", "CheekSquintRight", "NoseSneerLeft", "NoseSneerRight",
    "TongueOut",
)
ANGLE_COLUMNS: tuple[str, ...] = (
    "HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
    "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)
EXTRA_COLUMNS: tuple[str, ...] = ("HeadX", "HeadY", "HeadLogScale")
VALUE_COLUMNS: tuple[str, ...] = ARKIT_BLENDSHAPES + ANGLE_COLUMNS + EXTRA_COLUMNS
COLUMNS: tuple[str, ...] = ("Timecode", "BlendShapeCount") + VALUE_COLUMNS
BLENDSHAPE_COUNT = len(ARKIT_BLENDSHAPES) + len(ANGLE_COLUMNS)  # 61, as Live Link Face says

LOOK_FULL_DEG = 30.0  # gaze angle at which an eyeLook* blendshape reaches 1

# Ours -> ARKit column: jawOpen -> JawOpen, mouthSmileLeft -> MouthSmileLeft, ...
EXPRESSION_COLUMNS: dict[str, str] = {n: n[0].upper() + n[1:] for n in EXPRESSION_NAMES}
# The three pose dims that only our extra columns carry.
_EXTRAS = dict(zip(EXTRA_COLUMNS, ("x", "y", "log_scale")))
# (column, sign): ARKit angle = sign * radians(ours); see arkit.py for why.
_ANGLES = {"HeadYaw": ("yaw", 1.0), "HeadPitch": ("pitch", -1.0), "HeadRoll": ("roll", -1.0)}


def motion_to_columns(motion: Motion) -> np.ndarray:
    """(T, len(VALUE_COLUMNS)) float64 cell values in VALUE_COLUMNS order."""
    col = {name: i for i, name in enumerate(VALUE_COLUMNS)}
    out = np.zeros((len(motion), len(VALUE_COLUMNS)), dtype=np.float64)
    for ours, theirs in EXPRESSION_COLUMNS.items():
        out[:, col[theirs]] = motion[ours]
    for theirs, (ours, sign) in _ANGLES.items():
        out[:, col[theirs]] = sign * np.deg2rad(motion[ours].astype(np.float64))
    for theirs, ours in _EXTRAS.items():
        out[:, col[theirs]] = motion[ours]
    gaze_yaw, gaze_pitch = (motion[n].astype(np.float64) for n in ("gaze_yaw", "gaze_pitch"))
    for eye in ("Left", "Right"):
        out[:, col[f"{eye}EyeYaw"]] = np.deg2rad(gaze_yaw)
        out[:, col[f"{eye}EyePitch"]] = -np.deg2rad(gaze_pitch)
    for name, values in _look_blendshapes(gaze_yaw, gaze_pitch).items():
        out[:, col[name]] = values
    return out


def _look_blendshapes(gaze_yaw: np.ndarray, gaze_pitch: np.ndarray) -> dict[str, np.ndarray]:
    """The eight eyeLook* values (T,) from gaze angles in degrees."""
    yaw = np.clip(np.abs(gaze_yaw) / LOOK_FULL_DEG, 0.0, 1.0)
    pitch = np.clip(np.abs(gaze_pitch) / LOOK_FULL_DEG, 0.0, 1.0)
    right, left = np.where(gaze_yaw > 0, yaw, 0.0), np.where(gaze_yaw < 0, yaw, 0.0)
    up, down = np.where(gaze_pitch > 0, pitch, 0.0), np.where(gaze_pitch < 0, pitch, 0.0)
    # Looking towards the image's right is the subject's left: out for the left eye, in
    # for the right eye.
    return {"EyeLookOutLeft": right, "EyeLookInRight": right,
            "EyeLookInLeft": left, "EyeLookOutRight": left,
            "EyeLookUpLeft": up, "EyeLookUpRight": up,
            "EyeLookDownLeft": down, "EyeLookDownRight": down}


def motion_from_columns(columns: dict[str, np.ndarray], frames: int, fps: float) -> Motion:
    """Motion from {lower-cased column name: (T,) values}; absent columns read as 0."""
    zeros = np.zeros(frames, dtype=np.float64)

    def get(name: str) -> np.ndarray:
        return columns.get(name.lower(), zeros)

    values = np.zeros((frames, MOTION_DIM), dtype=np.float64)
    for ours, theirs in EXPRESSION_COLUMNS.items():
        values[:, MOTION_INDEX[ours]] = get(theirs)
    for theirs, (ours, sign) in _ANGLES.items():
        values[:, MOTION_INDEX[ours]] = sign * np.rad2deg(get(theirs))
    for theirs, ours in _EXTRAS.items():
        values[:, MOTION_INDEX[ours]] = get(theirs)
    gaze = _gaze_from_columns(columns, get, zeros)
    values[:, MOTION_INDEX["gaze_yaw"]], values[:, MOTION_INDEX["gaze_pitch"]] = gaze
    return Motion(values, fps)


def _gaze_from_columns(columns, get, zeros) -> tuple[np.ndarray, np.ndarray]:
    """(gaze_yaw, gaze_pitch) in degrees: the mean of the eyes' angles that are present,
    else the eyeLook* blendshapes read back through the 30-degree rule."""
    yaws = [columns[c] for c in ("lefteyeyaw", "righteyeyaw") if c in columns]
    pitches = [columns[c] for c in ("lefteyepitch", "righteyepitch") if c in columns]
    if yaws or pitches:
        yaw = np.rad2deg(np.mean(yaws, axis=0)) if yaws else zeros
        pitch = -np.rad2deg(np.mean(pitches, axis=0)) if pitches else zeros
        return yaw, pitch
    right = (get("EyeLookOutLeft") + get("EyeLookInRight")) / 2
    left = (get("EyeLookInLeft") + get("EyeLookOutRight")) / 2
    up = (get("EyeLookUpLeft") + get("EyeLookUpRight")) / 2
    down = (get("EyeLookDownLeft") + get("EyeLookDownRight")) / 2
    return LOOK_FULL_DEG * (right - left), LOOK_FULL_DEG * (up - down)
