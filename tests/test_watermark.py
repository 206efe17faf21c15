"""The invisible watermark: invisible, found after an H.264 re-encode and a resize (with
the metadata tag stripped), never found in real videos, on every pipeline frame, and
`vasa detect`'s exit statuses."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from vasa_core.provenance import watermark
from vasa_core.cli import main
from vasa_core.io.examples import example_portrait_path, shared_assets_dir
from vasa_core.io.media import find_videos, iter_video, load_image, write_video

FRAMES = 25


def _real_videos() -> list:
    root = shared_assets_dir()
    folder = root / "videos" if root is not None else None
    return find_videos(folder) if folder is not None and folder.is_dir() else []


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    """(FRAMES, 512, 512, 3): the example portrait drifting a few pixels, as a head does."""
    image = load_image(example_portrait_path())[44:556]
    return np.stack([np.roll(image, (round(3 * np.sin(t / 4)), round(2 * np.cos(t / 5))),
                             axis=(0, 1)) for t in range(FRAMES)])


@pytest.fixture(scope="module")
def marked(clean) -> np.ndarray:
    return watermark.embed(clean)


@pytest.fixture(scope="module")
def marked_mp4(marked, tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("wm") / "marked.mp4", marked, 25.0)


def _reencode(src, dst, *vf: str):
    """One H.264 re-encode at ffmpeg's default quality, metadata stripped."""
    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(src),
                    "-map_metadata", "-1", *vf, "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    str(dst)], check=True)
    return dst


def test_embed_is_invisible_and_found_in_raw_frames(clean, marked):
    diff = marked.astype(np.int16) - clean
    psnr = 10 * np.log10(255.0 ** 2 / np.mean(diff.astype(np.float64) ** 2))
    assert psnr > 40.0
    assert np.abs(diff).max() <= 5
    # Luma only: the three channels move together (except where one clips).
    assert np.mean(diff[..., 0] == diff[..., 1]) > 0.95
    assert watermark.score(marked) > 20.0 > watermark.THRESHOLD
    assert watermark.score(marked[0]) > 20.0  # one frame is enough
    assert abs(watermark.score(clean)) < 3.0


def test_embed_checks_its_input_and_keeps_shape():
    with pytest.raises(ValueError, match="uint8"):
        watermark.embed(np.zeros((8, 8, 3), np.float32))
    frame = np.full((37, 53, 3), 128, np.uint8)  # any size, odd ones too
    assert watermark.embed(frame).shape == frame.shape
    assert np.array_equal(watermark.embed(frame[None])[0], watermark.embed(frame))


def test_found_after_h264_reencode_and_resize_without_metadata(marked_mp4, tmp_path):
    direct = watermark.detect_video(marked_mp4)
    assert direct.found and direct.metadata_tag and direct.frames_read == FRAMES
    reencoded = watermark.detect_video(_reencode(marked_mp4, tmp_path / "re.mp4"))
    small = watermark.detect_video(_reencode(marked_mp4, tmp_path / "s.mp4",
                                             "-vf", "scale=256:256"))
    both = watermark.detect_video(_reencode(tmp_path / "re.mp4", tmp_path / "b.mp4",
                                            "-vf", "scale=256:256"))
    for detection in (reencoded, small, both):
        assert not detection.metadata_tag  # the pixels alone carry it
        assert detection.found and detection.score > 3 * watermark.THRESHOLD, detection
    print(f"scores: file {direct.score}, re-encoded {reencoded.score}, 256 {small.score}, "
          f"re-encoded then 256 {both.score}")


def test_no_false_positive_on_unmarked_frames_and_real_videos(clean, tmp_path):
    unmarked = write_video(tmp_path / "clean.mp4", clean, 25.0)  # tagged, but no watermark
    detection = watermark.detect_video(unmarked)
    assert detection.metadata_tag and not detection.found and abs(detection.score) < 4.0
    scores = {}
    for path in _real_videos():
        detection = watermark.detect_video(path)
        assert not detection.found and detection.score < 4.0, detection
        frames, _ = iter_video(path)  # spread by the container's frame count, which may
        decoded = sum(1 for _ in frames)  # overstate what decodes: at least half as many
        assert min(watermark.MAX_FRAMES, decoded) // 2 <= detection.frames_read \
            <= watermark.MAX_FRAMES
        scores[path.name] = detection.score
    print(f"real videos: {scores}")


def test_scores_of_other_keys_are_standard_normal(marked):
    """The null the threshold rests on: against keys it does not carry, even a marked
    video scores ~N(0, 1)."""
    mean = np.mean([watermark.cells(watermark.luma(f)) for f in marked[::5]], axis=0)
    others = np.array([watermark.z_score(mean, key) for key in range(1, 201)])
    assert abs(others.mean()) < 0.3 and 0.75 < others.std() < 1.25
    assert others.max() < watermark.THRESHOLD


def test_detect_cli_exit_statuses(marked_mp4, clean, tmp_path, capsys):
    unmarked = write_video(tmp_path / "clean.mp4", clean[:5], 25.0)
    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video\n")
    assert main(["detect", str(marked_mp4)]) == 0
    assert "made by vasa_core" in capsys.readouterr().out
    assert main(["detect", str(unmarked)]) == 1
    assert "no vasa_core watermark" in capsys.readouterr().out
    assert main(["detect", str(broken)]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert main(["detect", str(tmp_path / "missing.mp4")]) == 2
    capsys.readouterr()
    # Several files: the worst status.
    assert main(["detect", str(marked_mp4), str(unmarked)]) == 1
    capsys.readouterr()
    assert main(["detect", "--json", str(broken), str(marked_mp4)]) == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "error" in lines[0] and lines[1]["found"] is True and lines[1]["score"] > 20


def test_pipeline_frames_carry_the_watermark_without_the_visible_mark(tmp_path):
    from tiny_checkpoint import save_tiny_checkpoint, speech_like
    from vasa_core.pipeline import TalkingFacePipeline

    pipe = TalkingFacePipeline.from_pretrained(save_tiny_checkpoint(tmp_path / "ckpt"))
    portrait = example_portrait_path()
    out = pipe(portrait, (speech_like(0.4), 16000), size=128, steps=2, mark=False)
    assert watermark.score(out.frames) > 3 * watermark.THRESHOLD
    streamed = np.concatenate(list(pipe.stream(portrait, [speech_like(0.4)], size=128,
                                               steps=2, mark=False)))
    assert watermark.score(streamed) > 3 * watermark.THRESHOLD
    # The same frames without the watermark would not be found.
    bare = np.concatenate(list(pipe._face(portrait, 128, "face").renderer.render_iter(
        out.motion)))
    assert abs(watermark.score(bare)) < 4.0
