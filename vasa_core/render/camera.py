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

A camera cannot move back past what the photo shows without inventing pixels: the zoom is
bounded by the photo (`Renderer.zoom` says what was reached) and the pipeline tells the user.
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


def zoom_window(shape: tuple[int, int], centre: tuple[float, float],
                zoom: float) -> tuple[int, int, int, int]:
    """(x0, y0, width, height) integer px of the (H, W) `shape` frame that a camera
    `zoom` >= 1 times nearer sees, centred on `centre` (x, y) as far as the frame allows."""
    h, w = shape
    cw, ch = max(1, round(w / zoom)), max(1, round(h / zoom))
    x0 = int(np.clip(round(centre[0] - cw / 2), 0, w - cw))
    y0 = int(np.clip(round(centre[1] - ch / 2), 0, h - ch))
    return x0, y0, cw, ch


def zoomed(frames: np.ndarray, window: tuple[int, int, int, int]) -> np.ndarray:
    """(B, H, W, 3) `frames`' `window` scaled back to (H, W): the camera's view (the
    frames themselves when the window is all of them)."""
    x0, y0, cw, ch = window
    h, w = frames.shape[1:3]
    if (cw, ch) == (w, h):
        return frames
    return np.stack([cv2.resize(f[y0:y0 + ch, x0:x0 + cw], (w, h),
                                interpolation=cv2.INTER_LINEAR) for f in frames])
