"""The canonical face: a neutral, frontal, left-right symmetric 478-point shape.

MediaPipe 0.10.21's wheel no longer carries its canonical face model, so we derive ours
once from MediaPipe's own landmarks on the built-in public-domain portrait (Grace Hopper)
and ship the result (`canonical.npz`, 478 x 3 floats). `python -m vasa_core.face.canonical`
rebuilds it.

Canonical frame: image axes (x right, y down, z away from the camera); unit = face width
(distance between the outline points 234 and 454); origin at the head's rotation centre,
approximated as midway between the ears, a little behind the cheek outline. Pose
rotations therefore pivot the head as a neck would, not about the nose.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from . import topology as T

DATA = Path(__file__).with_name("canonical.npz")


def frontalise(points: np.ndarray) -> np.ndarray:
    """Express (478, 3) detected points in the canonical frame (rotation from anatomy)."""
    p = points.astype(np.float64)
    x = p[T.CHEEK_LEFT] - p[T.CHEEK_RIGHT]
    width = np.linalg.norm(x)
    x /= width
    y = p[T.CHIN] - p[T.FOREHEAD]
    y -= x * (x @ y)
    y /= np.linalg.norm(y)
    z = np.cross(x, y)
    rot = np.stack([x, y, z])  # rows: canonical axes in image coordinates
    q = (p - p[[T.CHEEK_LEFT, T.CHEEK_RIGHT]].mean(0)) @ rot.T / width
    q[:, 2] -= 0.1  # pivot a little behind the cheek outline, towards the head's centre
    q[:, 0] -= q[:, 0].mean()
    return q


def mirror_permutation(points: np.ndarray) -> np.ndarray:
    """(478,) index of each point's left-right mirror partner (midline points: themselves)."""
    flipped = points * np.array([-1.0, 1.0, 1.0])
    cost = np.linalg.norm(points[:, None, :2] - flipped[None, :, :2], axis=-1)
    rows, cols = linear_sum_assignment(cost)
    perm = np.empty(len(points), np.int64)
    perm[rows] = cols
    return perm


def symmetrise(points: np.ndarray, perm: np.ndarray) -> np.ndarray:
    return 0.5 * (points + points[perm] * np.array([-1.0, 1.0, 1.0]))


def build() -> dict[str, np.ndarray]:
    from ..io.media import load_image
    from ..io.examples import example_portrait_path
    from .detector import FaceDetector

    det = FaceDetector().detect(load_image(example_portrait_path()))
    q = frontalise(det.landmarks)
    perm = mirror_permutation(q)
    return {"points": symmetrise(q, perm).astype(np.float32), "mirror": perm}


@lru_cache(maxsize=1)
def canonical() -> tuple[np.ndarray, np.ndarray]:
    """(points (478, 3) float32, mirror permutation (478,) int64)."""
    with np.load(DATA) as data:
        return data["points"], data["mirror"]


if __name__ == "__main__":
    arrays = build()
    np.savez(DATA, **arrays)
    print(f"wrote {DATA}: {arrays['points'].shape}")
