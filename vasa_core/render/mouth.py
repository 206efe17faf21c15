"""Synthesised mouth interior: what a warp cannot show when the lips part further.

Inside the target inner-lip contour we paint, in the mouth's own frame (u along the
corner-to-corner axis, v across it): a dark cavity shaded darker towards its centre, a
tongue low in the mouth, upper teeth hanging from the upper lip and a lower row rising
from the lower lip, with tooth gaps and side shading. Colours are derived from the
portrait (skin and lip tone, brightness) so the interior matches its lighting and white
balance. It fades in with the opening beyond the portrait's own, so the portrait's own
mouth (closed or open) is reproduced exactly at its own motion.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..face import topology as T
from ..latent import FaceLatent

INNER = np.array(T.LIPS_INNER_UPPER + T.LIPS_INNER_LOWER[::-1][1:-1])
TEETH_HEIGHT = 0.05  # face widths, visible height of the upper incisors
TOOTH_WIDTH = 0.045  # face widths


def _opening(points: np.ndarray) -> float:
    """Mean gap (px) between the middle five inner-lip points of each lip."""
    up = points[list(T.LIPS_INNER_UPPER[3:8])]
    lo = points[list(T.LIPS_INNER_LOWER[3:8])]
    return float(np.linalg.norm(lo - up, axis=1).mean())


class MouthRenderer:
    def __init__(self, latent: FaceLatent, geometry, canvas_image: np.ndarray):
        self.face_px = latent.scale_px * geometry.canvas.scale  # face width in canvas px
        src = geometry.source
        self.open0 = _opening(src)
        skin = self._sample(canvas_image, src, (50, 280, 101, 330, 205, 425))
        lips = self._sample(canvas_image, src, (17, 0, 84, 314, 37, 267))
        grey = skin.mean()
        balance = skin / max(grey, 1.0)  # the portrait's white balance, as a tint
        bright = float(np.clip(grey * 1.25 + 40, 120, 235))
        self.teeth = np.clip(bright * (0.85 + 0.15 * balance), 0, 255)
        self.cavity = np.clip(0.22 * lips + [12, 2, 2], 0, 255)
        self.tongue = np.clip(0.75 * lips + [25, 0, 0], 0, 255)

    @staticmethod
    def _sample(image: np.ndarray, points: np.ndarray, idx) -> np.ndarray:
        h, w = image.shape[:2]
        xy = np.clip(points[list(idx)].round().astype(int), 0, [w - 1, h - 1])
        return np.median(image[xy[:, 1], xy[:, 0]].astype(np.float32), axis=0)

    def weight(self, target: np.ndarray) -> float:
        """0 at the portrait's own opening, 1 once the lips part ~0.04 face widths more."""
        return float(np.clip((_opening(target) - self.open0) / (0.04 * self.face_px), 0, 1))

    def paint(self, frame: np.ndarray, target: np.ndarray, motion_row: np.ndarray) -> None:
        """Paint the interior into `frame` (H, W, 3) uint8 in place; target (478, 2) px."""
        w = self.weight(target)
        if w <= 0.0:
            return
        poly = target[INNER].astype(np.float32)
        h_img, w_img = frame.shape[:2]
        x0, y0 = np.floor(poly.min(0)).astype(int) - 2
        x1, y1 = np.ceil(poly.max(0)).astype(int) + 3
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w_img), min(y1, h_img)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [((poly - [x0, y0]) * 16).round().astype(np.int32)], 255,
                     cv2.LINE_AA, shift=4)
        alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 0.8)[..., None] * w
        interior = self._interior(target, x0, y0, x1, y1)
        box = frame[y0:y1, x0:x1].astype(np.float32)
        frame[y0:y1, x0:x1] = (box * (1 - alpha) + interior * alpha).round().astype(np.uint8)

    def _interior(self, target, x0, y0, x1, y1) -> np.ndarray:
        """(h, w, 3) float colours of the interior in the box, mouth-frame shading."""
        right, left = target[78], target[308]
        axis = (left - right) / max(np.linalg.norm(left - right), 1e-6)
        normal = np.array([-axis[1], axis[0]])  # points down the face
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32) + 0.5
        rel = np.stack([xs, ys], -1) - (right + left) / 2
        u, v = rel @ axis, rel @ normal
        half = max(np.linalg.norm(left - right) / 2, 1.0)

        def curve(idx):
            pts = target[list(idx)] - (right + left) / 2
            pu, pv = pts @ axis, pts @ normal
            order = np.argsort(pu)
            return np.interp(u, pu[order], pv[order])

        v_up, v_lo = curve(T.LIPS_INNER_UPPER), curve(T.LIPS_INNER_LOWER)
        gap = np.maximum(v_lo - v_up, 1.0)
        depth = 1.0 - 0.55 * np.exp(-((u / half) ** 2) * 2 - ((v - (v_up + v_lo) / 2) / gap) ** 2 * 4)
        out = self.cavity * depth[..., None]
        tongue = np.clip(1 - (u / (0.7 * half)) ** 2 - ((v - v_lo) / (0.45 * gap)) ** 2, 0, 1)
        out = out * (1 - tongue[..., None] * 0.9) + self.tongue * 0.8 * tongue[..., None] * 0.9
        th = TEETH_HEIGHT * self.face_px
        # Teeth fade into the dark buccal corridor towards the corners (alpha, not colour,
        # so no grey ring forms); the lower row is mostly hidden by the lower lip.
        reach = np.clip((0.85 - np.abs(u / half)) / 0.3, 0, 1)
        gaps = 0.93 + 0.07 * np.abs(np.cos(np.pi * u / (TOOTH_WIDTH * self.face_px)))
        depth_in = v - v_up  # px below the upper lip line
        upper = np.clip((th - depth_in) / 1.5, 0, 1) * (depth_in >= -1)
        gum_shadow = 0.8 + 0.2 * np.clip(depth_in / (0.5 * th), 0, 1)
        lower_h = 0.3 * th
        lower = np.clip((v - (v_lo - lower_h)) / 1.5, 0, 1) * (v <= v_lo + 1)
        for row, shade, span in ((upper, gum_shadow, reach), (lower, 0.62, reach ** 2)):
            a = (row * span)[..., None]
            out = out * (1 - a) + self.teeth * (shade * gaps)[..., None] * a
        return out
