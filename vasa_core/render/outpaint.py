"""The photo continued past its edges, for a view that reaches beyond it.

A camera moved back (camera.py), or a head moved towards an edge the photo cuts, needs
pixels the photo does not have. Stretching the edge row paints streaks; mirroring the
whole photo brings the face itself back in the fill. Instead, per edge, only a band of
the photo next to that edge is mirrored outwards, so the fill shows what lies at the edge
and never what lies deeper:

    bottom       clothes, a band of the lower BODY_BAND of the photo below the chin: the
                 body goes on below a portrait, so the person continues at full strength;
    top, sides   hair and background, a band of at most REACH face heights that stops
                 short of the face box: above the chin the person fades out over REACH
                 (hair ends), below it the shoulders go on; the background continues.

Within a third of REACH (or the band, if thinner) the mirrored band turns into the edge's
colours spread outwards: a normalised blur of SPREAD face widths, carried further from
the nearest place that has them and washed wider with distance (`_spread`), as an
out-of-focus surround would look. The band's own detail rides on it and is gone one
band's depth out, so no pattern repeats and no row is stretched. Inside the photo every
pixel is the photo's own.
"""
from __future__ import annotations

import cv2
import numpy as np

REACH = 0.3  # face heights beyond the top and sides over which hair fades out
SPREAD = 0.3  # face widths: how far the edge's colours spread, as a blur's sigma
SILHOUETTE = 0.25  # of SPREAD: the person's outline spreads less, keeping its shape
MIN_BAND = 2  # px: the thinnest band folded (a face flush with an edge)
BODY_BAND = 0.4  # of the photo below the chin: the band folded at the bottom (clothes only)


def _folded(index: np.ndarray, n: int, before: int, after: int) -> np.ndarray:
    """Source indices in [0, n) for `index` (any ints): inside as they are; u px before
    0 fold over a band `before` px deep, u px past n - 1 over one `after` px deep."""
    def tri(u, depth):  # 0, 1, ..., depth, depth - 1, ..., 0, 1, ...
        t = np.mod(u, 2 * depth)
        return np.where(t <= depth, t, 2 * depth - t)

    inside = np.clip(index, 0, n - 1)
    low = tri(-index, max(1, min(before, n - 1)))
    high = n - 1 - tri(index - (n - 1), max(1, min(after, n - 1)))
    return np.where(index < 0, low, np.where(index >= n, high, inside))


