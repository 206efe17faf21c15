"""The backward map of one portrait's control-point motion.

Control points (face mesh, head proxy, a ring fading below the chin, still canvas-border
anchors; geometry.py) are triangulated once (Delaunay, source canvas); their motion is a
piecewise-affine forward warp D. Its inverse is solved in two ways:
  * everywhere, on a coarse grid (G = size / 4): D at the nodes is one sparse product
    W @ d (barycentric weights built once), inverted by the damped fixed point
    p <- q - D(p), which converges where the warp does not fold and degrades smoothly
    where it nearly does (the far cheek of a turned head); the compositor upsamples it;
  * around the eyes and lips at 1 px (fine.py, raster.py), exactly, by rasterising the
    moved triangles: there the lips' slit stretches many times over as the mouth opens
    (where the fixed point diverges) and lid lines must stay sharp.
(Rasterising the whole canvas is exact too, but at grid resolution its occlusion edges
at folds come out as 4 px stair steps, and it costs more than the fixed point.)
All of it is NumPy/OpenCV on the CPU, whatever device then samples the pixels
(benchmarks/render.py times it).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import scipy.sparse
from scipy.spatial import Delaunay

from .fine import FineRegion, refine

FIXED_POINT_STEPS = 8  # from the forward guess q - D(q); damped 0.3 old + 0.7 new


@dataclass
class Flow:
    """A batch's backward flow: output pixel q samples source point q + coarse(q).

    coarse (B, G, G, 2) float32 canvas px at the grid nodes; moved (B, N, 2) the control
    points' target positions and depth (B, N) their depth (larger = farther), for the
    fine regions."""

    coarse: np.ndarray
    moved: np.ndarray
    depth: np.ndarray


class Warp:
    """Triangulation built once per portrait; `solve` per batch, `refine` per frame."""

    def __init__(self, source: np.ndarray, size: int, grid: int):
        self.source, self.size, self.grid = source.astype(np.float64), size, grid
        self.tri = Delaunay(source, qhull_options="QJ")
        self.triangles = self.tri.simplices
        self.weights = interpolation_matrix(self.tri, grid_nodes(grid, size))  # (G*G, N)
        self.mesh: np.ndarray | None = None
        self.regions: tuple[FineRegion, ...] = ()

    def add_regions(self, mesh: np.ndarray, groups, margin_px) -> None:
        """Solve at 1 px around each landmark group in `groups`, padded by the matching
        `margin_px`; mesh (478, 2) the portrait's own landmarks, canvas px."""
        self.mesh = mesh
        self.regions = tuple(FineRegion.around(mesh, idx, m, self.source, self.triangles)
                             for idx, m in zip(groups, margin_px))

    def solve(self, disp: np.ndarray, depth: np.ndarray) -> Flow:
        """disp (B, N, 2) control displacements, depth (B, N) -> Flow."""
        b, n, _ = disp.shape
        g = self.grid
        fwd = self.weights @ disp.transpose(1, 0, 2).reshape(n, b * 2)  # (G*G, B*2)
        # (B, G, G, 2) in grid cells: node (i, j) sits at grid coordinates (j, i).
        fwd = fwd.reshape(g, g, b, 2).transpose(2, 0, 1, 3).astype(np.float32) * (g / self.size)
        coarse = np.stack([_invert(f) for f in fwd]) * np.float32(self.size / g)
        return Flow(coarse, self.source + disp, depth)

    def refine(self, src_map: np.ndarray, flow: Flow, i: int, target: np.ndarray) -> None:
        """Frame i's map (S, S, 2) re-solved at 1 px in the fine regions; target (478, 2)."""
        for region in self.regions:
            refine(src_map, region, self.source, flow.moved[i], flow.depth[i], target,
                   self.mesh)


def grid_nodes(grid: int, size: int) -> np.ndarray:
    """(G*G, 2) node positions of the coarse grid, canvas px, row-major."""
    coords = (np.arange(grid) + 0.5) * size / grid
    gx, gy = np.meshgrid(coords, coords)
    return np.stack([gx.ravel(), gy.ravel()], 1)


def interpolation_matrix(tri: Delaunay, nodes: np.ndarray) -> scipy.sparse.csr_matrix:
    """Sparse (M, N) barycentric weights of `nodes` (M, 2) over the triangulation `tri` of
    N control points, canvas px. Nodes outside the hull take their nearest point."""
    simplex = tri.find_simplex(nodes)
    inside = simplex >= 0
    trans = tri.transform[simplex[inside]]
    bary2 = np.einsum("nij,nj->ni", trans[:, :2], nodes[inside] - trans[:, 2])
    bary = np.concatenate([bary2, 1 - bary2.sum(1, keepdims=True)], 1)
    rows = np.repeat(np.nonzero(inside)[0], 3)
    cols, vals = tri.simplices[simplex[inside]].ravel(), bary.ravel()
    outside = np.nonzero(~inside)[0]
    if len(outside):
        near = np.linalg.norm(nodes[outside, None] - tri.points[None], axis=-1).argmin(1)
        rows, cols = np.concatenate([rows, outside]), np.concatenate([cols, near])
        vals = np.concatenate([vals, np.ones(len(outside))])
    shape = (len(nodes), len(tri.points))
    return scipy.sparse.csr_matrix((vals, (rows, cols)), shape=shape)


def _invert(fwd: np.ndarray) -> np.ndarray:
    """Backward displacement p - q (G, G, 2) of a forward one (G, G, 2), grid cells, by
    the damped fixed point p <- q - D(p) (OpenCV, per frame)."""
    q = _node_grid(fwd.shape[0])
    fwd = np.ascontiguousarray(fwd)
    p = q - fwd
    for _ in range(FIXED_POINT_STEPS):
        d = cv2.remap(fwd, p, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        p = cv2.addWeighted(p, 0.3, cv2.subtract(q, d), 0.7, 0.0)
    return p - q


def _node_grid(g: int) -> np.ndarray:
    py, px = np.mgrid[0:g, 0:g].astype(np.float32)
    return np.stack([px, py], -1)
