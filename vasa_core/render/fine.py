"""Full-resolution backward map in small regions: eyes and lips.

The coarse map (warp.py) is exact at the nodes of a size/4 grid but bilinear between them,
which blurs a lid line or a lip edge over ~4 px. Around the eyes and lips the same
rasterised inverse (raster.py) runs at 1 px in a box that follows the region, feathered
into the coarse map over the box's padding and faded in with how much the region deforms
(a still eye keeps the coarse map, which is then already right to a pixel).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .raster import backward_points, draw_order


@dataclass(frozen=True)
class FineRegion:
    """`landmarks` index the 478-point target mesh; their bounding box padded by `margin`
    px is the region in each frame. `triangles` (K, 3) are the control triangles whose
    source boxes meet the region's padded source box."""

    landmarks: tuple[int, ...]
    margin: float
    triangles: np.ndarray

    @classmethod
    def around(cls, mesh: np.ndarray, idx, margin: float, control: np.ndarray,
               simplices: np.ndarray) -> "FineRegion":
        """mesh (478, 2) and control (N, 2) source px; simplices (T, 3) into control."""
        lo = mesh[list(idx)].min(0) - 1.25 * margin
        hi = mesh[list(idx)].max(0) + 1.25 * margin
        corners = control[simplices]  # (T, 3, 2)
        meets = np.all(corners.max(1) >= lo, 1) & np.all(corners.min(1) <= hi, 1)
        return cls(tuple(int(i) for i in idx), float(margin), simplices[meets])

    def activity(self, target: np.ndarray, mesh: np.ndarray) -> float:
        """0 -> 1 as the region deforms beyond a similarity (0.5 -> 1.5 px of residual):
        head motion moves a small region near-rigidly, which the coarse map follows to a
        pixel, while a blink (a squash, not a similarity) fades the fine map in. The fit
        is complex least squares: dst = a src + b."""
        src = mesh[list(self.landmarks)] @ [1, 1j]
        dst = target[list(self.landmarks)] @ [1, 1j]
        design = np.stack([src, np.ones_like(src)], 1)
        fit, *_ = np.linalg.lstsq(design, dst, rcond=None)
        return float(np.clip(np.abs(design @ fit - dst).max() - 0.5, 0.0, 1.0))

    def box(self, target: np.ndarray, size: int) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1) integer px of the region in a frame with landmarks `target`."""
        pts = target[list(self.landmarks)]
        lo = np.floor(pts.min(0) - self.margin).astype(int).clip(0, size)
        hi = np.ceil(pts.max(0) + self.margin).astype(int).clip(0, size)
        if np.any(hi - lo < 2):
            return None
        return int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])


def refine(src_map: np.ndarray, region: FineRegion, source: np.ndarray, moved: np.ndarray,
           depth: np.ndarray, target: np.ndarray, mesh: np.ndarray) -> None:
    """Overwrite the region of src_map (S, S, 2), integer-centre px, with the 1 px inverse.
    source, moved (N, 2): control points before / after the warp (continuous px); depth
    (N,); target, mesh (478, 2): this frame's and the portrait's own landmarks."""
    gain = region.activity(target, mesh)
    box = region.box(target, src_map.shape[0])
    if gain <= 0.0 or box is None or len(region.triangles) == 0:
        return
    x0, y0, x1, y1 = box
    tris = region.triangles
    tgt = moved[tris]  # (K, 3, 2)
    seen = np.all(tgt.max(1) >= [x0, y0], 1) & np.all(tgt.min(1) <= [x1, y1], 1)
    tris, tgt = tris[seen], tgt[seen]
    ys, xs, _, p = backward_points((y1 - y0, x1 - x0), (x0, y0), 1.0, tgt, source[tris],
                                   draw_order(depth, tris))
    if len(ys) == 0:
        return
    patch = src_map[y0:y1, x0:x1]
    w = gain * _feather(x1 - x0, y1 - y0, region.margin / 2)[ys, xs]
    patch[ys, xs] += w * ((p - 0.5).astype(np.float32) - patch[ys, xs])


@functools.lru_cache(maxsize=64)
def _feather(w: int, h: int, ramp: float) -> np.ndarray:
    """(h, w, 1) weight: 1 inside, falling linearly to 0 over `ramp` px at the border."""
    ramp = max(ramp, 1.0)
    fx = np.minimum(np.arange(w) + 0.5, w - 0.5 - np.arange(w)) / ramp
    fy = np.minimum(np.arange(h) + 0.5, h - 0.5 - np.arange(h)) / ramp
    weight = np.minimum.outer(fy, fx).clip(0, 1).astype(np.float32)[..., None]
    weight.flags.writeable = False  # shared through the cache
    return weight