def _bands(shape: tuple[int, int], face_box) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) px depth of the band folded at each photo edge."""
    h, w = shape
    x0, y0, x1, y1 = face_box
    reach = REACH * (y1 - y0)
    top = max(MIN_BAND, int(min(reach, 0.8 * y0)))
    left = max(MIN_BAND, int(min(reach, 0.8 * x0)))
    right = max(MIN_BAND, int(min(reach, 0.8 * (w - x1))))
    bottom = max(MIN_BAND, int(BODY_BAND * (h - y1)))
    return top, bottom, left, right


def _beyond(shape, box, bands) -> tuple[np.ndarray, ...]:
    """For the window `box` (x0, y0, width, height) px of a photo of (H, W) `shape`, each
    (height, width) float32 and 0 inside: the distance px beyond the photo, the px above
    its top, the px past its left or right, and the depth of the band (`_bands`) folded
    out to each pixel (the thinner one at a corner; inf inside)."""
    h, w = shape
    x0, y0, bw, bh = box
    top, bottom, left, right = bands
    xs = np.arange(x0, x0 + bw, dtype=np.float32)[None, :]
    ys = np.arange(y0, y0 + bh, dtype=np.float32)[:, None]
    dx = np.maximum(np.maximum(-xs, xs - (w - 1)), 0.0)
    dy = np.maximum(np.maximum(-ys, ys - (h - 1)), 0.0)
    across = np.where(xs < 0, left, np.where(xs >= w, right, np.inf))
    down = np.where(ys < 0, top, np.where(ys >= h, bottom, np.inf))
    full = (bh, bw)
    return (np.hypot(dx, dy), np.broadcast_to(np.maximum(-ys, 0.0), full),
            np.broadcast_to(dx, full), np.minimum(across, down).astype(np.float32))


def _spread(array: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """The `weight`-ed local mean of `array` (h, w, ...) float32 under a Gaussian of
    `sigma` px (normalised convolution), carried further out from the nearest place that
    has enough weight within sigma, then smoothed over sigma again so the carrying
    leaves no rays. Computed at a scale where sigma is about 4 px."""
    h, w = weight.shape
    f = min(1.0, 4.0 / max(sigma, 1e-6))
    small = (max(1, round(w * f)), max(1, round(h * f)))
    s = max(0.5, sigma * f)
    wide = array * (weight[..., None] if array.ndim == 3 else weight)
    num, den = (cv2.GaussianBlur(cv2.resize(x, small, interpolation=cv2.INTER_AREA), (0, 0),
                                 s, borderType=cv2.BORDER_REFLECT) for x in (wide, weight))
    known = den > 0.2 * max(float(den.max()), 1e-6)
    mean = num / np.maximum(den, 1e-6)[..., None] if num.ndim == 3 else num / np.maximum(den, 1e-6)
    if known.any() and not known.all():
        far, label = cv2.distanceTransformWithLabels((~known).astype(np.uint8), cv2.DIST_L2,
                                                     5, labelType=cv2.DIST_LABEL_PIXEL)
        ys, xs = np.nonzero(known)
        order = np.zeros(label.max() + 1, np.int64)
        order[label[known]] = np.arange(len(ys))  # label of each known pixel -> its index
        mean = _widening(mean[ys[order[label]], xs[order[label]]], far, s)
    return cv2.resize(mean, (w, h), interpolation=cv2.INTER_LINEAR)


def _widening(array: np.ndarray, far: np.ndarray, s: float) -> np.ndarray:
    """`array` blurred by a sigma that grows with `far` (px from where it is known): s
    near, 4 s from 4 s away, 16 s from 16 s away, so carried colours become a wash
    rather than rays."""
    levels = [cv2.GaussianBlur(array, (0, 0), k * s, borderType=cv2.BORDER_REFLECT)
              for k in (1, 4, 16)]
    t = np.clip(np.log(np.maximum(far / s, 1.0)) / np.log(4.0), 0.0, 2.0)  # 0..2
    t = t[..., None] if array.ndim == 3 else t
    low = np.where(t < 1.0, levels[0], levels[1])
    high = np.where(t < 1.0, levels[1], levels[2])
    return low + (high - low) * (t - np.floor(np.minimum(t, 1.999)))


def _filled(fold: np.ndarray, inside: np.ndarray, distance: np.ndarray, depth: np.ndarray,
            reach: float, sigma: float) -> np.ndarray:
    """What lies beyond the photo, (h, w, ...) float32: the folded band `fold` at the
    edge, turning within a third of `reach` px (or the band's `depth` px, if less) into
    the photo's colours spread outwards (`_spread` of the `inside` pixels over `sigma` px)
    carrying the fold's detail, which is gone one band's depth out: the band is never
    repeated."""
    fold = fold.astype(np.float32)
    low = _spread(fold, inside, sigma)
    detail = fold - _spread(fold, np.ones_like(inside), sigma)
    t = _smooth(distance / np.minimum(reach / 3.0, depth))
    keep = _smooth(1.0 - distance / depth)
    if fold.ndim == 3:
        t, keep = t[..., None], keep[..., None]
    return fold * (1.0 - t) + (low + detail * keep) * t


def continued(image: np.ndarray, mask: np.ndarray, background: np.ndarray,
              face_box, box) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The photo's (image (H, W, 3) uint8, mask (H, W) alpha, background plate (H, W, 3)
    uint8) seen through the window `box` (x0, y0, width, height) px, which may reach past
    the photo: (height, width, ...) arrays (the mask float32), the photo's own pixels
    inside it and the continuation above beyond it."""
    h, w = mask.shape
    x0, y0, bw, bh = (int(v) for v in box)
    bands = _bands((h, w), face_box)
    top, bottom, left, right = bands
    pick = np.ix_(_folded(np.arange(y0, y0 + bh), h, top, bottom),
                  _folded(np.arange(x0, x0 + bw), w, left, right))
    image_in, mask_in, plate_in = image[pick], mask[pick].astype(np.float32), background[pick]
    if x0 >= 0 and y0 >= 0 and x0 + bw <= w and y0 + bh <= h:
        return image_in, mask_in, plate_in
    face_w, face_h = face_box[2] - face_box[0], face_box[3] - face_box[1]
    reach, sigma = max(1.0, REACH * face_h), SPREAD * face_w
    distance, above, aside, depth = _beyond((h, w), (x0, y0, bw, bh), bands)
    ys = np.arange(y0, y0 + bh, dtype=np.float32)[:, None]
    shoulders = _smooth((ys - face_box[3]) / reach)  # 0 beside the head, 1 below the chin
    hair_ends = _smooth(1.0 - aside / reach) * (1.0 - shoulders) + shoulders
    fade = _smooth(1.0 - above / reach) * hair_ends
    inside = (distance == 0).astype(np.float32)
    # the person's colours spread from the person's own pixels, not the background's
    # and the silhouette keeps its shape (a narrower spread)
    plate, person, alpha = (_filled(x, weight, distance, depth, reach, s) for x, weight, s
                            in ((plate_in, inside, sigma), (image_in, inside * mask_in, sigma),
                                (mask_in, inside, sigma * SILHOUETTE)))
    alpha = np.clip(alpha, 0.0, 1.0) * fade
    out = distance > 0
    a = alpha[..., None]
    image_in[out] = _bytes(a * person + (1.0 - a) * plate)[out]
    plate_in[out] = _bytes(plate)[out]
    mask_in[out] = alpha[out]
    return image_in, mask_in, plate_in


def _bytes(array: np.ndarray) -> np.ndarray:
    return np.clip(array + 0.5, 0, 255).astype(np.uint8)


def _smooth(t: np.ndarray) -> np.ndarray:
    """Smoothstep of `t` clipped to [0, 1]."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def outside_share(shape: tuple[int, int], box) -> float:
    """Share of the window `box` (x0, y0, width, height) lying beyond a photo of
    (H, W) `shape`."""
    h, w = shape
    x0, y0, bw, bh = box
    iw = max(0, min(x0 + bw, w) - max(x0, 0))
    ih = max(0, min(y0 + bh, h) - max(y0, 0))
    return 1.0 - iw * ih / float(bw * bh)
