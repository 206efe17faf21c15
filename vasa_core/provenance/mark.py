"""The visible "AI-generated" mark stamped on every output frame by default.

A label in the bottom-right corner: white text on a half-transparent dark box, sized to
the frame (text about 1/28 of the frame height). The overlay is drawn once per frame size
and then alpha-blended onto each frame with numpy.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

MARK_TEXT = "AI-generated"


def add_visible_mark(frames: np.ndarray, text: str = MARK_TEXT) -> np.ndarray:
    """A copy of (H, W, 3) or (B, H, W, 3) uint8 frames with the mark in the corner."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or frames.shape[-1] != 3:
        raise ValueError(f"frames must be (H, W, 3) or (B, H, W, 3) uint8, got "
                         f"{frames.shape} {frames.dtype}")
    height, width = frames.shape[-3:-1]
    colour, alpha, (y0, x0) = _overlay(height, width, text)
    out = frames.copy()
    region = out[..., y0:y0 + alpha.shape[0], x0:x0 + alpha.shape[1], :].astype(np.float32)
    out[..., y0:y0 + alpha.shape[0], x0:x0 + alpha.shape[1], :] = np.rint(
        region * (1.0 - alpha) + colour * alpha).astype(np.uint8)
    return out


@lru_cache(maxsize=8)
def _overlay(height: int, width: int, text: str
             ) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """(colour (h, w, 3) float32, alpha (h, w, 1) float32, top-left (y, x)) of the label."""
    font = ImageFont.load_default(size=max(8, round(height / 28)))
    left, top, right, bottom = font.getbbox(text)
    pad = max(2, round(height / 120))
    box_w = min(width, right - left + 2 * pad)
    box_h = min(height, bottom - top + 2 * pad)
    # RGBA canvas: a 55 % black box, the text fully opaque white on top.
    canvas = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 140))
    ImageDraw.Draw(canvas).text((pad - left, pad - top), text, font=font,
                                fill=(255, 255, 255, 255))
    rgba = np.asarray(canvas, dtype=np.float32) / 255.0
    y0, x0 = max(0, height - box_h - pad), max(0, width - box_w - pad)
    return rgba[..., :3] * 255.0, rgba[..., 3:], (y0, x0)
