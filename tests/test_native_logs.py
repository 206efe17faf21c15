"""MediaPipe's start-up notices stay off stderr; everything else written there gets through."""
from __future__ import annotations

import contextlib
import os

from vasa_core.io.examples import example_portrait_path
from vasa_core.face import native_logs
from vasa_core.face.detector import FaceDetector
from vasa_core.io.media import load_image

NOTICES = ("W0000", "Feedback manager", "XNNPACK", "absl::InitializeLog", "NORM_RECT")


def test_filtered_drops_notices_and_keeps_other_lines(capfd):
    with native_logs.filtered():
        os.write(2, b"W0000 00:00:1.0 1 x.cc:1] Feedback manager requires a model\n")
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"a real error from native code\n")
    err = capfd.readouterr().err
    assert "a real error from native code" in err
    assert not any(n in err for n in NOTICES)


def test_a_new_detector_prints_no_notices(capfd, monkeypatch):
    image = load_image(example_portrait_path())

    def build_and_detect() -> str:
        detector = FaceDetector(static=True)
        assert detector.detect(image) is not None and detector.segment(image).shape
        detector.close()
        return capfd.readouterr().err

    assert not any(n in build_and_detect() for n in NOTICES)
    # the same without the filter: MediaPipe does print them (so the check above can fail)
    monkeypatch.setattr(native_logs, "filtered", contextlib.nullcontext)
    assert any(n in build_and_detect() for n in NOTICES)
