"""Dense backward warp from sparse control-point displacements.

1. Once per portrait: triangulate the control points (Delaunay, source canvas) and store
   each coarse-grid node's barycentric weights as a sparse (G*G, N) matrix.
2. Per batch of frames: forward displacement on the grid = W @ d (one sparse matmul for
   all frames), then invert it by fixed-point iteration p <- q - D(p), which converges
   where the warp does not fold (|dD/dp| < 1; damped for safety), and upsample the
   resulting source coordinates to the output size.
3. Sample pixels with `remap`: OpenCV on CPU (SIMD, ~1 ms for 512 x 512 x 4, some 20x
   faster than torch's grid_sample there), grid_sample on CUDA. Everything else is the
   same torch code on both devices.
"""
from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from scipy.spatial import Delaunay

FIXED_POINT_STEPS = 8


def interpolation_matrix(points: np.ndarray, grid: int, size: int, device: str) -> torch.Tensor:
    """Sparse (grid*grid, N) barycentric weights of grid nodes over a triangulation of
    `points` (N, 2), canvas px. Nodes outside the hull take their nearest point."""
    tri = Delaunay(points, qhull_options="QJ")
    coords = (np.arange(grid) + 0.5) * size / grid
    gx, gy = np.meshgrid(coords, coords)
    nodes = np.stack([gx.ravel(), gy.ravel()], 1)
    simplex = tri.find_simplex(nodes)
    inside = simplex >= 0
    trans = tri.transform[simplex[inside]]
    bary2 = np.einsum("nij,nj->ni", trans[:, :2], nodes[inside] - trans[:, 2])
    bary = np.concatenate([bary2, 1 - bary2.sum(1, keepdims=True)], 1)
    rows = np.repeat(np.nonzero(inside)[0], 3)
    cols = tri.simplices[simplex[inside]].ravel()
    vals = bary.ravel()
    outside = np.nonzero(~inside)[0]
    if len(outside):
        near = np.linalg.norm(nodes[outside, None] - points[None], axis=-1).argmin(1)
        rows, cols = np.concatenate([rows, outside]), np.concatenate([cols, near])
        vals = np.concatenate([vals, np.ones(len(outside))])
    idx = torch.as_tensor(np.stack([rows, cols]), dtype=torch.long)
    w = torch.sparse_coo_tensor(idx, torch.as_tensor(vals, dtype=torch.float32),
                                (grid * grid, len(points)))
    return w.coalesce().to(device)


def _sample(field: torch.Tensor, xy: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear sample of a (B, 2, G, G) field at (B, G, G, 2) canvas px positions."""
    norm = xy * (2.0 / size) - 1.0
    out = F.grid_sample(field, norm, mode="bilinear", padding_mode="border", align_corners=False)
    return out.permute(0, 2, 3, 1)


def backward_map(weights: torch.Tensor, disp: torch.Tensor, grid: int, size: int,
                 out_size: int) -> torch.Tensor:
    """(B, N, 2) control displacements -> (B, out, out, 2) source px for each output px."""
    b, n, _ = disp.shape
    fwd = torch.sparse.mm(weights, disp.permute(1, 0, 2).reshape(n, b * 2))  # (G*G, B*2)
    fwd = fwd.reshape(grid, grid, b, 2).permute(2, 3, 0, 1).contiguous()  # (B, 2, G, G)
    coords = (torch.arange(grid, device=disp.device, dtype=torch.float32) + 0.5) * size / grid
    gy, gx = torch.meshgrid(coords, coords, indexing="ij")
    q = torch.stack([gx, gy], -1).expand(b, grid, grid, 2)
    p = q - fwd.permute(0, 2, 3, 1)
    for _ in range(FIXED_POINT_STEPS):
        p = 0.3 * p + 0.7 * (q - _sample(fwd, p, size))
    # Upsample the displacement, not the coordinates, so the identity map stays exact.
    back = (p - q).permute(0, 3, 1, 2) * (out_size / size)
    back = F.interpolate(back, size=(out_size, out_size), mode="bilinear", align_corners=False)
    pix = torch.arange(out_size, device=disp.device, dtype=torch.float32)
    py, px = torch.meshgrid(pix, pix, indexing="ij")
    return back.permute(0, 2, 3, 1) + torch.stack([px, py], -1)  # OpenCV pixel centres


def remap(image: torch.Tensor | np.ndarray, src: torch.Tensor) -> torch.Tensor:
    """Sample `image` (H, W, C) at `src` (B, H', W', 2) px -> (B, H', W', C), same dtype.

    CPU: cv2.remap per frame (uint8 or int16 images stay integer); CUDA: grid_sample.
    """
    if src.device.type == "cpu":
        img = image.numpy() if isinstance(image, torch.Tensor) else image
        maps = src.numpy()
        out = [cv2.remap(img, m[..., 0], m[..., 1], cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE) for m in maps]
        out = [o[..., None] if o.ndim == 2 else o for o in out]
        return torch.from_numpy(np.stack(out))
    img = torch.as_tensor(image, device=src.device)
    h, w = img.shape[:2]
    scale = torch.tensor([2.0 / w, 2.0 / h], device=src.device)
    grid = (src + 0.5) * scale - 1.0
    chw = img.permute(2, 0, 1)[None].float().expand(len(src), -1, -1, -1)
    out = F.grid_sample(chw, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return out.permute(0, 2, 3, 1).round().to(img.dtype)
