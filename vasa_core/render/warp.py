"""The backward map of one portrait's control-point motion.

Control points (face mesh, head proxy, a ring fading below the chin, still canvas-border
anchors; geometry.py) are triangulated once (Delaunay, source canvas); their motion is a
piecewise-affine forward warp D. Its inverse is solved in two ways:
  * everywhere, on a coarse grid (G = size / 4): D at the nodes is one sparse product
    W @ d (barycentric weights built once), inverted by the damped fixed point
    p <- q - D(p), which converges where the warp does not fold and degrades smoothly
    where it nearly does (the far cheek of a turned head); the compositor upsamples it;
  * where a turned or nodding head folds its face surface (a triangle turned away), on the
    same grid, by rasterising the face mesh's triangles far to near (raster.py): the far
    cheek slides behind the nose and is hidden instead of folding into stripes
    (`Warp._occlude`); it fades in between TURN_HIDES degrees away from the portrait's
    own pose, and stretched triangles (a cheek uncovered) keep the smoother fixed point;
  * around the eyes and lips at 1 px (fine.py, raster.py), exactly, by rasterising the
    moved triangles: there the lips' slit stretches many times over as the mouth opens
    (where the fixed point diverges) and lid lines must stay sharp.
(Rasterising the whole canvas at every frame is exact too, but costs more than the fixed
point, which is already the inverse wherever nothing folds.)
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
from .raster import backward_points, draw_order

FIXED_POINT_STEPS = 8  # from the forward guess q - D(q); damped 0.3 old + 0.7 new
# A face-surface triangle's target area over its source area: the exact inverse is
# trusted up to TRUSTED, the fixed point takes over by STRETCHED (`Warp._occlude`).
TRUSTED, STRETCHED = 1.3, 2.0
FOLDING = 0.0  # ... and below this area ratio (turned away) a triangle folds
# Degrees of turn or nod away from the portrait's own pose over which hiding fades in: a
# head near its own pose does not fold, and its lids and lips keep the fixed point's map.
TURN_HIDES = (8.0, 13.0)


def _area(tri: np.ndarray) -> np.ndarray:
    """(K,) signed areas of triangles (K, 3, 2)."""
    e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    return 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])


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
        self.surface = np.zeros((0, 3), np.int64)  # triangles of the face surface
        self._surface_source = np.zeros((0, 3, 2))  # ... their corners (K, 3, 2) px
        self._surface_area = np.zeros(0)  # ... and signed areas (K,), nonzero

    def add_surface(self, n_mesh: int) -> None:
        """Hide what the face surface covers: the triangles among the first `n_mesh`
        control points (the face mesh) are rasterised on the coarse grid far to near."""
        self.surface = self.triangles[(self.triangles < n_mesh).all(1)]
        self._surface_source = self.source[self.surface]
        area = _area(self._surface_source)
        self._surface_area = np.where(np.abs(area) > 1e-9, area, 1e-9)

    def add_regions(self, mesh: np.ndarray, groups, margin_px) -> None:
        """Solve at 1 px around each landmark group in `groups`, padded by the matching
        `margin_px`; mesh (478, 2) the portrait's own landmarks, canvas px."""
        self.mesh = mesh
        self.regions = tuple(FineRegion.around(mesh, idx, m, self.source, self.triangles)
                             for idx, m in zip(groups, margin_px))

    def solve(self, disp: np.ndarray, depth: np.ndarray,
              turn: np.ndarray | None = None) -> Flow:
        """disp (B, N, 2) control displacements, depth (B, N), turn (B,) degrees away from
        the portrait's own pose (None: 0, nothing hidden) -> Flow."""
        b, n, _ = disp.shape
        g = self.grid
        fwd = self.weights @ disp.transpose(1, 0, 2).reshape(n, b * 2)  # (G*G, B*2)
        # (B, G, G, 2) in grid cells: node (i, j) sits at grid coordinates (j, i).
        fwd = fwd.reshape(g, g, b, 2).transpose(2, 0, 1, 3).astype(np.float32) * (g / self.size)
        coarse = np.stack([_invert(f) for f in fwd]) * np.float32(self.size / g)
        moved = self.source + disp
        hidden = np.zeros(b) if turn is None else np.clip((turn - TURN_HIDES[0])
                                                          / (TURN_HIDES[1] - TURN_HIDES[0]), 0, 1)
        for i in np.nonzero(hidden > 0)[0]:
            self._occlude(coarse[i], moved[i], depth[i], float(hidden[i]))
        return Flow(coarse, moved, depth)

    def _occlude(self, coarse: np.ndarray, moved: np.ndarray, depth: np.ndarray,
                 weight: float) -> None:
        """Move the coarse map (G, G, 2), by `weight`, towards the face surface's exact
        inverse where it covers a node, the nearest triangle winning: a turned head's far
        cheek slides behind the nose instead of folding. A triangle stretched well past
        its own area (the far cheek uncovered by a turn, a sliver of photo) keeps the
        smoother fixed point, as does one turned away (its area's sign flipped)."""
        g, s, tris = self.grid, self.grid / self.size, self.surface
        src, tgt = self._surface_source, moved[tris]
        ratio = _area(tgt) / self._surface_area
        folding = ratio < FOLDING
        if not folding.any():
            return  # nothing folds: the fixed point is already the inverse
        # only around the folding triangles (a box of grid nodes), with all that meets it
        lo = np.floor(tgt[folding].min((0, 1)) * s - 2).clip(0, g).astype(int)
        hi = np.ceil(tgt[folding].max((0, 1)) * s + 2).clip(0, g).astype(int)
        meets = np.all(tgt.max(1) * s >= lo, 1) & np.all(tgt.min(1) * s <= hi, 1)
        (x0, y0), (x1, y1) = lo, hi
        ids = np.full((y1 - y0, x1 - x0), -1, np.int32)
        ys, xs, q, p = backward_points(ids.shape, (x0, y0), s, tgt[meets], src[meets],
                                       draw_order(depth, tris[meets]), ids)
        trust = np.clip((STRETCHED - ratio[meets]) / (STRETCHED - TRUSTED), 0.0, 1.0)
        w = (weight * trust[ids[ys, xs]])[:, None].astype(np.float32)
        ys, xs = ys + y0, xs + x0
        coarse[ys, xs] += w * ((p - q).astype(np.float32) - coarse[ys, xs])

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
