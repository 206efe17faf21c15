"""Renderer: FaceLatent x Motion -> frames (docs/design.md, "Renderer").

Layers (all in a square canvas around the head, `size` px):
  person      the portrait and its alpha, warped by the dense backward map (warp.py);
  background  the static plate (the person inpainted away) where the head uncovers it;
  mouth       a synthesised interior inside the target inner-lip contour (mouth.py);
  eyes        lids closed over the eye, irises moved for gaze (eyes.py).
Compositing is exact at the portrait's own motion whatever the plate's quality: the
person's colour F is solved from I = aF + (1-a)B (layers.py), and an output pixel q that
samples source point p gets a(p)F(p) + (1-a(p))B(q), which is I(q) when p = q.

Output: "face" crop (VASA-1 style square, default 512) or "full" (the canvas pasted back
into the original image at its own resolution).
"""
from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np
import torch

from ..face import topology as T
from ..latent import FaceLatent, Motion
from .camera import placed, zoom_window, zoomed
from .eyes import EyeRenderer
from .geometry import Canvas, HeadGeometry
from .layers import split_layers
from .mouth import MouthRenderer
from .outpaint import continued, outside_share
from .compositor import Compositor
from .warp import Warp

CROP_FACTOR = 2.6  # canvas side / face-box side: head, hair and a little of the shoulders
MARGIN = 0.15  # of the canvas side: source carried beyond each edge of a "face" crop
TOUCHING = 0.2  # share of a photo edge beside the head that the person covers: "touching"
GRID_DIVISOR = 4  # the flow is solved on a (size / 4)^2 grid, then upsampled ...
EYE_MARGIN, LIPS_MARGIN = 0.08, 0.12  # ... and at 1 px around eyes and lips (face widths)


def face_canvas(latent: FaceLatent, size: int | None, margin: float = 1.0,
                zoom: float = 1.0) -> Canvas:
    """The largest square of side `margin` x CROP_FACTOR x face box centred on the face
    that fits in the portrait (integer pixels), so no output pixel is invented at the
    portrait's own motion, then narrowed by a camera `zoom` (widened below 1, past the
    photo's edges if need be: outpaint.py fills what lies beyond). `size` None keeps the
    native resolution and the canvas edge still (it is pasted back into the photo); a
    "face" crop carries a MARGIN beyond its edges."""
    h, w = latent.size
    x0, y0, x1, y1 = latent.face_box
    side = min(h, w, round(margin * CROP_FACTOR * max(x1 - x0, y1 - y0)))
    side = max(1, int(round(side / zoom)))
    centre = ((x0 + x1) / 2, (y0 + y1) / 2 - 0.05 * (y1 - y0))
    left, top = placed(centre, (side, side), (w, h))
    carried = 0 if size is None else int(round(MARGIN * size))
    return Canvas(left, top, side, size or side, carried)


