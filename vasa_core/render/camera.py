"""Head distance as a camera move: the whole picture comes nearer, the head a little more.

VASA-1 conditions its motion on a head distance, the clip's mean log-scale (Sec. 3.3). Shown
as a scale of the head alone, a nearer head grows over the same shoulders (a bobblehead).
A camera moving in enlarges everything in view, and nearer things more: with the face at
distance D and the shoulders a hand behind it (delta ~ D / 6), moving the camera until the
face grows by log-factor d grows the shoulders by about (1 - 1/6) d. So a commanded
distance d (natural-log units, + = nearer) is split in two:

    camera   log zoom (1 - PERSPECTIVE) d: the renderer's view of the photo narrows (a
             face crop takes a smaller square of it; a full image is cropped around the
             face and scaled back to its size), which enlarges head, shoulders and
             background together;
    head     log scale PERSPECTIVE d on top (the pose's log_scale, `animate.retarget`):
             the nearest thing in view grows a little more than the rest.

A camera moved back past what the photo shows sees beyond its edges: that part is filled
(outpaint.py: the background continued and softened, hair and clothes continued, never a
stretched edge) and the pipeline tells the user how much of the frame it is.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

PERSPECTIVE = 0.15  # share of a commanded log-distance taken by the head alone (above)


def camera_log_zoom(distance: float | None) -> float:
    """The camera's part of a commanded distance (log units; 0 for None, "the model
    chooses", which stays a head scale as the model generated it)."""
    return (1.0 - PERSPECTIVE) * (distance or 0.0)


def camera_zoom(distance: float | None) -> float:
    """The linear zoom factor of `camera_log_zoom` (> 1: nearer)."""
    return math.exp(camera_log_zoom(distance))


def placed(centre: tuple[float, float], extent: tuple[int, int],
           frame: tuple[int, int]) -> tuple[int, int]:
    """(x0, y0) integer px of a window of `extent` (width, height) centred on `centre`
    (x, y) as far as a `frame` of (width, height) allows: inside it when it fits, else
    covering it whole (the rest lies beyond, for outpaint.py to fill)."""
    return tuple(int(np.clip(round(c - e / 2), *sorted((0, f - e))))
                 for c, e, f in zip(centre, extent, frame))


def zoom_window(shape: tuple[int, int], centre: tuple[float, float],
                zoom: float) -> tuple[int, int, int, int]:
    """(x0, y0, width, height) integer px of the (H, W) `shape` frame that a camera
    `zoom` times nearer sees, centred on `centre` (x, y) as far as the frame allows; below
    1 it is larger than the frame and reaches past it."""
    h, w = shape
    cw, ch = max(1, round(w / zoom)), max(1, round(h / zoom))
    return (*placed(centre, (cw, ch), (w, h)), cw, ch)


def zoomed(frames: np.ndarray, window: tuple[int, int, int, int],
           shape: tuple[int, int] | None = None) -> np.ndarray:
    """(B, H, W, 3) `frames`' `window` scaled to `shape` (H, W), by default the frames'
    own: the camera's view (the frames themselves when nothing changes)."""
    x0, y0, cw, ch = window
    h, w = shape or frames.shape[1:3]
    if (x0, y0, cw, ch) == (0, 0, w, h) and frames.shape[1:3] == (h, w):
        return frames
    return np.stack([cv2.resize(f[y0:y0 + ch, x0:x0 + cw], (w, h),
                                interpolation=cv2.INTER_LINEAR) for f in frames])
