"""The portrait's own teeth, carried: the upper row with the skull, the lower with the jaw.

A photo that shows its teeth (a smile, a word caught half-way) holds the best teeth we can
draw: the person's own. When the lips part further than in the photo, the warp alone
would stretch them into a tall pale slab, and mouth.py paints a synthesised interior over
the opening instead. Over that interior this module draws the photo's teeth again, split
at the bite into two pieces:
  upper  from the upper lip's inner edge down to the bite, moved with the nose base (the
         skull), as the synthesised upper row is;
  lower  from the bite down to the lower lip's inner edge, moved with the chin (the jaw),
         or further where the lower lip drops further and takes them along.
The bite is where the photo's interior is darkest between the lips (the seam between the
rows, or the dark gap of a mouth caught open), as a share of each column's lip gap; with
no seam the teeth are all upper ones, to at most an upper incisor's height. Both pieces
are sampled in the mouth's own frame (mouth_frame.py) scaled by the eye distance, so
they turn, tilt and scale with the face, and only their teeth-coloured pixels are
carried (not the lips' inner edge, not a dark gap, which the interior already paints).
"""
from __future__ import annotations

import cv2
import numpy as np

from ..face import topology as T
from .mouth_frame import MouthFrame, mouth_box

NOSE_BASE, CHIN, LOWER_LIP = T.NOSE_BASE, T.CHIN, T.LOWER_LIP_MIDDLE  # skull, jaw, lip

BITE_SEARCH = (0.25, 0.95)  # shares of the lip gap, down from the upper lip, for the bite
SEAM = 0.9  # a seam is a row this much darker than the teeth's brightest, or darker still
# Teeth are carried when they read as teeth: clearly paler than the skin (saturation below
# PALER of the skin's, fully below PALER - 0.1), or, in a photo without colour, clearly
# brighter (value above BRIGHTER times the skin's, fully 0.1 above). A blurred or shadowed
# mouth (a compressed video frame) would otherwise be carried as one pale slab, and is
# better drawn as mouth.py's teeth in its colour.
PALER, BRIGHTER = 0.6, 1.1


def _hsv(colour: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.asarray(colour, np.float32).reshape(1, 1, 3).clip(0, 255)
                        .astype(np.uint8), cv2.COLOR_RGB2HSV)[0, 0].astype(np.float32)


def distinct(teeth: np.ndarray, skin: np.ndarray) -> float:
    """0-1: how clearly RGB colour `teeth` (3,) reads as teeth beside the skin's (3,)
    (PALER, BRIGHTER); the share of the photo's teeth that is carried."""
    t, k = _hsv(teeth), _hsv(skin)
    paler = (PALER - t[1] / k[1]) / 0.1 if k[1] > 20 else 0.0
    brighter = (t[2] / max(k[2], 1.0) - BRIGHTER) / 0.1
    return float(np.clip(max(paler, brighter), 0, 1))


