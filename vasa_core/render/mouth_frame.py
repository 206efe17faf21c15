"""The mouth's own frame, in which mouth.py paints the interior and own_teeth.py carries
the photo's teeth: u along the line between the mouth's corners (px from their midpoint),
v across it, pointing down the face. Anchors to the skull or the jaw are read in it."""
from __future__ import annotations

import numpy as np


def mouth_box(points: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) integer px around `points` (K, 2) with a 2-3 px margin (room for
    anti-aliased edges), clipped to an image of `shape` (H, W, ...)."""
    x0, y0 = np.floor(points.min(0)).astype(int) - 2
    x1, y1 = np.ceil(points.max(0)).astype(int) + 3
    return max(x0, 0), max(y0, 0), min(x1, shape[1]), min(y1, shape[0])


class MouthFrame:
    """The frame of a face's landmarks `points` (478, 2) px (the module doc)."""

    def __init__(self, points: np.ndarray):
        right, left = points[78], points[308]
        self.axis = (left - right) / max(np.linalg.norm(left - right), 1e-6)
        self.normal = np.array([-self.axis[1], self.axis[0]])
        self.origin = (right + left) / 2
        self.half = max(np.linalg.norm(left - right) / 2, 1.0)

    def uv(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rel = xy - self.origin
        return rel @ self.axis, rel @ self.normal

    def v(self, xy: np.ndarray):
        return (np.asarray(xy) - self.origin) @ self.normal

    def curve(self, points: np.ndarray, idx, u: np.ndarray) -> np.ndarray:
        """v of the contour `idx` of `points` at each u (linear between landmarks)."""
        pu, pv = self.uv(points[list(idx)])
        order = np.argsort(pu)
        return np.interp(u, pu[order], pv[order])
