"""Appearance layers for compositing: a premultiplied person over a still plate.

The renderer draws out(q) = C(p) + (1 - a(p)) B(q) for an output pixel q that samples
source point p (docs/design.md, "Renderer": person warped, background still), where C = a F is
the person's premultiplied colour. At the portrait's own motion p = q and the output must
be the portrait I whatever the quality of the inpainted plate B, so we store
    C = I - (1 - a) B,
which makes out(q) = I(q) exactly there. C may leave [0, 255] where the plate is poor
under a soft edge, so it is kept in float32; premultiplied (rather than straight) colour
also means bilinear sampling cannot bleed the colour of nearly transparent pixels into
visible ones. (A straight-alpha uint8 variant composites a little faster but
shows coloured fringes at hair edges and needs the plate altered under soft edges.)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Layers:
    """`person` (S + 2m, S + 2m, 3) float32 premultiplied colour C and `alpha` (S + 2m,
    S + 2m) float32 in [0, 1], over the canvas and a margin of m = `margin` px on every
    side (sampled at canvas point p + m); `plate` (S, S, 3) float32 background B (whole
    grey levels) under the canvas, where it stays."""

    person: np.ndarray
    alpha: np.ndarray
    plate: np.ndarray
    margin: int = 0


def split_layers(image: np.ndarray, alpha: np.ndarray, plate: np.ndarray,
                 margin: int = 0) -> Layers:
    """Layers with C + (1 - a) B = I. image, plate (S + 2m, S + 2m, 3) uint8; alpha
    (S + 2m, S + 2m) in [0, 1]; m = `margin`."""
    a = np.clip(alpha.astype(np.float32), 0.0, 1.0)
    b = plate.astype(np.float32)
    person = image.astype(np.float32) - (1.0 - a[..., None]) * b
    inner = slice(margin, b.shape[0] - margin)
    return Layers(person=person, alpha=a, plate=np.ascontiguousarray(b[inner, inner]),
                  margin=margin)
