"""The controls, checked on pixels (vasa_core.eval.controls) with the shipped checkpoint.

One reduced run (two commands per control, 2.4 s of eSpeak NG speech, no gaze
calibration) is shared by the tests; each asserts the direction a control must move the
re-read frames, with a margin well above the analyzer's frame-to-frame noise.
"""
from __future__ import annotations

import json

import pytest
import torch

from conftest import fresh_speech
from vasa_core.cli import main
from vasa_core.eval import evaluate_controls
from vasa_core.io.examples import example_portrait_path
from vasa_core.pipeline import TalkingFacePipeline

RATE = 16000


@pytest.fixture(scope="module")
def report():
    # One torch thread: the small motion model gains nothing from more, and on a busy
    # 2-core machine spinning threads more than double the run time.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        pipe = TalkingFacePipeline.from_pretrained()
        speech = fresh_speech("The quick brown fox jumps over the lazy dog.", RATE)
        return evaluate_controls(pipe, str(example_portrait_path()), (speech, RATE),
                                 seconds=2.4, gazes=((-15.0, 0.0), (15.0, 0.0)),
                                 distances=(-0.2, 0.2), emotions=("happy",),
                                 cfg_audio=(0.0, 2.0), calibrate=False)
    finally:
        torch.set_num_threads(threads)


def test_report_is_plain_json(report):
    assert json.loads(json.dumps(report)) == report
    assert set(report) == {"seconds", "seed", "gaze", "distance", "emotion", "cfg_audio"}


def test_gaze_yaw_reads_the_commanded_way(report):
    """+15 deg (towards the image's right) reads clearly right of -15 deg."""
    (left, _), (right, _) = report["gaze"]["measured"]
    assert right - left > 10.0, report["gaze"]
    assert left < 0 < right and report["gaze"]["yaw_sign_ok"]


def test_nearer_head_reads_larger(report):
    scale, eyes = report["distance"]["measured_log_scale"], report["distance"]["inter_ocular_px"]
    assert scale[1] - scale[0] > 0.2 and eyes[1] > 1.2 * eyes[0], report["distance"]
    assert report["distance"]["strictly_monotonic"]


def test_happy_raises_the_smile(report):
    happy = report["emotion"]["per_emotion"]["happy"]
    delta = happy["measured_delta"]
    # both corners rise, by 0.1 on average; speech keeps moving the lips (the funnel of
    # rounded vowels narrows the smile), so one corner can read less than the other
    left, right = delta["mouthSmileLeft"], delta["mouthSmileRight"]
    assert min(left, right) > 0.03 and (left + right) / 2 > 0.1, happy
    assert happy["cosine"] > 0.1 and happy["rendered_cosine"] > 0.9


def test_audio_guidance_moves_the_mouth_more(report):
    """Guidance widens the mouth's movement on pixels. MediaPipe reads the widest
    openings short (its inner-lip points settle on the teeth once they show), so the
    spread is asked to grow by a quarter (measured 1.31-1.48 times) and the mean opening
    by half (1.97-2.01 times)."""
    (low, high), (mean_low, mean_high) = (report["cfg_audio"]["opening_std"],
                                          report["cfg_audio"]["opening_mean"])
    assert high > 1.25 * low and mean_high > 1.5 * mean_low, report["cfg_audio"]


def test_cli_controls_needs_audio(capsys):
    assert main(["eval", "--controls"]) == 2
    assert "--audio" in capsys.readouterr().err
