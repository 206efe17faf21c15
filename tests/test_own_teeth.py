"""A photo that shows its teeth keeps them as the mouth opens (render/own_teeth.py), read on
pixels: the upper row stays with the skull, the lower row goes down with the jaw, and a
mouth whose "teeth" are no paler than the skin is drawn with the synthesised rows instead.

Eileen Collins (a built-in portrait) smiles with her upper teeth showing; a second copy of
her photo has a two-row mouth painted in, with a dark bite between the rows, so that the
lower row's path can be followed too.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
import torch

from conftest import cached_latent
from vasa_core.face import topology as T
from vasa_core.io.examples import example_portraits
from vasa_core.render import Renderer
from vasa_core.render.own_teeth import distinct

INNER = list(T.LIPS_INNER)


@pytest.fixture(scope="module")
def collins():
    path = next(str(e.path) for e in example_portraits() if e.path.name == "astronaut.png")
    return cached_latent(path)


def _opened(renderer: Renderer, latent, jaw: float) -> tuple[np.ndarray, np.ndarray]:
    """(grey frame (S, S), target landmarks (478, 2)) with the jaw at `jaw`, lips apart."""
    motion = latent.motion0().set("jawOpen", jaw).set("mouthClose", 0.0)
    frame = renderer.render(motion)[0].astype(np.float32).mean(-1)
    return frame, renderer.geometry.displacement(torch.as_tensor(motion.values)).target[0]


def _band(points: np.ndarray, top: float, bottom: float) -> tuple[slice, slice]:
    """Rows between shares `top` and `bottom` of the lip gap at the mouth's middle, over
    the middle half of its width (points (478, 2) px)."""
    left, right = points[78, 0], points[308, 0]
    up, down = points[13, 1], points[14, 1]
    return (slice(int(up + top * (down - up)), int(np.ceil(up + bottom * (down - up)))),
            slice(int(left + 0.25 * (right - left)), int(left + 0.75 * (right - left))))


def _found(frame: np.ndarray, patch: np.ndarray, rows: slice, cols: slice,
           reach: int = 4) -> tuple[float, int]:
    """(normalised cross-correlation, vertical offset px) of `patch` best matched in
    `frame` within `reach` px of (rows, cols)."""
    region = frame[rows.start - reach:rows.stop + reach, cols.start - reach:cols.stop + reach]
    scores = cv2.matchTemplate(region, patch, cv2.TM_CCOEFF_NORMED)
    _, best, _, (_, y) = cv2.minMaxLoc(scores)
    return float(best), y - reach


def test_the_photos_upper_teeth_are_drawn_and_stay_with_the_skull(collins):
    renderer = Renderer(collins, size=512)
    source = renderer.geometry.source
    rows, cols = _band(source, 0.05, 0.8)
    teeth = renderer.image.astype(np.float32).mean(-1)[rows, cols]
    found = [_found(_opened(renderer, collins, jaw)[0], teeth, rows, cols) for jaw in (0.5, 1.0)]
    # the synthesised rows in her teeth's colour match at 0.54
    assert min(score for score, _ in found) > 0.75, found
    assert abs(found[0][1] - found[1][1]) <= 1, f"upper teeth moved with the jaw: {found}"


def _two_rows(latent) -> object:
    """`latent` with a two-row mouth painted inside its inner lips: white teeth with grey
    seams every 5 px, the lower row's seams offset, and a dark bite between them."""
    image = latent.image.copy()
    pts = latent.landmarks[:, :2]
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [pts[INNER].round().astype(np.int32)], 1)
    ys, xs = np.nonzero(mask)
    share = (ys - pts[13, 1]) / (pts[14, 1] - pts[13, 1])
    seam = ((xs + np.where(share > 0.6, 2, 0)) % 5) == 0
    colour = np.where(seam, 170, 240)
    colour = np.where((share > 0.48) & (share < 0.6), 40, colour)
    image[ys, xs] = colour[:, None]
    return dataclasses.replace(latent, image=image)


def test_the_photos_lower_teeth_go_down_with_the_jaw(collins):
    latent = _two_rows(collins)
    renderer = Renderer(latent, size=512)
    source = renderer.geometry.source
    rows, cols = _band(source, 0.62, 1.0)
    lower = renderer.image.astype(np.float32).mean(-1)[rows, cols]
    frame, target = _opened(renderer, latent, 1.0)
    drop = round(float(target[14, 1] - source[14, 1]))
    assert drop > 10
    moved = _found(frame, lower, slice(rows.start + drop, rows.stop + drop), cols)
    left = _found(frame, lower, rows, cols)
    # found at 0.66-0.78 over jawOpen 0.6-1 (the synthesised rows alone: 0.49-0.53)
    assert moved[0] > 0.65, f"the photo's lower row is not above the lower lip: {moved}"
    assert left[0] < moved[0] - 0.2, f"a lower row stays behind at the photo's place: {left}"


def test_only_teeth_paler_or_brighter_than_the_skin_are_carried():
    tan, white = np.array([200.0, 150, 120]), np.array([240.0, 238, 232])
    assert distinct(white, tan) == 1.0
    assert distinct(tan * 1.02, tan) == 0.0  # a blurred mouth, as pale as the cheek
    grey = np.array([150.0, 150, 150])  # a photo without colour: brightness decides
    assert distinct(np.array([230.0, 230, 230]), grey) == 1.0
    assert distinct(grey, grey) == 0.0
