"""Eyes: irises moved inside the eye opening for gaze, a lash line for closed lids.

The dense warp already pulls the lid skin over the eye for a blink (the basis moves the
upper lid onto the lower one). What a warp cannot do is move the iris independently of
the lids, so per eye we keep (once per portrait) the eye with its iris inpainted away
(the "sclera plate") and the iris as a round patch; per frame the plate is warped with
the face, the iris patch is placed at the target iris centre, and the result is clipped
by the target lid contour. Both fade in with how far the iris moved, so the portrait's
own eyes are reproduced exactly at its own motion.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..face import topology as T
from ..latent import FaceLatent

EYES = (("left", T.LEFT_IRIS), ("right", T.RIGHT_IRIS))
# The mesh ring just above each upper lid (outer -> inner): lid skin, above the lashes.
LASH_WIDTH = 0.010  # the closed lash line's width, in face widths
LASH_SHADE = 0.1  # ... and the share of the skin's brightness it keeps
LID_SKIN = {"left": (467, 260, 259, 257, 258, 286, 414), "right": (247, 30, 29, 27, 28, 56, 190)}


def _contour(side: str) -> np.ndarray:
    up, lo = T.lid_pairs(side)
    return np.concatenate([up, lo[::-1][1:-1]])


class _Eye:
    def __init__(self, side: str, iris, src: np.ndarray, image: np.ndarray, face_px: float):
        self.side, self.iris, self.contour = side, list(iris), _contour(side)
        up, lo = T.lid_pairs(side)
        self.up, self.lo = list(up), list(lo)
        self.centre0 = src[self.iris[0]].copy()
        self.radius = float(np.linalg.norm(src[self.iris[1:]] - self.centre0, axis=1).mean())
        self.radius = float(np.clip(self.radius, 0.02 * face_px, 0.07 * face_px))
        self.open0 = self._opening(src)
        r = int(np.ceil(self.radius * 1.6))
        cx, cy = np.round(self.centre0).astype(int)
        h, w = image.shape[:2]
        self.box = (max(cx - r, 0), max(cy - r, 0), min(cx + r + 1, w), min(cy + r + 1, h))
        x0, y0, x1, y1 = self.box
        ys, xs = np.mgrid[y0:y1, x0:x1] + 0.5
        dist = np.hypot(xs - self.centre0[0], ys - self.centre0[1])
        opening = self._mask(src, image.shape[:2])[y0:y1, x0:x1]
        disk = np.clip(self.radius + 0.5 - dist, 0, 1)
        self.patch = image[y0:y1, x0:x1].astype(np.float32)
        self.patch_alpha = (disk * opening)[..., None]
        self.lid_colour = _lid_skin(image, src[list(LID_SKIN[side])], src[self.up[1:-1]])

    def _opening(self, pts: np.ndarray) -> float:
        return float(np.linalg.norm(pts[self.lo[2:7]] - pts[self.up[2:7]], axis=1).mean())

    def _mask(self, pts: np.ndarray, shape) -> np.ndarray:
        mask = np.zeros(shape, np.uint8)
        cv2.fillPoly(mask, [(pts[self.contour] * 16).round().astype(np.int32)], 255,
                     cv2.LINE_AA, shift=4)
        return mask.astype(np.float32) / 255.0

    def inpaint_iris(self, plate: np.ndarray) -> None:
        """Remove this iris from `plate` in place (Telea inpainting inside the eye)."""
        hole = np.zeros(plate.shape[:2], np.uint8)
        cv2.circle(hole, tuple(np.round(self.centre0).astype(int)),
                   int(np.ceil(self.radius * 1.15)), 1, -1)
        plate[:] = cv2.inpaint(plate, hole, 3, cv2.INPAINT_TELEA)


CORNER_ROOM = 0.8  # iris radii kept between the iris centre and each eye corner ...
LID_ROOM = 0.15  # ... and each lid (a narrower opening holds the centre midway)


def _inside(centre: np.ndarray, own: np.ndarray, target: np.ndarray, eye: _Eye) -> np.ndarray:
    """The iris centre (2,) px held inside the eye opening of `target` (478, 2) px: at
    least CORNER_ROOM iris radii from either corner along the corner-to-corner axis, and
    LID_ROOM from either lid there. The gaze offsets of a wide command (25 deg aside and
    15 up, say) otherwise roll the iris under a lid or out past a corner, which eyes
    cannot show (a real eye's lids follow the iris instead). The bounds always admit
    `own` (2,), the photo's iris carried with the eye, so it is reproduced as it is."""
    a, b = target[eye.up[0]], target[eye.up[-1]]
    length = max(float(np.linalg.norm(b - a)), 1e-6)
    axis = (b - a) / length
    normal = np.array([-axis[1], axis[0]])
    (u, v), (u0, v0) = ((p - a) @ np.stack([axis, normal], 1) for p in (centre, own))
    room = min(CORNER_ROOM * eye.radius, length / 2)
    u = float(np.clip(u, min(room, u0), max(length - room, u0)))
    lids = [np.interp(u, *_along(target[idx] - a, axis, normal)) for idx in (eye.up, eye.lo)]
    top, bottom = min(lids), max(lids)
    room = min(LID_ROOM * eye.radius, (bottom - top) / 2)
    v = float(np.clip(v, min(top + room, v0), max(bottom - room, v0)))
    return a + u * axis + v * normal


def _along(points: np.ndarray, axis: np.ndarray, normal: np.ndarray):
    """(u, v) of `points` (n, 2) in the eye's frame, sorted by u (for np.interp)."""
    u, v = points @ axis, points @ normal
    order = np.argsort(u)
    return u[order], v[order]


class EyeRenderer:
    def __init__(self, latent: FaceLatent, geometry, canvas_image: np.ndarray):
        self.face_px = latent.scale_px * geometry.canvas.scale
        src = geometry.source_full
        self.eyes = [_Eye(s, iris, src, canvas_image, self.face_px) for s, iris in EYES]
        self.sclera = canvas_image.copy()
        for eye in self.eyes:
            eye.inpaint_iris(self.sclera)
        self.src = src

    def paint(self, frame: np.ndarray, target: np.ndarray, src_map: np.ndarray,
              motion_row: np.ndarray) -> None:
        """Paint both eyes into `frame` in place. target (478, 2) px; src_map (H, W, 2)."""
        for eye in self.eyes:
            self._gaze(eye, frame, target, src_map)
            self._lid(eye, frame, target)
            self._lashes(eye, frame, target)

    def _gaze(self, eye: _Eye, frame, target, src_map) -> None:
        corners = [eye.up[0], eye.up[-1]]
        carried = eye.centre0 + (target[corners] - self.src[corners]).mean(0)
        shift = _inside(target[eye.iris[0]], carried, target, eye) - carried
        w = float(np.clip(np.linalg.norm(shift) / (0.25 * eye.radius), 0, 1))
        if w <= 0.0:
            return
        pad = int(np.ceil(eye.radius * 1.5))
        h, wd = frame.shape[:2]
        pts = target[eye.contour]
        x0, y0 = np.maximum(np.floor(pts.min(0)).astype(int) - pad, 0)
        x1, y1 = np.minimum(np.ceil(pts.max(0)).astype(int) + pad, [wd, h])
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        m = src_map[y0:y1, x0:x1]
        sclera = cv2.remap(self.sclera, m[..., 0], m[..., 1], cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        bx0, by0, _, _ = eye.box
        move = np.float32([[1, 0, bx0 - x0 + shift[0] + (carried - eye.centre0)[0]],
                           [0, 1, by0 - y0 + shift[1] + (carried - eye.centre0)[1]]])
        size = (x1 - x0, y1 - y0)
        iris = cv2.warpAffine(eye.patch, move, size, flags=cv2.INTER_LINEAR)
        ia = cv2.warpAffine(eye.patch_alpha[..., 0], move, size, flags=cv2.INTER_LINEAR)[..., None]
        eye_mask = eye._mask(target - [x0, y0], (y1 - y0, x1 - x0))[..., None] * w
        inner = sclera * (1 - ia) + iris * ia
        box = frame[y0:y1, x0:x1].astype(np.float32)
        frame[y0:y1, x0:x1] = (box * (1 - eye_mask) + inner * eye_mask).round().astype(np.uint8)

    def _closure(self, eye: _Eye, target) -> float:
        """0 at the portrait's own opening (or above 70 % of it), 1 once nearly shut."""
        ratio = eye._opening(target) / max(eye.open0, 1e-3)
        return float(np.clip((0.7 - ratio) / 0.5, 0, 1))

    def _lid(self, eye: _Eye, frame, target) -> None:
        """Smooth lid skin over what the warp stretched down from the lash line.

        A closing lid is skin that was folded under the crease; the warp instead stretches
        the visible strip above the lashes, dark lash pixels included, into a dark band that
        reads as an open eye. We fill the band between the lid's open position (its source
        contour carried with the eye corners) and its closing position with the lid colour,
        shaded darker towards the lashes, and keep a little of the warped texture."""
        k = self._closure(eye, target)
        if k <= 0.0:
            return
        corners = [eye.up[0], eye.up[-1]]
        carried = self.src[eye.up] + (target[corners] - self.src[corners]).mean(0)
        band = np.concatenate([carried - [0, 0.15 * eye.open0], target[eye.up][::-1]])
        pad = int(np.ceil(0.3 * eye.open0)) + 2
        h, w = frame.shape[:2]
        x0, y0 = np.maximum(np.floor(band.min(0)).astype(int) - pad, 0)
        x1, y1 = np.minimum(np.ceil(band.max(0)).astype(int) + pad, [w, h])
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [((band - [x0, y0]) * 16).round().astype(np.int32)], 255,
                     cv2.LINE_AA, shift=4)
        a = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), max(1.0, 0.12 * eye.open0))
        ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
        seam = np.interp(np.arange(x0, x1) + 0.5, *_sorted_x(target[eye.up]))[None, :]
        shade = 1.0 - 0.25 * np.clip(1 - (seam - ys) / max(eye.open0, 1.0), 0, 1)
        skin = eye.lid_colour * shade[..., None] + self._skin_grain(frame, band, x0, y0, x1, y1)
        a = (0.85 * k * a)[..., None]
        box = frame[y0:y1, x0:x1].astype(np.float32)
        frame[y0:y1, x0:x1] = (box * (1 - a) + skin * a).clip(0, 255).round().astype(np.uint8)

    @staticmethod
    def _skin_grain(frame, band, x0, y0, x1, y1) -> np.ndarray:
        """(h, w, 3) the fine texture (pores, creases) of the skin just above the lid,
        mirrored down over it: the lid is that skin unfolded. High-pass only, so brows,
        lashes or glasses above it lend no colour."""
        top = np.interp(np.arange(x0, x1) + 0.5, *_sorted_x(band[:len(band) // 2]))[None, :]
        ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
        src_y = np.maximum(top - (ys - top), 0).astype(np.float32)  # reflected about the top
        src_x = np.broadcast_to(np.arange(x0, x1, dtype=np.float32) + 0.5, src_y.shape)
        tex = cv2.remap(frame, src_x - 0.5, src_y - 0.5, cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        grain = tex - cv2.GaussianBlur(tex, (0, 0), 2.0)
        return np.clip(grain, -25.0, 25.0)

    def _lashes(self, eye: _Eye, frame, target) -> None:
        """A thin dark line along the lid seam as the eye closes beyond the portrait's own:
        the lashes of both lids, laid together. Thin (LASH_WIDTH) and nearly black
        (LASH_SHADE): a softer, wider line reads to MediaPipe as the slit of an open eye."""
        strength = self._closure(eye, target)
        if strength <= 0.0:
            return
        seam = 0.6 * target[eye.up] + 0.4 * target[eye.lo]
        layer = np.zeros(frame.shape[:2], np.uint8)
        thick = max(1, int(round(LASH_WIDTH * self.face_px)))
        cv2.polylines(layer, [(seam * 16).round().astype(np.int32)], False, 255, thick,
                      cv2.LINE_AA, shift=4)
        x0, y0 = np.maximum(np.floor(seam.min(0)).astype(int) - 3 * thick, 0)
        x1, y1 = np.ceil(seam.max(0)).astype(int) + 3 * thick
        a = cv2.GaussianBlur(layer[y0:y1, x0:x1].astype(np.float32) / 255.0, (0, 0),
                             0.6 * thick)[..., None] * strength
        box = frame[y0:y1, x0:x1].astype(np.float32)
        frame[y0:y1, x0:x1] = (box * (1 - a) + LASH_SHADE * box * a).round().astype(np.uint8)


def _lid_skin(image: np.ndarray, ring: np.ndarray, lid: np.ndarray) -> np.ndarray:
    """(3,) the colour of the skin a closing lid unfolds: the band between the lash line
    (`lid`, (P, 2) px) and the mesh ring above it (`ring`), its brighter half, so that
    lashes, eyeliner and a spectacle rim crossing the band lend no colour."""
    mask = np.zeros(image.shape[:2], np.uint8)
    band = np.concatenate([ring, 0.7 * lid[::-1] + 0.3 * ring[::-1]])
    cv2.fillPoly(mask, [band.round().astype(np.int32)], 1)
    pixels = image[mask.astype(bool)].astype(np.float32)
    if len(pixels) < 8:  # a tiny face: the band's points themselves
        h, w = image.shape[:2]
        xy = np.clip((0.45 * ring + 0.55 * lid).round().astype(int), 0, [w - 1, h - 1])
        pixels = image[xy[:, 1], xy[:, 0]].astype(np.float32)
    grey = pixels.mean(1)
    return np.median(pixels[grey >= np.median(grey)], axis=0)


def _sorted_x(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of a contour sorted by x, for np.interp."""
    order = np.argsort(points[:, 0])
    return points[order, 0], points[order, 1]
