"""Pixels: build each frame's dense source map, sample the person layers, blend.

    map(q)  = q + up(flow)(q), re-solved at 1 px in the fine regions  (S, S, 2) px
    out(q)  = C(p) + (1 - a(p)) B(q), p = map(q)                        (layers.py)

The map is built per frame on the CPU in OpenCV (a bilinear resize of the coarse flow and
a few small fixed-point solves), with buffers reused across frames: on
small machines allocating and first-touching fresh 1-2 MB arrays every frame (page faults)
costs more than the sampling itself. Sampling and blending then run in OpenCV
(`remap`, `multiply`, saturating `add`) or, on CUDA, in torch (`grid_sample`); the "torch"
backend also runs on CPU so tests can check the two agree. Where a frame's time goes:
benchmarks/render.py (benchmarks/RESULTS.md, "Renderer").
"""
from __future__ import annotations

import functools
from collections.abc import Iterator

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .layers import Layers
from .warp import Flow, Warp


class Compositor:
    """Draw frames of one portrait's layers from a batch's Flow."""

    def __init__(self, layers: Layers, warp: Warp, device: str = "cpu",
                 backend: str | None = None):
        self.layers, self.warp, self.device = layers, warp, torch.device(device)
        self.backend = backend or ("opencv" if self.device.type == "cpu" else "torch")
        if self.backend not in ("opencv", "torch"):
            raise ValueError(f"backend must be 'opencv' or 'torch', got {self.backend!r}")
        s = self.size = layers.plate.shape[0]
        self._map = np.empty((s, s, 2), np.float32)
        self._colour = np.empty((s, s, 3), np.float32)
        self._alpha = np.empty((s, s), np.float32)
        self._keep = np.empty((s, s), np.float32)
        self._back = np.empty((s, s, 3), np.float32)
        self._shifted = np.empty((s, s, 2), np.float32)  # the map in the layers' own px
        if self.backend == "torch":
            self._gpu = {k: torch.as_tensor(v, device=self.device) for k, v in vars(layers).items()
                         if isinstance(v, np.ndarray)}

    def source_map(self, flow: Flow, i: int, target: np.ndarray) -> np.ndarray:
        """Frame i's (S, S, 2) float32 source px per output px (a reused buffer)."""
        # A fresh copy: OpenCV's SIMD paths round differently for differently aligned
        # inputs, and a frame must not depend on its position in the batch.
        coarse = flow.coarse[i].copy()
        cv2.resize(coarse, (self.size, self.size), dst=self._map,
                   interpolation=cv2.INTER_LINEAR)
        np.add(self._map, identity_grid(self.size), out=self._map)
        self.warp.refine(self._map, flow, i, target)
        return self._map

    def draw(self, flow: Flow, targets: np.ndarray, out: np.ndarray) -> Iterator[np.ndarray]:
        """Composite frame i into out[i] (B, S, S, 3) uint8 and yield its source map, valid
        until the next step. targets (B, 478, 2) px."""
        for i in range(len(out)):
            src_map = self.source_map(flow, i, targets[i])
            if self.backend == "opencv":
                self._blend_opencv(src_map, out[i])
            else:
                self._blend_torch(src_map, out[i])
            yield src_map

    def _blend_opencv(self, src_map: np.ndarray, out: np.ndarray) -> None:
        lay = self.layers
        if lay.margin:
            src_map = np.add(src_map, np.float32(lay.margin), out=self._shifted)
        cv2.remap(lay.person, src_map, None, cv2.INTER_LINEAR, dst=self._colour,
                  borderMode=cv2.BORDER_REPLICATE)
        cv2.remap(lay.alpha, src_map, None, cv2.INTER_LINEAR, dst=self._alpha,
                  borderMode=cv2.BORDER_REPLICATE)
        np.subtract(1.0, self._alpha, out=self._keep)
        cv2.merge([self._keep] * 3, dst=self._back)
        cv2.multiply(lay.plate, self._back, dst=self._back)
        cv2.add(self._colour, self._back, dst=out, dtype=cv2.CV_8U)  # rounds, saturates

    def _blend_torch(self, src_map: np.ndarray, out: np.ndarray) -> None:
        g = self._gpu
        src = torch.as_tensor(src_map, device=self.device)[None] + self.layers.margin
        colour = grid_sample_px(g["person"], src)[0]
        a = grid_sample_px(g["alpha"][..., None], src)[0]
        frame = colour + (1 - a) * g["plate"]
        out[:] = frame.round().clamp(0, 255).to(torch.uint8).cpu().numpy()


@functools.lru_cache(maxsize=8)
def identity_grid(size: int) -> np.ndarray:
    """(S, S, 2) float32 pixel coordinates (x, y); read-only, shared between calls."""
    py, px = np.mgrid[0:size, 0:size].astype(np.float32)
    ident = np.stack([px, py], -1)
    ident.flags.writeable = False
    return ident


def grid_sample_px(image: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
    """Bilinear sample of float `image` (H, W, C) at `src` (B, H', W', 2) px, OpenCV
    convention (pixel centres at integers, borders replicated) -> (B, H', W', C)."""
    chw = image.permute(2, 0, 1)[None].expand(len(src), -1, -1, -1)
    h, w = image.shape[:2]
    scale = torch.tensor([2.0 / w, 2.0 / h], device=src.device, dtype=src.dtype)
    out = F.grid_sample(chw, (src + 0.5) * scale - 1.0, mode="bilinear",
                        padding_mode="border", align_corners=False)
    return out.permute(0, 2, 3, 1)
