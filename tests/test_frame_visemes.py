"""`data.visemes.frame_visemes`: per-frame viseme labels from timed segments."""
from __future__ import annotations

from vasa_core.teacher.visemes import frame_visemes, viseme_segments


def test_frame_centres_take_the_covering_segment():
    segments = [("sil", 0.0, 0.1, 0), ("PP", 0.1, 0.18, 0), ("AA", 0.2, 0.3, 1)]
    # frame centres at 25 fps: 0.02, 0.06, 0.10, 0.14, 0.18, 0.22, 0.26, 0.30, 0.34
    assert frame_visemes(segments, 9, fps=25.0) == [
        "sil", "sil", "PP", "PP", "sil", "AA", "AA", "sil", "sil"]


def test_labels_real_phoneme_timing():
    phonemes = [("_", 0.0, 0.2), ("b", 0.2, 0.3), ("'a", 0.3, 0.5), ("_", 0.5, 0.8)]
    labels = frame_visemes(viseme_segments(phonemes), 20, fps=25.0)
    assert len(labels) == 20
    assert labels[5] == "PP" and labels[10] == "AA" and labels[0] == labels[19] == "sil"
