"""Exact backward map in small regions (eyes, lips), by rasterising target triangles.

The coarse flow (warp.py) is solved on a size/4 grid by fixed-point iteration, which is
smooth and cheap but blurs a lid line over ~4 px and cannot invert strong stretching (the
lips' slit opening into a mouth stretches thin source triangles many times over, where
p <- q - D(p) diverges). Around the eyes and lips we therefore invert the piecewise-affine
warp directly: each control-mesh triangle maps affinely from its target position to its
source position, so we draw the target triangles' ids (OpenCV `fillConvexPoly`, a few
hundred per frame) and apply each pixel's triangle's barycentric map. Where triangles overlap
(folds), the face mesh is drawn over the head proxy and neck, and unfolded triangles over
flipped ones, so the chin covers the neck as the jaw opens. The result is feathered into
the coarse map over the region's padding, and faded in with how much the region deforms
(a still eye keeps the coarse map, which is then already exact to a pixel).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class FineRegion:
    """`landmarks` index the 478-point target mesh; their bounding box padded by `margin`
    px is the region in each frame. `triangles` (K, 3) are the control triangles whose
    source boxes meet the region's source box; `on_face` (K,) marks those of the face mesh."""

    landmarks: tuple[int, ...]
    margin: float
    triangles: np.ndarray
    on_face: np.ndarray

    @classmethod
    def around(cls, mesh: np.ndarray, idx, margin: float, control: np.ndarray,
               simplices: np.ndarray, n_face: int) -> "FineRegion":
        """mesh (478, 2) and control (N, 2) source px; simplices (T, 3) into control, whose
        first `n_face` points are the face mesh."""
        lo = mesh[list(idx)].min(0) - 1.25 * margin
        hi = mesh[list(idx)].max(0) + 1.25 * margin
        corners = control[simplices]  # (T, 3, 2)
        meets = np.all(corners.max(1) >= lo, 1) & np.all(corners.min(1) <= hi, 1)
        tris = simplices[meets]
        return cls(tuple(int(i) for i in idx), float(margin), tris, np.all(tris < n_face, 1))

    def activity(self, target: np.ndarray, mesh: np.ndarray) -> float:
        """0 -> 1 as the region deforms beyond a similarity (0.5 -> 1.5 px of residual):
        head motion moves a small region near-rigidly, which the coarse flow follows to a
        pixel, so still eyes cost nothing and a blink (a squash, not a similarity) fades
        the exact map in. The fit is complex least squares: dst = a src + b."""
        src = mesh[list(self.landmarks)] @ [1, 1j]
        dst = target[list(self.landmarks)] @ [1, 1j]
        design = np.stack([src, np.ones_like(src)], 1)
        fit, *_ = np.linalg.lstsq(design, dst, rcond=None)
        dev = float(np.abs(design @ fit - dst).max())
        return float(np.clip(dev - 0.5, 0.0, 1.0))

    def box(self, target: np.ndarray, size: int) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1) integer px of the region in a frame with landmarks `target`."""
        pts = target[list(self.landmarks)]
        lo = np.floor(pts.min(0) - self.margin).astype(int).clip(0, size)
        hi = np.ceil(pts.max(0) + self.margin).astype(int).clip(0, size)
        if np.any(hi - lo < 2):
            return None
        return int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])


def refine(src_map: np.ndarray, region: FineRegion, source: np.ndarray, moved: np.ndarray,
           target: np.ndarray, mesh: np.ndarray) -> None:
    """Overwrite the region of src_map (S, S, 2), integer-centre px, with the exact inverse.
    source, moved (N, 2): control points before / after the warp (continuous px);
    target, mesh (478, 2): this frame's and the portrait's own landmarks."""
    gain = region.activity(target, mesh)
    box = region.box(target, src_map.shape[0])
    if gain <= 0.0 or box is None or len(region.triangles) == 0:
        return
    x0, y0, x1, y1 = box
    tris = region.triangles
    tgt = moved[tris]  # (K, 3, 2)
    inside = np.all(tgt.max(1) >= [x0, y0], 1) & np.all(tgt.min(1) <= [x1, y1], 1)
    tris, tgt, on_face = tris[inside], tgt[inside], region.on_face[inside]
    src = source[tris]
    ids = np.full((y1 - y0, x1 - x0), -1, np.int32)
    pix = ((tgt - [x0 + 0.5, y0 + 0.5]) * 16).round().astype(np.int32)  # 4 subpixel bits
    unfolded = _orientation(tgt) * _orientation(src) > 0
    order = np.argsort(2 * on_face + unfolded, kind="stable")
    for k, poly in zip(order.tolist(), pix[order]):
        cv2.fillConvexPoly(ids, poly, k, cv2.LINE_8, shift=4)
    hit = ids >= 0
    if not hit.any():
        return
    ys, xs = np.nonzero(hit)
    corners = tgt[ids[hit]]  # (P, 3, 2) target triangle of each drawn pixel
    q = np.stack([xs + x0 + 0.5, ys + y0 + 0.5], 1)
    bary = _barycentric(corners, q)
    exact = np.einsum("pj,pjc->pc", bary, src[ids[hit]]) - 0.5
    patch = src_map[y0:y1, x0:x1]
    w = gain * _feather(x1 - x0, y1 - y0, region.margin / 2)[ys, xs]
    patch[ys, xs] += w * (exact.astype(np.float32) - patch[ys, xs])


def _orientation(tri: np.ndarray) -> np.ndarray:
    """(K,) signed doubled areas of (K, 3, 2) triangles."""
    a, b = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]


def _barycentric(tri: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(P, 3) barycentric coordinates of points q (P, 2) in triangles tri (P, 3, 2),
    clamped to the triangle: edge pixels that OpenCV rasterises just outside a thin
    triangle snap onto its edge instead of extrapolating. Collapsed triangles give their
    first corner."""
    e1, e2, d = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], q - tri[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    ok = np.abs(det) > 1e-9
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    l1 = (d[:, 0] * e2[:, 1] - d[:, 1] * e2[:, 0]) * inv
    l2 = (e1[:, 0] * d[:, 1] - e1[:, 1] * d[:, 0]) * inv
    bary = np.stack([1.0 - l1 - l2, l1, l2], 1).clip(0, None)
    bary[~ok] = (1.0, 0.0, 0.0)
    return bary / bary.sum(1, keepdims=True)


@functools.lru_cache(maxsize=64)
def _feather(w: int, h: int, ramp: float) -> np.ndarray:
    """(h, w, 1) weight: 1 inside, falling linearly to 0 over `ramp` px at the border."""
    ramp = max(ramp, 1.0)
    fx = np.minimum(np.arange(w) + 0.5, w - 0.5 - np.arange(w)) / ramp
    fy = np.minimum(np.arange(h) + 0.5, h - 0.5 - np.arange(h)) / ramp
    weight = np.minimum.outer(fy, fx).clip(0, 1).astype(np.float32)[..., None]
    weight.flags.writeable = False  # shared through the cache
    return weight
