"""Every public path that makes frames marks them (`provenance.stamp`): the invisible
watermark always, read back from the frames or the written mp4, and the visible label
unless it is turned off."""
from __future__ import annotations

import numpy as np
import pytest

from vasa_core.cli import main
from vasa_core.io.examples import example_portrait_path
from vasa_core.provenance import watermark
from vasa_core.provenance.mark import add_visible_mark
from vasa_core.provenance.stamp import stamp

SIZE = 128
PORTRAIT = example_portrait_path()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from tiny_checkpoint import save_tiny_checkpoint

    return save_tiny_checkpoint(tmp_path_factory.mktemp("ckpt"))


@pytest.fixture(scope="module")
def pipe(checkpoint):
    from vasa_core import TalkingFacePipeline

    return TalkingFacePipeline.from_pretrained(checkpoint)


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    from tiny_checkpoint import speech_like, write_wav

    return write_wav(tmp_path_factory.mktemp("audio") / "speech.wav", speech_like(0.6))


def marked(frames: np.ndarray) -> bool:
    return watermark.score(frames) > 3 * watermark.THRESHOLD


def labelled(frames: np.ndarray) -> bool:
    """Whether every frame shows the visible label: in its corner box, the glyphs' pixels
    are white and the box around them dark (the label drawn over a flat grey shows where
    each is)."""
    height, width = frames.shape[1:3]
    probe = add_visible_mark(np.full((height, width, 3), 128, np.uint8)).astype(int)
    glyph, box = probe[..., 0] > 170, probe[..., 0] < 70
    luma = frames.astype(float).mean(-1)  # (T, H, W)
    return bool(np.all(luma[:, glyph].mean(1) - luma[:, box].mean(1) > 60))


def found_in_file(path) -> bool:
    detection = watermark.detect_video(path)
    return detection.found and detection.metadata_tag


def test_stamp_adds_the_label_when_asked_and_the_watermark_always():
    frames = np.full((2, SIZE, SIZE, 3), 120, np.uint8)
    assert marked(stamp(frames)) and marked(stamp(frames, visible=False))
    assert labelled(stamp(frames)) and not labelled(stamp(frames, visible=False))
    assert not marked(frames) and not labelled(frames)


@pytest.mark.parametrize("visible", [True, False])
def test_every_pipeline_method_stamps_its_frames(pipe, speech, visible):
    from vasa_core.face import analyze_video  # noqa: F401 (drive's usual source)

    out = pipe(PORTRAIT, speech, size=SIZE, steps=2, mark=visible)
    streamed = np.concatenate(list(pipe.stream(PORTRAIT, [out.audio], size=SIZE, steps=2,
                                               mark=visible)))
    rendered = pipe.render(PORTRAIT, out.motion, size=SIZE, mark=visible)
    driven = pipe.drive(PORTRAIT, out.motion, size=SIZE, mark=visible)
    for frames in (out.frames, streamed, rendered, driven):
        assert marked(frames)
        assert labelled(frames) == visible


def test_the_commands_and_a_batch_write_marked_videos(checkpoint, speech, tmp_path, capsys):
    common = ["--checkpoint", str(checkpoint), "--size", str(SIZE), "--steps", "2"]
    assert main(["generate", "--audio", str(speech), "--out", str(tmp_path / "g.mp4"),
                 "--no-mark", *common]) == 0
    assert main(["stream", "--audio", str(speech), "--out", str(tmp_path / "s.mp4"),
                 "--as-fast-as-possible", "--no-mark", *common]) == 0
    assert main(["animate", "--out", str(tmp_path / "a.mp4"), "--size", str(SIZE),
                 "--seconds-per-move", "0.2", "--no-mark"]) == 0
    manifest = tmp_path / "jobs.csv"
    manifest.write_text(f"image,audio,out,mark\n{PORTRAIT},{speech},b.mp4,false\n")
    assert main(["generate", "--manifest", str(manifest), "--out-dir", str(tmp_path / "batch"),
                 "--no-progress", *common]) == 0
    capsys.readouterr()
    for name in ("g.mp4", "s.mp4", "a.mp4", "batch/b.mp4"):
        assert found_in_file(tmp_path / name), name


def test_the_readme_examples_write_only_marked_frames():
    """The README's Python examples never write raw renderer frames: frames come from the
    pipeline (already marked) or pass through `provenance.stamp` before they are written."""
    from test_readme import python_section_blocks

    for block in python_section_blocks():
        if "Renderer" in block or "render_iter" in block:
            assert "stamp" in block, block
