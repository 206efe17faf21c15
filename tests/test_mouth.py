"""The synthesised mouth interior looks like a mouth (render/mouth.py), read on pixels.

An open mouth in the real videos shows about ten separate teeth under the upper lip, the
lower teeth's edge just above the lower lip, and a tongue on the floor of the mouth; the
old interior showed four slabs and a lower row floating mid-opening. Frames are the
renderer's own, at 512 px on the built-in portrait (whose closed mouth shows no teeth of
its own), read along the mouth's midline with the target landmarks the renderer drew.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.signal import find_peaks

from conftest import cached_latent, cached_renderer
from vasa_core.face import topology as T
from vasa_core.io.examples import example_portrait_path, example_portraits
from vasa_core.render.mouth_frame import MouthFrame


@pytest.fixture(scope="module")
def opened():
    """(frame (S, S, 3), target landmarks (478, 2) canvas px) with the jaw at 0.7."""
    path = str(example_portrait_path())
    renderer = cached_renderer(path)
    motion = cached_latent(path).motion0().set("jawOpen", 0.7).set("mouthClose", 0.0)
    frame = renderer.render(motion)[0]
    target = renderer.geometry.displacement(torch.as_tensor(motion.values)).target[0]
    return frame.astype(np.float32).mean(-1), target


def _sample(grey: np.ndarray, frame: MouthFrame, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Grey values at mouth-frame coordinates (u, v) px (nearest pixel)."""
    xy = frame.origin + u[:, None] * frame.axis + v[:, None] * frame.normal
    x, y = np.clip(xy.round().astype(int), 0, np.array(grey.shape[::-1]) - 1).T
    return grey[y, x]


def test_the_upper_row_is_many_separate_teeth(opened):
    grey, target = opened
    frame = MouthFrame(target)
    u = np.linspace(-0.6 * frame.half, 0.6 * frame.half, 400)
    v_up = frame.curve(target, T.LIPS_INNER_UPPER, u)
    eyes = float(np.linalg.norm(target[33] - target[263]))
    # seams: dips at least 6 grey levels deep between brighter teeth, on lines across
    # the row's lower part (the biting edges' rounded corners mark them best)
    seams = max(len(find_peaks(-_sample(grey, frame, u, v_up + k * eyes), prominence=6.0)[0])
                for k in np.linspace(0.02, 0.06, 5))
    assert seams >= 5, f"{seams} seams across the upper row: fewer than six teeth"


def test_lower_teeth_rest_on_the_lower_lip(opened):
    grey, target = opened
    frame = MouthFrame(target)
    u = np.zeros(1)
    v_up = float(frame.curve(target, T.LIPS_INNER_UPPER, u)[0])
    v_lo = float(frame.curve(target, T.LIPS_INNER_LOWER, u)[0])
    v = np.linspace(v_up, v_lo, 200)[1:-1]
    column = _sample(grey, frame, np.zeros_like(v), v)
    lower_half = v > (v_up + v_lo) / 2
    bright = column > np.percentile(column, 80)
    assert bright[lower_half].any(), "no lower teeth at the midline"
    depth = (v_lo - v[lower_half & bright]) / (v_lo - v_up)  # 0 at the lower lip
    assert depth.max() < 0.25, (
        f"lower teeth float {depth.max():.2f} of the opening above the lower lip")


@pytest.mark.parametrize("example", example_portraits(), ids=lambda e: e.path.name)
def test_an_opened_mouth_is_an_oval_and_the_photo_is_kept(example):
    """The jaw is drawn tapered towards the corners (face/basis.py, tapered_jaw): beside
    each corner the lower lip drops 0.69-0.73 as far as in the middle on the built-in
    portraits (rigid, 0.83-0.89: a box), and the photo's own motion still draws the
    photo's own landmarks."""
    path = str(example.path)
    geometry = cached_renderer(path).geometry
    own = cached_latent(path).motion0()
    rows = np.stack([own.values[0], own.set("jawOpen", 0.55).set("mouthClose", 0.0).values[0]])
    controls = geometry.displacement(torch.as_tensor(rows))
    assert np.abs(controls.disp[0][:468]).max() < 1e-3
    lower = list(T.LIPS_INNER_LOWER)
    drop = np.linalg.norm(controls.target[1][lower] - controls.target[0][lower], axis=1)
    beside = (drop[1] + drop[-2]) / 2 / drop[5]
    assert beside < 0.78, f"beside its corners the lower lip drops {beside:.2f} of the middle"
