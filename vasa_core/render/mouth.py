"""Synthesised mouth interior: what a warp cannot show when the lips part further.

Inside the target inner-lip contour we paint, in the mouth's own frame (u along the
corner-to-corner axis, v down across it):

  cavity   dark, darker towards the back (centre) and the buccal corridors (corners);
  tongue   low in the mouth, lit from above;
  teeth    an upper row fixed to the skull (anchored to the nose base, so a lifted upper
           lip uncovers gums and a dropped jaw uncovers the teeth from above) and a lower
           row carried by the jaw (anchored to the chin). Each row is separate teeth of
           anatomical widths (central incisors widest), rounded by shading, with dark
           gaps between them, fading into the corridor towards the corners;
  gums     a band above the upper teeth, seen when the upper lip rises;
  shadow   the lips shade the teeth and gums just inside them.

Colours follow the portrait: teeth take the white balance and brightness of its skin, or
its own teeth's colour when the photo shows them, and then the photo's teeth themselves
are drawn over the rows, the upper with the skull and the lower with the jaw
(own_teeth.py); cavity, tongue and gums take its lip colour. The interior fades in with
the opening beyond the portrait's own, so the portrait's own mouth (closed or open) is
reproduced exactly at its own motion.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..face import topology as T
from ..latent import FaceLatent
from .mouth_frame import MouthFrame, mouth_box
from .own_teeth import OwnTeeth, distinct

INNER = list(T.LIPS_INNER)
# Sizes in face widths, the latent's unit: the canonical face is 1.0 wide and 0.66 between
# the outer eye corners, so one unit is about 143 mm on an adult (outer corners ~95 mm).
TEETH_HEIGHT = 0.073  # upper central incisor crown, ~10.5 mm
LOWER_HEIGHT = 0.063  # lower incisor crown, ~9 mm
# Tooth edges from the midline outwards as seen from the front: central and lateral
# incisors, canine, two premolars, each crown's width narrowed by how far the dental arch
# has turned away from the camera there (1, 0.9, 0.65, 0.45, 0.35), so about ten teeth fill
# an open mouth as in the real videos' frames. Upper crowns 8.5, 6.5, 7.5, 7, 6.5 mm;
# lower 5.4, 5.9, 7, 7, 7 mm.
UPPER_EDGES = np.array([0.0, 0.059, 0.1, 0.134, 0.156, 0.172])
LOWER_EDGES = np.array([0.0, 0.038, 0.075, 0.106, 0.128, 0.145])
TOOTH_LENGTH = np.array([1.0, 0.88, 0.95, 0.8, 0.72])  # of the row's height, per tooth
GAP = 0.004  # face widths: the shaded seam between neighbouring teeth (~0.6 mm)
GUM_HEIGHT = 0.03  # face widths of gum above the upper teeth
TEETH_SHOWN = 0.045  # face widths of upper incisor below the relaxed upper lip (~6 mm)
LOWER_SHOWN = 0.012  # face widths of lower incisor above an opened lower lip (~2 mm)
OVERBITE = 0.015  # face widths: the upper incisors overlap the lower ones at rest


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
        self.eyes0 = T.eye_distance(src)
        skin = self._sample(canvas_image, src, (50, 280, 101, 330, 205, 425))
        lips = self._sample(canvas_image, src, (17, 0, 84, 314, 37, 267))
        grey = skin.mean()
        balance = skin / max(grey, 1.0)  # the portrait's white balance, as a tint
        bright = float(np.clip(grey * 1.05 + 30, 110, 235))
        self.teeth = self._own_teeth(canvas_image, src)
        # the photo's teeth themselves, drawn over the interior (own_teeth.py)
        share = 0.0 if self.teeth is None else distinct(self.teeth, skin)
        self.own = None
        if share > 0.0:
            self.own = OwnTeeth(canvas_image, src, TEETH_HEIGHT * self.face_px, self.teeth, share)
        if self.teeth is None:  # enamel: bright, lit by the same light as the skin
            self.teeth = np.clip(bright * (0.55 + 0.45 * balance), 0, 255)
        self.cavity = np.clip(0.28 * lips + 6 * balance, 0, 255)
        colourful = float(np.clip(np.ptp(skin) / max(grey, 1.0) * 4, 0, 1))  # 0: monochrome
        self.tongue = np.clip(0.75 * lips + [25 * colourful, 0, 0], 0, 255)
        self.gums = np.clip(0.85 * lips + 0.25 * skin, 0, 255)
        self.anchors0 = self._anchors(geometry.neutral_mesh())

    @staticmethod
    def _sample(image: np.ndarray, points: np.ndarray, idx) -> np.ndarray:
        h, w = image.shape[:2]
        xy = np.clip(points[list(idx)].round().astype(int), 0, [w - 1, h - 1])
        return np.median(image[xy[:, 1], xy[:, 0]].astype(np.float32), axis=0)

    def _own_teeth(self, image: np.ndarray, src: np.ndarray) -> np.ndarray | None:
        """The colour of the portrait's own teeth, when its mouth is open and shows them
        (bright, unsaturated pixels inside the inner lips); else None."""
        if self.open0 < 0.03 * self.face_px:
            return None
        mask = np.zeros(image.shape[:2], np.uint8)
        cv2.fillPoly(mask, [src[INNER].round().astype(np.int32)], 1)
        inside = image[mask.astype(bool)].astype(np.float32)
        if len(inside) < 20:
            return None
        hsv = cv2.cvtColor(inside[None].astype(np.uint8), cv2.COLOR_RGB2HSV)[0]
        teeth = inside[(hsv[:, 2] > np.percentile(hsv[:, 2], 70)) & (hsv[:, 1] < 110)]
        return np.median(teeth, axis=0) if len(teeth) >= 10 else None

    def _anchors(self, points: np.ndarray) -> tuple[float, float]:
        """Where the rows sit, in the mouth frame of `points` (the portrait's neutral face:
        relaxed lips, closed jaw), as distances per eye width: the upper row's gum line
        below the nose base, the lower row's biting edge above the chin."""
        frame = MouthFrame(points)
        eyes = max(T.eye_distance(points), 1e-6)
        upper_lip = float(np.mean(frame.v(points[list(T.LIPS_INNER_UPPER[4:7])])))
        face = self.face_px * eyes / self.eyes0
        top = upper_lip - (TEETH_HEIGHT - TEETH_SHOWN) * face
        edge = top + (TEETH_HEIGHT - OVERBITE) * face
        return ((top - frame.v(points[T.NOSE_BASE])) / eyes,
                (frame.v(points[T.CHIN]) - edge) / eyes)

    def weight(self, target: np.ndarray) -> float:
        """0 at the portrait's own opening, 1 once the lips part ~0.04 face widths more."""
        return float(np.clip((_opening(target) - self.open0) / (0.04 * self.face_px), 0, 1))

    def paint(self, frame: np.ndarray, target: np.ndarray, motion_row: np.ndarray) -> None:
        """Paint the interior into `frame` (H, W, 3) uint8 in place; target (478, 2) px."""
        w = self.weight(target)
        if w <= 0.0:
            return
        poly = target[INNER].astype(np.float32)
        x0, y0, x1, y1 = mouth_box(poly, frame.shape)
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
        """(h, w, 3) float colours of the interior in the box."""
        frame = MouthFrame(target)
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32) + 0.5
        u, v = frame.uv(np.stack([xs, ys], -1))
        v_up, v_lo = frame.curve(target, T.LIPS_INNER_UPPER, u), \
            frame.curve(target, T.LIPS_INNER_LOWER, u)
        scale = T.eye_distance(target) / self.eyes0  # face size now
        face = self.face_px * scale
        half = frame.half
        gap = np.maximum(v_lo - v_up, 1.0)
        centre = np.exp(-((u / half) ** 2) * 2 - ((v - (v_up + v_lo) / 2) / gap) ** 2 * 4)
        out = self.cavity * (1.0 - 0.55 * centre)[..., None]
        out = _over(out, *_tongue(u / half, v, v_lo, gap, self.tongue))
        eyes = self.eyes0 * scale
        top = frame.v(target[T.NOSE_BASE]) + self.anchors0[0] * eyes  # upper gum line
        edge = frame.v(target[T.CHIN]) - self.anchors0[1] * eyes  # lower incisal edge
        # the lower lip covers the lower teeth but for their edge: it drops further than the
        # chin-anchored row when the mouth opens (the lip's own travel), and takes them along
        edge = max(edge, float(frame.curve(target, T.LIPS_INNER_LOWER, np.zeros(1))[0])
                   - LOWER_SHOWN * face)
        corridor = np.clip((0.9 - np.abs(u / half)) / 0.35, 0, 1)  # teeth fade at corners
        gums = np.clip((v - (top - GUM_HEIGHT * face)) / 1.5, 0, 1) * (v < top + 1)
        out = _over(out, self.gums * (0.7 + 0.3 * corridor)[..., None], gums * corridor)
        # the lower row first: at rest the upper incisors close in front of it
        lower_root = edge + LOWER_HEIGHT * face
        for row, shade, dim in (_row(u, lower_root - v, face, LOWER_EDGES, LOWER_HEIGHT) + (0.9,),
                                _row(u, v - top, face, UPPER_EDGES, TEETH_HEIGHT) + (1.0,)):
            out = _over(out, self.teeth * (dim * shade)[..., None], row * corridor)
        if self.own is not None:
            out = self.own.draw(out, frame, target, u, v)
        lip_shadow = np.clip(np.minimum(v - v_up, v_lo - v) / (0.015 * face), 0, 1)
        return out * (0.85 + 0.15 * lip_shadow)[..., None]