class OwnTeeth:
    """The photo's teeth as two pieces (see the module doc). `image` (S, S, 3) uint8 the
    portrait's canvas; `points` (478, 2) its landmarks there; `crown` px the height of an
    upper incisor's crown (the most a row without a seam can be);
    `colour` (3,) RGB of its teeth (mouth.MouthRenderer._own_teeth); `share` how much
    of them is carried (`distinct`)."""

    def __init__(self, image: np.ndarray, points: np.ndarray, crown: float,
                 colour: np.ndarray, share: float = 1.0):
        self.frame0 = MouthFrame(points)
        self.eyes0 = T.eye_distance(points)
        self.anchors0 = {k: np.array(self.frame0.uv(points[k]))
                         for k in (NOSE_BASE, CHIN, LOWER_LIP)}
        inner = list(T.LIPS_INNER)
        x0, y0, x1, y1 = mouth_box(points[inner], image.shape)
        lo = np.array([x0, y0])
        self.offset = lo.astype(np.float32)  # (x, y) of the pieces' box in the canvas
        patch = image[y0:y1, x0:x1]
        self.rgb = patch.astype(np.float32)
        mask = np.zeros(patch.shape[:2], np.uint8)
        cv2.fillPoly(mask, [((points[inner] - lo) * 16).round().astype(np.int32)], 255,
                     cv2.LINE_AA, shift=4)
        inside = cv2.erode(mask, np.ones((3, 3), np.uint8)).astype(np.float32) / 255.0
        carried = share * inside * self._likeness(patch, colour)
        depth = self._depth(points, lo, patch.shape[:2])  # 0 at the upper lip, 1 at the lower
        bite = self._bite(patch, points, crown)
        self.upper = carried * np.clip((bite - depth) * 8 + 0.5, 0, 1)
        self.lower = carried - self.upper

    @staticmethod
    def _likeness(patch: np.ndarray, colour: np.ndarray) -> np.ndarray:
        """(h, w) 0-1: how much like the teeth `colour` a pixel is: about as bright and no
        more saturated (the lips are redder, a gap darker)."""
        hsv = cv2.cvtColor(patch, cv2.COLOR_RGB2HSV).astype(np.float32)
        ref = _hsv(colour)
        bright = np.clip((hsv[..., 2] - 0.55 * ref[2]) / (0.25 * max(ref[2], 1.0)), 0, 1)
        pale = np.clip((ref[1] + 50.0 - hsv[..., 1]) / 25.0, 0, 1)
        return bright * pale

    def _depth(self, points: np.ndarray, lo: np.ndarray, shape) -> np.ndarray:
        """(h, w) each box pixel's place between the lips in its column: 0 on the upper
        lip's inner edge, 1 on the lower's."""
        ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32) + 0.5
        u, v = self.frame0.uv(np.stack([xs + lo[0], ys + lo[1]], -1))
        up = self.frame0.curve(points, T.LIPS_INNER_UPPER, u)
        down = self.frame0.curve(points, T.LIPS_INNER_LOWER, u)
        return (v - up) / np.maximum(down - up, 1.0)

    def _bite(self, patch: np.ndarray, points: np.ndarray, crown: float) -> float:
        """The bite's share of the lip gap: the darkest row between BITE_SEARCH over the
        middle half of the mouth, if it is a seam (SEAM); else the gap's bottom, at most a
        `crown` px below the upper lip."""
        f = self.frame0
        u = np.linspace(-0.5, 0.5, 21) * f.half
        up = f.curve(points, T.LIPS_INNER_UPPER, u)
        gap = f.curve(points, T.LIPS_INNER_LOWER, u) - up
        grey = patch.astype(np.float32).mean(-1)
        shares = np.linspace(0.0, 1.0, 41)
        rows = []
        for s in shares:
            xy = f.origin + u[:, None] * f.axis + (up + s * gap)[:, None] * f.normal
            xy = (xy - self.offset).astype(np.float32)
            rows.append(np.median(cv2.remap(grey, xy[None, :, 0], xy[None, :, 1],
                                            cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)))
        rows = np.convolve(np.pad(rows, 1, mode="edge"), np.ones(3) / 3, "valid")
        band = (shares >= BITE_SEARCH[0]) & (shares <= BITE_SEARCH[1])
        k = np.flatnonzero(band)[np.argmin(rows[band])]
        if rows[k] < SEAM * rows[band].max():
            return float(shares[k])
        return float(min(1.0, crown / max(float(np.median(gap)), 1e-6)))

    def draw(self, under: np.ndarray, frame, target: np.ndarray, u: np.ndarray,
             v: np.ndarray) -> np.ndarray:
        """The pieces over `under` (h, w, 3) float: `frame` the target's mouth frame,
        target (478, 2) its landmarks, (u, v) (h, w) each pixel's place in that frame. The
        lower piece first: the upper incisors close in front of it."""
        k = self.eyes0 / max(T.eye_distance(target), 1e-6)
        # (u, v) now -> the photo's mouth frame: (u, v) k + shift, shift (2,) per anchor
        shift = {a: self.anchors0[a] - np.array(frame.uv(target[a])) * k for a in self.anchors0}
        # the lower lip drops further than the jaw as the mouth opens (its own travel)
        # and takes the lower teeth along, as mouth.py's synthesised row
        lower = np.array([shift[CHIN][0], min(shift[CHIN][1], shift[LOWER_LIP][1])])
        out = under
        for piece, (su, sv) in ((self.lower, lower), (self.upper, shift[NOSE_BASE])):
            us, vs = u * k + su, v * k + sv
            f = self.frame0
            xy = f.origin + us[..., None] * f.axis + vs[..., None] * f.normal - self.offset
            mx, my = xy[..., 0].astype(np.float32), xy[..., 1].astype(np.float32)
            a = cv2.remap(piece, mx, my, cv2.INTER_LINEAR, borderValue=0.0)[..., None]
            rgb = cv2.remap(self.rgb, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            out = out * (1 - a) + rgb * a
        return out
