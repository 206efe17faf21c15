"""Invert a piecewise-affine warp exactly by rasterising its target triangles.

The control points' Delaunay triangulation (source canvas) moves with the motion; each
triangle maps affinely from its target position back to its source position. Drawing the
target triangles' ids into a raster (OpenCV `fillConvexPoly`, cheap per triangle) and
applying each pixel's triangle's barycentric map gives the backward map with no iteration,
however strongly a triangle stretches (the lips' slit opening into a mouth) or folds (the
far cheek as the head turns). Where triangles overlap, the nearest wins: they are drawn
far to near by mean vertex depth (a painter's algorithm at triangle granularity).

A raster of shape (h, w) with `origin` (x0, y0) and `scale` s has pixel (i, j) centred at
canvas point ((x0 + j + 0.5) / s, (y0 + i + 0.5) / s): s = G / size for the coarse grid,
s = 1 for a full-resolution box.
"""
from __future__ import annotations

import cv2
import numpy as np


def draw_order(depth: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(K,) triangle indices far -> near; depth (N,) per control point, larger = farther."""
    return np.argsort(-depth[triangles].mean(1), kind="stable")


def backward_points(shape: tuple[int, int], origin, scale: float, target: np.ndarray,
                    source: np.ndarray, order: np.ndarray, ids: np.ndarray | None = None):
    """Source points for the raster pixels the target triangles cover.

    target, source (K, 3, 2) canvas px; order (K,) drawing order. Returns (ys, xs) pixel
    indices of covered pixels, their canvas centres q (P, 2) and source points p (P, 2).
    `ids`, if given, is a (h, w) int32 raster filled with -1 that receives each pixel's
    winning triangle (an index into target).
    """
    x0, y0 = origin
    ids = np.full(shape, -1, np.int32) if ids is None else ids
    pix = ((target * scale - [x0 + 0.5, y0 + 0.5]) * 16).round().astype(np.int32)  # 1/16 px
    for k, poly in zip(order.tolist(), pix[order]):
        cv2.fillConvexPoly(ids, poly, k, cv2.LINE_8, shift=4)
    ys, xs = np.nonzero(ids >= 0)
    k = ids[ys, xs]
    q = np.stack([(xs + x0 + 0.5) / scale, (ys + y0 + 0.5) / scale], 1)
    bary = barycentric(target[k], q)
    return ys, xs, q, np.einsum("pj,pjc->pc", bary, source[k])


EXTRAPOLATE = 0.35  # barycentric coordinates down to -0.35 are used as they are


def barycentric(tri: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(P, 3) barycentric coordinates of points q (P, 2) in triangles tri (P, 3, 2).

    OpenCV's rasteriser also claims pixels whose centres lie just outside a triangle's
    edge. Extrapolating the triangle's map a little there is right to first order (its
    neighbour across the edge agrees on the edge), but a thin or collapsed triangle's map
    extrapolates wildly: beyond EXTRAPOLATE the point is clamped onto the triangle.
    Collapsed triangles give their first corner."""
    e1, e2, d = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], q - tri[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    ok = np.abs(det) > 1e-9
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    l1 = (d[:, 0] * e2[:, 1] - d[:, 1] * e2[:, 0]) * inv
    l2 = (e1[:, 0] * d[:, 1] - e1[:, 1] * d[:, 0]) * inv
    bary = np.stack([1.0 - l1 - l2, l1, l2], 1)
    far = bary.min(1) < -EXTRAPOLATE
    clamped = bary[far].clip(0, None)
    bary[far] = clamped / np.maximum(clamped.sum(1, keepdims=True), 1e-12)
    bary[~ok] = (1.0, 0.0, 0.0)
    return bary