def _row(u: np.ndarray, depth: np.ndarray, face: float, edges: np.ndarray, height: float
         ) -> tuple[np.ndarray, np.ndarray]:
    """(coverage, shade) of one row of teeth. depth: px from the row's root (gum line)
    towards its biting edge; teeth between `edges` (face widths from the midline),
    TOOTH_LENGTH x `height` long, rounded by shading, with dark gaps between them and a
    slightly translucent, darker root third."""
    x = np.abs(u) / face  # face widths from the midline
    k = np.clip(np.searchsorted(edges, x) - 1, 0, len(TOOTH_LENGTH) - 1)
    left, right = edges[k], edges[k + 1]
    across = (x - left) / (right - left)  # 0..1 across the tooth
    length = TOOTH_LENGTH[k] * height * face * (1 - 0.25 * (2 * across - 1) ** 4)
    cover = np.clip((length - depth) / 1.2, 0, 1) * np.clip(depth + 1, 0, 1)
    gaps = np.clip(np.minimum(x - left, right - x) / GAP, 0, 1)
    rounded = 0.85 + 0.15 * np.sin(np.pi * np.clip(across, 0, 1))
    root = 0.82 + 0.18 * np.clip(depth / np.maximum(0.35 * length, 1), 0, 1)
    shade = rounded * root * (0.72 + 0.28 * gaps)
    return cover, shade


def _tongue(x: np.ndarray, v: np.ndarray, v_lo: np.ndarray, gap: np.ndarray,
            colour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(colour (h, w, 3), coverage (h, w)) of the tongue: a domed mass resting on the floor
    of the mouth that fills its lower half (it drops with the jaw), lit along its top
    surface and darker below. x: across the mouth in half-widths; v, v_lo (lower inner
    lip), gap (lip gap): px down the mouth."""
    top = v_lo - gap * (0.4 - 0.15 * x ** 2)  # domed: lower towards the corners
    cover = np.clip((v - top) / np.maximum(0.2 * gap, 1.0), 0, 1) \
        * np.clip((0.85 - np.abs(x)) / 0.25, 0, 1)
    lit = 0.55 + 0.35 * np.exp(-(((v - top) / np.maximum(0.25 * gap, 1.0)) ** 2))
    return colour * lit[..., None], cover


def _over(under: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha[..., None]
    return under * (1 - a) + colour * a
