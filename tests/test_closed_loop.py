"""Closed loop through pixels: render a commanded value, re-analyze the frame, recover it.

Tolerances, and why:
  * every sweep must be monotone in the commanded direction (slack 0.03 for
    coefficients, 1 deg for angles): the order of values must survive the pixels;
  * the recovered change must be at least GAIN_MIN of the commanded change and (for pose)
    at most GAIN_MAX. MediaPipe's landmark model regularises towards typical faces, so it
    under-reads small local motions (brows, lips) by up to ~2/3; pose goes through a
    rigid Procrustes fit and is read much more faithfully: a turn or nod within 25 % of
    the command (the issue asks 20 % at 25 degrees, `benchmarks/lifelike.py`), which
    needs the renderer's perspective (render/geometry.py, CAMERA_DISTANCE): drawn in weak
    perspective, 14 of 22 yaw and pitch sweeps read 0.55-0.74 of the command;
  * a full blink must read as a closed eye and jawOpen 1.0 as an open mouth with teeth.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import cached_latent, cached_renderer, portrait_params
from vasa_core.eval.metrics import eye_ratio
from vasa_core.face import analyze_frames, detect_and_fit
from vasa_core.face import topology as T
from vasa_core.io.examples import example_portraits
from vasa_core.latent import RELATIVE, Motion
from vasa_core.animate.tour import sweep

EXPRESSION_SWEEPS = {  # name -> (values, minimum gain)
    "jawOpen": ([0.0, 0.5, 1.0], 0.3),
    "mouthSmileLeft": ([0.0, 0.5, 1.0], 0.3),
    "mouthPucker": ([0.0, 0.5, 1.0], 0.05),
    "eyeBlinkLeft": ([0.0, 0.5, 1.0], 0.2),
    "browInnerUp": ([0.0, 0.5, 1.0], 0.1),
}
PAIRED = {"mouthSmileLeft": "mouthSmileRight", "eyeBlinkLeft": "eyeBlinkRight"}
ANGLE_SWEEPS = {"gaze_yaw": ([-20.0, 0.0, 20.0], 0.25, 2.0),
                "gaze_pitch": ([-15.0, 0.0, 15.0], 0.1, 2.0)}
POSE_SWEEPS = {"yaw": (15.0, 0.75, 1.25), "pitch": (10.0, 0.75, 1.25), "roll": (10.0, 0.7, 1.3),
               "log_scale": (0.2, 0.7, 1.3)}
SLACK = {"deg": 1.0, "coef": 0.03}


def _recover(path, name, values):
    renderer = cached_renderer(str(path))
    motion = sweep(cached_latent(str(path)).motion0(), name, values)
    if name in PAIRED:
        motion = motion.set(PAIRED[name], np.asarray(values))
    frames = renderer.render(motion)
    return frames, analyze_frames(frames, shape=_reference(path, name))[name]


def _reference(path, name):
    """The neutral a sweep is read against: the person's own identity for the relative
    coefficients (their rest is the photo, latent.RELATIVE), the canonical face (None)
    for the absolute articulators, pose and gaze."""
    return cached_latent(str(path)).identity if name in RELATIVE else None


def _check(values, got, slack, gain_min, gain_max=np.inf):
    values = np.asarray(values)
    assert np.all(np.diff(got) >= -slack), f"not monotone: {values} -> {np.round(got, 3)}"
    gain = (got[-1] - got[0]) / (values[-1] - values[0])
    assert gain_min <= gain <= gain_max, f"gain {gain:.2f}: {values} -> {np.round(got, 3)}"


PORTRAITS = portrait_params()

# Known gaps, measured 2026-11-22 (see the issue note): MediaPipe does not read these
# renders the commanded way yet. strict=True: a fix makes them fail until removed here.
KNOWN_GAPS = {
    ("jawOpen", "liveportrait_d9.jpg"),  # her photo's mouth is already wide open
    ("mouthPucker", "face_recognition_biden2.jpg"), ("mouthPucker", "face_recognition_obama.jpg"),
    ("gaze_yaw", "liveportrait_d9.jpg"),
    ("pitch", "liveportrait_d9.jpg"),  # her head thrown back (-11 deg): a nod reads 0.63
    ("gaze_pitch", "face_recognition_biden2.jpg"), ("gaze_pitch", "liveportrait_d8.jpg"),
    ("gaze_pitch", "liveportrait_d9.jpg"),
    # at 512 px the Vermeer's wide-open mouth, drawn 0.41, reads 0.33 (0.35 at 256 px,
    # benchmarks/lifelike.py)
    ("wide open", "liveportrait_s10.jpg"),
}


def _known_gap(name, path):
    if (name, path.name) in KNOWN_GAPS:
        return pytest.mark.xfail(strict=True, reason="known closed-loop gap")
    return None


def _params(names):
    out = []
    for name in names:
        for p in PORTRAITS:
            path = p.values[0]
            mark = _known_gap(name, path)
            out.append(pytest.param(path, name, id=f"{name}-{path.name}",
                                    marks=[mark] if mark else []))
    return out


@pytest.mark.parametrize(("path", "name"), _params(EXPRESSION_SWEEPS))
def test_expression_recovered(path, name):
    values, gain = EXPRESSION_SWEEPS[name]
    _, got = _recover(path, name, values)
    _check(values, got, SLACK["coef"], gain)


@pytest.mark.parametrize(("path", "name"), _params(ANGLE_SWEEPS))
def test_gaze_recovered(path, name):
    values, lo, hi = ANGLE_SWEEPS[name]
    _, got = _recover(path, name, values)
    _check(values, got, SLACK["deg"], lo, hi)


@pytest.mark.parametrize(("path", "name"), _params(POSE_SWEEPS))
def test_pose_recovered(path, name):
    step, lo, hi = POSE_SWEEPS[name]
    own = getattr(cached_latent(str(path)).pose0, name)
    values = [own - step, own, own + step]
    _, got = _recover(path, name, values)
    _check(values, got, SLACK["deg"] if name != "log_scale" else 0.01, lo, hi)


SHUT = 0.65  # MediaPipe re-reads visibly shut lids at 0.24-0.6 of their open gap; a
# lid that does not move reads 0.9-1.0 (Obama and Biden blinked one eye before 2026-11-22)
CLOSED = 0.45  # both eyes' aspect ratio (eval.metrics.eye_ratio) over open: a real blink


def _lid_gaps(frame) -> np.ndarray:
    """(2,) the re-detected opening of the subject's left and right eye: mean distance of
    the middle upper/lower lid points over the outer-eye-corner distance."""
    _, lm, _ = detect_and_fit(frame)
    eyes = np.linalg.norm(lm[33, :2] - lm[263, :2])
    gaps = []
    for side in ("left", "right"):
        up, lo = T.lid_pairs(side)
        gaps.append(np.linalg.norm(lm[lo[2:7], :2] - lm[up[2:7], :2], axis=1).mean() / eyes)
    return np.array(gaps)


@pytest.mark.parametrize("path", PORTRAITS)
def test_full_blink_reads_closed(path):
    """At blink 1.0 each eye must re-read at most SHUT as open as the photo's own, and both
    eyes' aspect ratio at most CLOSED of theirs (issue 24: "reads as closed to MediaPipe").
    Measured on the lid landmarks, not on the coefficient: a fit against the canonical
    face reads narrow eyes as shut already (which once hid a portrait blinking one eye)."""
    latent, renderer = cached_latent(str(path)), cached_renderer(str(path))
    rest = latent.motion0()
    frames = renderer.render(Motion.concat(
        [rest, rest.set("eyeBlinkLeft", 1.0).set("eyeBlinkRight", 1.0)]))
    open_, shut = _lid_gaps(frames[0]), _lid_gaps(frames[1])
    assert np.all(shut <= SHUT * open_), f"lid gaps {np.round(open_, 3)} -> {np.round(shut, 3)}"
    ratio = eye_ratio(detect_and_fit(frames[1])[1]) / eye_ratio(detect_and_fit(frames[0])[1])
    assert ratio <= CLOSED, f"eye aspect ratio {ratio:.3f} of open"


WIDE_OPEN = 0.35  # issue 24: a commanded wide-open jaw, in eye distances on pixels


@pytest.mark.parametrize("path", [
    pytest.param(p.values[0], id=p.id, marks=[m for m in [_known_gap("wide open", p.values[0])] if m])
    for p in PORTRAITS])
def test_full_jaw_open_shows_teeth(path):
    """jawOpen 1 (mouthClose 0) reads as a wide-open mouth on every portrait, whatever its
    own expression (a grim face is stretched, render.geometry.JAW_OPEN_GAP; a mouth opened
    past belief is bounded, JAW_WIDEST_GAP), with teeth and a dark cavity inside."""
    motion = cached_latent(str(path)).motion0().set("jawOpen", 1.0).set("mouthClose", 0.0)
    frame = cached_renderer(str(path)).render(motion)[0]
    _, lm, _ = detect_and_fit(frame)
    assert T.opening_ratio(lm[:, :2]) >= WIDE_OPEN, \
        f"mouth reads {T.opening_ratio(lm[:, :2]):.3f} eye distances open"
    import cv2
    poly = lm[list(T.LIPS_INNER), :2]
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [poly.round().astype(np.int32)], 1)
    grey = frame.mean(-1)[mask > 0]
    face = frame.mean(-1)[int(lm[:, 1].min()):int(lm[:, 1].max()), int(lm[:, 0].min()):int(lm[:, 0].max())]
    teeth = (grey > np.percentile(face, 50)).mean()
    dark = (grey < 0.5 * np.median(face)).mean()
    assert teeth > 0.05, f"no teeth visible ({teeth:.3f} of the opening is bright)"
    assert dark > 0.1, f"no dark cavity ({dark:.3f})"


@pytest.mark.parametrize("path", [e.path for e in example_portraits()], ids=lambda p: p.name)
def test_a_full_jaw_is_drawn_at_the_widest_gap_and_speech_below_it_untouched(path):
    """The drawn landmarks (no reading): jawOpen 1 parts the lips by JAW_WIDEST_GAP eye
    distances in the photo's view (or by the photo's own opening, if wider); 0.6, about
    the widest syllable speech asks for, stays below the jaw's ceiling."""
    import torch
    from vasa_core.latent import EXPRESSION_NAMES, EXPRESSION_SLICE
    from vasa_core.render.geometry import JAW_WIDEST_GAP, N_MESH

    latent, geometry = cached_latent(str(path)), cached_renderer(str(path)).geometry
    own = latent.motion0()
    rows = np.stack([own.values[0]] + [own.set("jawOpen", j).set("mouthClose", 0.0).values[0]
                                       for j in (0.6, 1.0)])
    drawn = [T.opening_ratio(t[:N_MESH]) for t in
             geometry.displacement(torch.as_tensor(rows)).target]
    assert drawn[2] == pytest.approx(max(JAW_WIDEST_GAP, drawn[0]), abs=0.015)
    k = EXPRESSION_NAMES.index("jawOpen")
    speech = float(geometry._personalise(torch.as_tensor(rows[1:2, EXPRESSION_SLICE]))[0, k])
    assert speech < float(geometry._ceiling[k]) and drawn[1] < drawn[2] - 0.02


SPEECH_JAW, SPEECH_GAP = 0.2, 0.045  # a small syllable's jaw; its lips' gap in eye distances


@pytest.mark.parametrize("path", PORTRAITS)
def test_lips_part_at_a_small_speech_opening(path):
    """A pressed-lips photo is fitted with its jaw partly open; retargeted through
    lips_meet, a small generated opening still parts its lips on pixels (issue 24: "a
    mouth that barely opens on some faces"). Without it, d30, d8 and the Sadtalker
    painting read 0.033-0.044 here, lips sealed through every small syllable."""
    from vasa_core.animate.retarget import Retarget
    from vasa_core.eval.metrics import opening_ratio
    from vasa_core.latent import MOTION_INDEX
    from vasa_core.render.geometry import lips_meet

    latent = cached_latent(str(path))
    own = latent.motion0().values[0]
    generated = own.copy()
    generated[[MOTION_INDEX["jawOpen"], MOTION_INDEX["mouthClose"]]] = SPEECH_JAW, 0.0
    motion = Retarget(own, own, lips_meet=lips_meet(latent))(generated[None])
    found = detect_and_fit(cached_renderer(str(path)).render(motion)[0])
    assert opening_ratio(found[1][:, :2]) >= SPEECH_GAP