class Renderer:
    """Animate one portrait. `render(motion)` -> (T, H, W, 3) uint8.

    crop="face": a size x size square around the head (`margin` scales the room around
    it); crop="full": the whole portrait at its resolution with the head region
    re-rendered. `zoom` > 1 brings the camera nearer (camera.py): a face crop takes a
    square that much smaller, a full image is cropped around the face and scaled back; a
    zoom below 1 widens the view, past the photo's edges if need be (`filled` says how
    much of the frame lies beyond, outpaint.py continues it). Batches of frames share
    one sparse matmul and one fixed-point solve; `device="cuda"` runs the same code on a
    GPU.
    """

    def __init__(self, latent: FaceLatent, size: int = 512, crop: str = "face",
                 device: str = "cpu", margin: float = 1.0, zoom: float = 1.0):
        if crop not in ("face", "full"):
            raise ValueError(f"crop must be 'face' or 'full', got {crop!r}")
        if not 64 <= int(size) <= 4096:
            raise ValueError(f"size must be between 64 and 4096 px, got {size}")
        self.latent, self.crop, self.device = latent, crop, device
        if not (np.isfinite(zoom) and zoom > 0):
            raise ValueError(f"zoom must be a finite number > 0, got {zoom}")
        out_size = int(size) if crop == "face" else None
        self.canvas = face_canvas(latent, out_size, margin, zoom if crop == "face" else 1.0)
        self._window = self._full_window(zoom) if crop == "full" else None
        self.size = self.canvas.size
        self.geometry = HeadGeometry(latent, self.canvas, device)
        self.warp = Warp(self.geometry.source, self.size, max(16, self.size // GRID_DIVISOR))
        self.warp.add_surface(self.geometry.n_mesh)
        self._fine_regions()
        self._layers()
        self.compositor = Compositor(self.layers, self.warp, device)
        self.mouth = MouthRenderer(latent, self.geometry, self.image)
        self.eyes = EyeRenderer(latent, self.geometry, self.image)
        self.continued = self._continued_edges()
        self._backdrop_image = self._backdrop() if crop == "full" else None

    @property
    def frame_size(self) -> tuple[int, int]:
        """(height, width) of the frames `render` returns."""
        return (self.size, self.size) if self.crop == "face" else tuple(self.latent.size)

    def _full_window(self, zoom: float) -> tuple[int, int, int, int]:
        """The window (x0, y0, width, height) px of the photo a full image shows through a
        camera `zoom` times nearer, centred on the face (a face crop zooms its canvas
        instead, `face_canvas`)."""
        x0, y0, x1, y1 = self.latent.face_box
        return zoom_window(tuple(self.latent.size), ((x0 + x1) / 2, (y0 + y1) / 2), zoom)

    @property
    def filled(self) -> float:
        """Share of each frame (at the portrait's own motion) beyond the photo's edges,
        filled by outpaint.py: above 0 only for a camera moved back past the photo."""
        if self._window is not None:
            return outside_share(self.latent.size, self._window)
        c = self.canvas
        return outside_share(self.latent.size, (int(c.x0), int(c.y0), int(c.side), int(c.side)))

    def _continued_edges(self) -> tuple[str, ...]:
        """The photo edges ("top", "left", "right") the head or hair touches inside a
        "face" crop: moving the head there uncovers pixels the photo does not have, which
        the margin continues (outpaint.py). The bottom is left out: clothes
        continuing below a portrait are what the photo would show."""
        c, (_, w) = self.canvas, self.latent.size
        if not c.margin:
            return ()
        mask, chin = self.latent.mask, int(self.latent.face_box[3])
        x0, y0 = max(int(c.x0), 0), max(int(c.y0), 0)  # within the photo
        x1 = min(int(c.x0 + c.side), w)
        rows = slice(y0, max(min(chin, int(c.y0 + c.side)), y0 + 1))  # beside the head
        edges = {"top": (y0 == 0, mask[0, x0:x1]), "left": (x0 == 0, mask[rows, 0]),
                 "right": (x1 == w, mask[rows, w - 1])}
        return tuple(name for name, (at_edge, line) in edges.items()
                     if at_edge and float(np.mean(line)) > TOUCHING)

    def _fine_regions(self) -> None:
        """Eyes and lips, where lids and lip lines need an exact inverse (fine.py)."""
        face = self.latent.scale_px * self.canvas.scale
        eyes = [(*T.lid_pairs(side)[0], *T.lid_pairs(side)[1]) for side in ("left", "right")]
        lips = T.LIPS_OUTER_UPPER + T.LIPS_OUTER_LOWER
        self.warp.add_regions(self.geometry.source_full, (*eyes, lips),
                              (EYE_MARGIN * face, EYE_MARGIN * face, LIPS_MARGIN * face))

    def _layers(self) -> None:
        """Canvas-sized portrait and its compositing layers (layers.py), the latter with
        the canvas margin around them: the photo's own pixels where it has them, continued
        beyond its edges (outpaint.py), never a stretched edge row."""
        c, lat = self.canvas, self.latent
        m = int(np.ceil(c.margin / c.scale)) if c.margin else 0  # source px
        s = int(c.side)
        box = (int(c.x0) - m, int(c.y0) - m, s + 2 * m, s + 2 * m)
        image, mask, background = continued(lat.image, lat.mask, lat.background,
                                            lat.face_box, box)
        inner = (slice(m, m + s), slice(m, m + s))
        self.image = self._scaled(image[inner], c.size)
        alpha = self._padded(mask, self._scaled(mask[inner], c.size, cv2.INTER_LINEAR),
                             cv2.INTER_LINEAR)
        self.layers = split_layers(
            self._padded(image, self.image),
            alpha, self._padded(background, self._scaled(background[inner], c.size)),
            c.margin)

    @staticmethod
    def _scaled(patch: np.ndarray, size: int, interp=None) -> np.ndarray:
        """A square `patch` scaled to `size` px (area-averaged down, cubic up)."""
        if patch.shape[0] == size:
            return np.ascontiguousarray(patch)
        interp = interp or (cv2.INTER_AREA if size < patch.shape[0] else cv2.INTER_CUBIC)
        return cv2.resize(patch, (size, size), interpolation=interp)

    def _padded(self, window: np.ndarray, inner: np.ndarray, interp=None) -> np.ndarray:
        """The canvas crop `inner` (size, size, ...) with the canvas margin around it,
        scaled from `window`, the source square that includes the margin."""
        c = self.canvas
        if not c.margin:
            return inner
        out = self._scaled(window, c.size + 2 * c.margin, interp)
        out[c.margin:c.margin + c.size, c.margin:c.margin + c.size] = inner
        return out

    def _motion_tensor(self, motion: Motion) -> torch.Tensor:
        return torch.as_tensor(motion.values, dtype=torch.float64, device=self.device)

    @torch.no_grad()
    def render_canvas(self, motion: Motion, out: np.ndarray | None = None) -> np.ndarray:
        """(T, size, size, 3) uint8 canvas frames, written into `out` when given."""
        m = self._motion_tensor(motion)
        controls = self.geometry.displacement(m)
        flow = self.warp.solve(controls.disp, controls.depth, controls.turn)
        frames = np.empty((len(motion), self.size, self.size, 3), np.uint8) if out is None else out
        target_np = controls.target
        for i, src_map in enumerate(self.compositor.draw(flow, target_np, frames)):
            self.mouth.paint(frames[i], target_np[i], motion.values[i])
            self.eyes.paint(frames[i], target_np[i], src_map, motion.values[i])
        return frames

    def render(self, motion: Motion, batch: int = 16) -> np.ndarray:
        """(T, H, W, 3) uint8 frames for a whole motion."""
        if self.crop == "full":
            return np.concatenate(list(self.render_iter(motion, batch)))
        out = np.empty((len(motion), self.size, self.size, 3), np.uint8)
        for start in range(0, len(motion), batch):
            self.render_canvas(motion[start:start + batch], out[start:start + batch])
        return out

    def render_iter(self, motion: Motion, batch: int = 16) -> Iterator[np.ndarray]:
        """Yield (B, H, W, 3) uint8 batches, so long clips stream in bounded memory."""
        for start in range(0, len(motion), batch):
            canvas = self.render_canvas(motion[start:start + batch])
            yield canvas if self.crop == "face" else self._paste(canvas)

    def _paste(self, canvas: np.ndarray) -> np.ndarray:
        """(B, H, W, 3) full images: the canvas frames pasted back into the photo (or its
        continuation, for a camera moved back past it) and seen through the camera."""
        c, (h, w) = self.canvas, self.latent.size
        x0, y0, s = int(c.x0), int(c.y0), int(c.side)
        wx, wy, ww, wh = self._window
        rx, ry = min(wx, 0), min(wy, 0)  # the region drawn: the photo and the window
        out = np.repeat(self._backdrop_image[None], len(canvas), axis=0)
        out[:, y0 - ry:y0 - ry + s, x0 - rx:x0 - rx + s] = canvas
        return zoomed(out, (wx - rx, wy - ry, ww, wh), (h, w))

    def _backdrop(self) -> np.ndarray:
        """The photo, continued to cover the camera's window: what a full image's canvas
        is pasted into."""
        (h, w), (wx, wy, ww, wh), lat = self.latent.size, self._window, self.latent
        rx, ry = min(wx, 0), min(wy, 0)
        box = (rx, ry, max(wx + ww, w) - rx, max(wy + wh, h) - ry)
        return continued(lat.image, lat.mask, lat.background, lat.face_box, box)[0]
