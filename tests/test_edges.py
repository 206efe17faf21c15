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
TEXTURED = 2.0  # grey levels rms of a line's detail: a pattern a stretch would streak


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
    (mean absolute difference under one grey level) and carry a pattern to repeat (their
    detail, `detail`, above TEXTURED grey levels rms): a stretched edge is all repeats,
    and a featureless line repeated (a smooth fill) shows no streak."""
    f = frame.astype(np.float32)
    cols = f.transpose(1, 0, 2)
    sides = {"top": f[:BAND], "bottom": f[-BAND:][::-1], "left": cols[:BAND],
             "right": cols[-BAND:][::-1]}
    out = {}
    for side, band in sides.items():
        repeats = np.abs(np.diff(band, axis=0)).mean(axis=(1, 2)) < 1.0
        textured = np.array([detail(line).std() > TEXTURED for line in band[1:]])
        out[side] = float((repeats & textured).mean())
    return out


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


# A camera moved back past the photo (render/outpaint.py) ------------------------------

CAMERA_BACK = 0.6  # zoom: the view 1 / 0.6 times wider than the photo allows


def detail(line: np.ndarray) -> np.ndarray:
    """(n, 3) line minus its own blur along its length: the pattern a stretch repeats."""
    f = line.astype(np.float32)
    return (f - cv2.GaussianBlur(f[None], (0, 0), 3.0)[0]).ravel()


def edge_repeats(frame: np.ndarray, renderer) -> float:
    """The highest correlation between the detail of the photo's own edge line and of a
    filled line 5 px or more beyond it, over the four edges inside `frame`."""
    c, (h, w) = renderer.canvas, renderer.latent.size
    s = c.scale
    lo_x, hi_x = max(0, int(np.ceil(-c.x0 * s))), min(c.size, int((w - c.x0) * s))
    lo_y, hi_y = max(0, int(np.ceil(-c.y0 * s))), min(c.size, int((h - c.y0) * s))
    lines = []  # (edge line, filled lines beyond it)
    if lo_y > 5:
        lines.append((frame[lo_y + 1, lo_x:hi_x], frame[:lo_y - 5, lo_x:hi_x]))
    if hi_y < c.size - 5:
        lines.append((frame[hi_y - 2, lo_x:hi_x], frame[hi_y + 5:, lo_x:hi_x]))
    cols = frame.transpose(1, 0, 2)
    if lo_x > 5:
        lines.append((cols[lo_x + 1, lo_y:hi_y], cols[:lo_x - 5, lo_y:hi_y]))
    if hi_x < c.size - 5:
        lines.append((cols[hi_x - 2, lo_y:hi_y], cols[hi_x + 5:, lo_y:hi_y]))
    best = 0.0
    for edge, beyond in lines:
        e = detail(edge)
        for line in beyond:
            d = detail(line)
            best = max(best, float(e @ d / (np.linalg.norm(e) * np.linalg.norm(d) + 1e-6)))
    return best


@pytest.mark.parametrize("name", list(tight_crops()))
def test_a_camera_moved_back_continues_the_photo_without_stretching_it(name):
    """Past the photo the frame is filled, and no filled line repeats the photo's edge."""
    latent = analyze_image(tight_crops()[name])
    renderer = Renderer(latent, size=SIZE, zoom=CAMERA_BACK)
    frame = renderer.render(latent.motion0())[0]
    assert renderer.filled > 0.3
    assert edge_repeats(frame, renderer) < 0.95, name  # a stretched edge: > 0.99


def test_the_repeat_measure_sees_a_stretched_edge():
    """The measure can fail: the same view with the photo's edge rows stretched outwards."""
    latent = analyze_image(tight_crops()["head at the top"])
    renderer = Renderer(latent, size=SIZE, zoom=CAMERA_BACK)
    frame = renderer.render(latent.motion0())[0]
    top = int(np.ceil(-renderer.canvas.y0 * renderer.canvas.scale))
    frame[:top] = frame[top + 1]
    assert edge_repeats(frame, renderer) > 0.99


def test_the_fill_never_brings_the_face_back():
    """Only a band beside each edge is continued, never the face itself: a photo whose
    face box is pure magenta on grey gets at most a blend of its colour beyond its edges
    (the edge's colours spread outwards), where mirroring the photo brings the face back
    whole."""
    from vasa_core.render.outpaint import continued

    image = np.full((200, 160, 3), 120, np.uint8)
    image[20:150, 30:130] = (255, 0, 255)  # the face box, 20 px below the top
    mask = np.zeros((200, 160), np.float32)
    mask[10:, 20:140] = 1.0
    box = (-160, -200, 480, 600)
    filled = continued(image, mask, image, (30, 20, 130, 150), box)[0].astype(int)
    magenta = np.minimum(filled[..., 0], filled[..., 2]) - filled[..., 1]
    beyond = np.ones(magenta.shape, bool)
    beyond[200:400, 160:320] = False
    assert magenta[~beyond].max() == 255 and magenta[beyond].max() < 128
    mirrored = cv2.copyMakeBorder(image, 200, 200, 160, 160, cv2.BORDER_REFLECT_101)
    assert (np.minimum(mirrored[..., 0], mirrored[..., 2]) - mirrored[..., 1]).astype(
        int)[beyond].max() == 255
