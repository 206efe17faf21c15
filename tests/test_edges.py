"""No invented edges: on tight crops (the face touching each border of the photo, a small
webcam shot), a head that moves, turns and changes distance never stretches the crop's
border rows or columns into streaks, and the user is told when the photo ends at the head.
"""
from __future__ import annotations

import warnings

import cv2
import numpy as np
import pytest

from vasa_core.face import analyze_image
from vasa_core.io.examples import example_portrait_path
from vasa_core.io.media import load_image
from vasa_core.latent import Motion
from vasa_core.render import Renderer

SIZE = 160
MOVES = (("log_scale", -0.25), ("log_scale", 0.25), ("pitch", 12.0), ("pitch", -12.0),
         ("yaw", 20.0), ("yaw", -20.0), ("y", 0.06), ("y", -0.06), ("x", 0.06), ("x", -0.06))
BAND = 10  # px at each border where streaks would show
STREAKED = 0.35  # share of a band's neighbouring lines that are (nearly) the same line


def tight_crops() -> dict[str, np.ndarray]:
    """The built-in portrait cut so that the head touches one border, and a 256 px shot."""
    image = load_image(example_portrait_path())  # 600 x 512, the face near the middle
    return {"head at the top": image[60:380, 96:416],
            "head at the left": image[100:420, 130:450],
            "head at the right": image[100:420, 60:380],
            "chin at the bottom": image[0:300, 100:400],
            "256 px webcam shot": cv2.resize(image[40:520, 16:496], (256, 256),
                                             interpolation=cv2.INTER_AREA)}


def streaks(frame: np.ndarray) -> dict[str, float]:
    """Per border, the share of lines in its band that repeat the line next to them
    (mean absolute difference under one grey level): a stretched edge is all repeats."""
    f = frame.astype(np.float32)
    bands = {"top": np.diff(f[:BAND], axis=0), "bottom": np.diff(f[-BAND:], axis=0),
             "left": np.diff(f[:, :BAND], axis=1), "right": np.diff(f[:, -BAND:], axis=1)}
    return {side: float((np.abs(d).mean(-1) < 1.0).mean()) for side, d in bands.items()}


@pytest.fixture(scope="module")
def renders() -> dict[str, np.ndarray]:
    out = {}
    for name, image in tight_crops().items():
        latent = analyze_image(image)
        m0 = latent.motion0()
        moved = [m0.set(dim, float(m0[dim][0]) + delta) for dim, delta in MOVES]
        out[name] = Renderer(latent, size=SIZE).render(Motion.concat([m0, *moved]))
    return out


@pytest.mark.parametrize("name", list(tight_crops()))
def test_moving_heads_never_streak_the_border(renders, name):
    frames = renders[name]
    for move, frame in zip(("own", *(f"{d} {v:+g}" for d, v in MOVES)), frames):
        worst = max(streaks(frame).items(), key=lambda item: item[1])
        assert worst[1] < STREAKED, f"{name}, {move}: the {worst[0]} border streaks {worst}"


def test_the_streak_measure_sees_a_stretched_border():
    """The measure can fail: a frame whose top rows repeat its 10th row reads as streaked."""
    frame = load_image(example_portrait_path())[:SIZE, :SIZE].copy()
    assert max(streaks(frame).values()) < STREAKED
    frame[:BAND] = frame[BAND]
    assert streaks(frame)["top"] > 0.9


def test_the_user_is_told_when_the_photo_ends_at_the_head(tmp_path):
    from tiny_checkpoint import save_tiny_checkpoint, speech_like
    from vasa_core.pipeline import ContinuedEdgeWarning, TalkingFacePipeline

    pipe = TalkingFacePipeline.from_pretrained(save_tiny_checkpoint(tmp_path / "ckpt"))
    wave = (speech_like(0.3), 16000)
    with pytest.warns(ContinuedEdgeWarning, match=r"ends at the head \(top\)"):
        pipe(tight_crops()["head at the left"], wave, size=64, steps=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ContinuedEdgeWarning)
        pipe(example_portrait_path(), wave, size=64, steps=1)  # room around the head


def test_the_command_line_prints_the_notice(tmp_path, capsys):
    from tiny_checkpoint import save_tiny_checkpoint, speech_like, write_wav
    from vasa_core.cli import main

    image = tmp_path / "tight.png"
    cv2.imwrite(str(image), cv2.cvtColor(tight_crops()["head at the left"], cv2.COLOR_RGB2BGR))
    speech = write_wav(tmp_path / "s.wav", speech_like(0.3))
    assert main(["generate", "--image", str(image), "--audio", str(speech), "--out",
                 str(tmp_path / "o.mp4"), "--size", "64", "--steps", "1", "--checkpoint",
                 str(save_tiny_checkpoint(tmp_path / "ckpt"))]) == 0
    assert "note: the photo ends at the head (top)" in capsys.readouterr().err
