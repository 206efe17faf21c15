"""Head distance moves the camera: head and shoulders grow together, the head a little more
(render/camera.py), measured on pixels. The face is re-read by MediaPipe; the shoulders'
scale is found by matching the bottom of one frame inside the other, rescaled."""
from __future__ import annotations

import math
import warnings

import cv2
import numpy as np
import pytest

from tiny_checkpoint import save_tiny_checkpoint
from vasa_core.face import analyze_image
from vasa_core.io.examples import example_portraits
from vasa_core.pipeline import FilledBeyondWarning, TalkingFacePipeline
from vasa_core.render.camera import PERSPECTIVE, zoom_window

SIZE = 256
SILENCE = (np.zeros(16000 // 2, np.float32), 16000)  # half a second: the head at rest
HOPPER, COLLINS = (str(e.path) for e in example_portraits()[:2])  # tight, and with room


@pytest.fixture(scope="module")
def pipe(tmp_path_factory) -> TalkingFacePipeline:
    return TalkingFacePipeline.from_pretrained(save_tiny_checkpoint(tmp_path_factory.mktemp("c")))


def frame_at(pipe, portrait: str, distance: float, **options) -> np.ndarray:
    """A frame of a still head (head_motion 0) at `distance`."""
    return pipe(portrait, SILENCE, distance=distance, head_motion=0.0, mark=False, seed=0,
                **options).frames[6]


def face_width(frame: np.ndarray) -> float:
    x0, _, x1, _ = analyze_image(frame).face_box
    return x1 - x0


def shoulder_log_scale(near: np.ndarray, far: np.ndarray) -> float:
    """log of how much larger the bottom fifth of `near` (shoulders, clothes) shows than
    the same things in `far`: the scale at which it best matches inside `far`."""
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (near, far)]
    h, w = grey[0].shape
    band = grey[0][int(0.8 * h):, int(0.1 * w):int(0.9 * w)]
    scores = []
    for log_scale in np.linspace(-0.1, 0.5, 61):
        big = cv2.resize(grey[1], None, fx=math.exp(log_scale), fy=math.exp(log_scale))
        if big.shape[0] >= band.shape[0] and big.shape[1] >= band.shape[1]:
            match = cv2.matchTemplate(big, band, cv2.TM_CCOEFF_NORMED).max()
            scores.append((float(match), float(log_scale)))
    best, log_scale = max(scores)
    assert best > 0.8, f"the shoulders were not found again (correlation {best:.2f})"
    return log_scale


@pytest.mark.parametrize("portrait, distance", [(HOPPER, 0.25), (COLLINS, 0.25),
                                                (COLLINS, -0.25)])
def test_distance_moves_head_and_shoulders_together(pipe, portrait, distance):
    """Nearer (or further, where the photo has the room): the face grows by exp(distance),
    the shoulders by exp((1 - PERSPECTIVE) distance), not a bobblehead over still ones."""
    at_rest, moved = frame_at(pipe, portrait, 0.0, size=SIZE), frame_at(pipe, portrait,
                                                                        distance, size=SIZE)
    face = math.log(face_width(moved) / face_width(at_rest))
    near, far = (moved, at_rest) if distance > 0 else (at_rest, moved)
    shoulders = math.copysign(shoulder_log_scale(near, far), distance)
    assert abs(face - distance) < 0.06, face
    # most of it is the camera (a bobblehead's shoulders stay at 0), a little perspective
    assert 0.7 * abs(distance) < abs(shoulders) < abs(face) + 0.02, (face, shoulders)
    assert abs(shoulders - (1 - PERSPECTIVE) * distance) < 0.06, shoulders


@pytest.mark.parametrize("crop", ["face", "full"])
def test_a_camera_moved_back_past_the_photo_goes_all_the_way_and_says_so(pipe, crop):
    """The built-in portrait has no room behind its face crop: moving back fills what
    lies beyond the photo (render/outpaint.py; tests/test_edges.py looks at the fill),
    the head shrinks by the whole distance, and the user is told how much is filled."""
    options = {"size": SIZE} if crop == "face" else {"crop": "full", "full_side": 400}
    at_rest = frame_at(pipe, HOPPER, 0.0, **options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        back = frame_at(pipe, HOPPER, -0.3, **options)
    told = [str(w.message) for w in caught if issubclass(w.category, FilledBeyondWarning)]
    assert told and "distance -0.3" in told[0] and "% of each frame is filled" in told[0]
    assert back.shape == at_rest.shape
    face = math.log(face_width(back) / face_width(at_rest))
    assert abs(face + 0.3) < 0.06, face
    with warnings.catch_warnings():
        warnings.simplefilter("error", FilledBeyondWarning)
        frame_at(pipe, HOPPER, 0.1, **options)  # nearer: all from the photo, nothing told


def test_full_image_zooms_around_the_face(pipe):
    """crop="full": the photo's size is kept and its view narrows around the face."""
    at_rest = frame_at(pipe, HOPPER, 0.0, crop="full", full_side=400)
    near = frame_at(pipe, HOPPER, 0.2, crop="full", full_side=400)
    assert near.shape == at_rest.shape
    assert abs(math.log(face_width(near) / face_width(at_rest)) - 0.2) < 0.06
    assert 0.7 * 0.2 < shoulder_log_scale(near, at_rest) < 0.2 + 0.02


def test_zoom_window_stays_inside_the_frame():
    assert zoom_window((100, 200), (190, 5), 2.0) == (100, 0, 100, 50)
    assert zoom_window((100, 200), (100, 50), 1.0) == (0, 0, 200, 100)
    assert zoom_window((100, 200), (100, 50), 0.5) == (-100, -50, 400, 200)  # past it
    assert zoom_window((100, 200), (10, 50), 0.5) == (-190, -50, 400, 200)  # covering it
