"""Real-video extraction (data/extract.py): shards the trainer reads like synthetic ones.

The "real" video is the built-in portrait rendered at 256 px with a known jawOpen and yaw
trajectory and a tone as its sound, so what the analyzer reads back can be checked.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from vasa_core.audio import SAMPLES_PER_FRAME
from vasa_core.cli import main
from vasa_core.data.corpus import MANIFEST, load_corpus
from vasa_core.data.extract import ExtractConfig, extract_corpus
from vasa_core.io.media import find_videos
from vasa_core.io.examples import example_portrait_path, shared_assets_dir
from vasa_core.latent import MOTION_DIM
from vasa_core.io.media import write_video

FPS, SECONDS, RATE = 25, 3.0, 16000
FAST = ExtractConfig(min_seconds=1.0)


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.fixture(scope="module")
def commanded():
    """(frames (75, 256, 256, 3), jawOpen (75,), yaw (75,)) of a rendered talking head."""
    from conftest import cached_latent
    from vasa_core.render import Renderer

    latent = cached_latent(str(example_portrait_path()))
    t = np.arange(int(SECONDS * FPS)) / FPS
    jaw = 0.35 + 0.35 * np.sin(2 * np.pi * 1.3 * t)
    yaw = latent.pose0.yaw + 12 * np.sin(2 * np.pi * 0.5 * t)
    motion = latent.motion0(len(t)).set("jawOpen", jaw).set("yaw", yaw)
    return Renderer(latent, size=256).render(motion), jaw, yaw


@pytest.fixture(scope="module")
def videos(tmp_path_factory, commanded):
    """A folder with one good video and three that must be skipped (one in a subfolder)."""
    frames = commanded[0]
    root = tmp_path_factory.mktemp("videos")
    write_video(root / "good.mp4", frames, FPS, audio=_tone(SECONDS))
    write_video(root / "sub" / "silent.mp4", frames[:50], FPS)
    write_video(root / "grey.mkv", np.full((50, 64, 64, 3), 128, np.uint8), FPS,
                audio=_tone(2.0))
    (root / "corrupt.mov").write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video" * 40)
    (root / "notes.txt").write_text("not a video")
    return root


@pytest.fixture(scope="module")
def extracted(tmp_path_factory, videos):
    out = tmp_path_factory.mktemp("corpus")
    return out, extract_corpus(videos, out, FAST, progress=False)


def test_good_clip_in_the_synthetic_layout(extracted):
    out, manifest = extracted
    assert manifest["clips"] == 1 and manifest["fps"] == FPS and manifest["sample_rate"] == RATE
    assert json.loads((out / MANIFEST).read_text()) == manifest
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [MANIFEST,
                                                                  "shard-00000.safetensors"]
    (clip,) = load_corpus(out)
    assert clip.motion.values.shape == (len(clip.motion), MOTION_DIM)
    assert clip.motion.fps == FPS and len(clip.audio) == len(clip.motion) * SAMPLES_PER_FRAME
    assert SECONDS * FPS - 3 <= len(clip.motion) <= SECONDS * FPS
    assert clip.meta["kind"] == "video" and clip.meta["source"] == "good.mp4"
    assert clip.language == "unknown" and clip.labels.emotion is None
    assert clip.labels.distance == pytest.approx(clip.motion["log_scale"].mean(), abs=1e-5)
    assert clip.labels.gaze == pytest.approx(tuple(clip.motion.gaze.mean(0)), abs=1e-4)
    assert np.abs(clip.audio).max() == pytest.approx(0.3, abs=0.03)


def test_motion_follows_the_commanded_trajectory(extracted, commanded):
    (clip,) = load_corpus(extracted[0])
    _, jaw, yaw = commanded
    n = len(clip.motion)
    assert np.corrcoef(clip.motion["jawOpen"], jaw[:n])[0, 1] > 0.8
    assert np.corrcoef(clip.motion["yaw"], yaw[:n])[0, 1] > 0.8


def test_bad_videos_are_skipped_with_reasons(extracted):
    skipped = {s["file"]: s["reason"] for s in extracted[1]["skipped"]}
    assert set(skipped) == {"sub/silent.mp4", "grey.mkv", "corrupt.mov"}
    assert "no audio" in skipped["sub/silent.mp4"]
    assert "no face" in skipped["grey.mkv"]
    assert "could not" in skipped["corrupt.mov"]
    assert extracted[1]["videos"] == 4  # notes.txt is not a video


def test_the_trainer_reads_the_shards(extracted):
    from vasa_core.train import WindowDataset, clip_features

    clips = clip_features(extracted[0])
    (audio, motion, labels), = clips
    assert len(audio) == len(motion) and motion.shape[1] == MOTION_DIM
    item = WindowDataset(clips, window=25, context=10, seed=0)[3]
    assert item["motion"].shape == (25, MOTION_DIM) and item["audio"].shape[0] == 35


def test_face_runs_split_at_faceless_frames(tmp_path, commanded):
    frames = commanded[0].copy()
    frames[30:35] = 128  # 0.2 s without a face: two runs of 1.2 s and 1.6 s
    write_video(tmp_path / "v" / "gap.mp4", frames, FPS, audio=_tone(SECONDS))
    manifest = extract_corpus(tmp_path / "v", tmp_path / "out", FAST, progress=False)
    starts = [c.meta["start"] for c in load_corpus(tmp_path / "out")]
    assert manifest["clips"] == 2 and starts == [0.0, 1.4]
    with pytest.raises(ValueError, match="already holds a corpus"):
        extract_corpus(tmp_path / "v", tmp_path / "out", FAST, progress=False)


def test_cli_extract(tmp_path, videos, capsys):
    out = tmp_path / "c"
    assert main(["corpus", "extract", "--videos", str(videos), "--out", str(out),
                 "--max-seconds", "2"]) == 0
    err = capsys.readouterr().err
    assert "1 clips" in err and "3 skipped" in err
    (clip,) = load_corpus(out)
    assert len(clip.motion) == 2 * FPS
    assert main(["corpus", "extract", "--videos", str(tmp_path / "none"), "--out",
                 str(tmp_path / "d")]) == 2
    assert "no videos" in capsys.readouterr().err


@pytest.mark.skipif(not (shared_assets_dir() and (shared_assets_dir() / "videos").is_dir()),
                    reason="no shared real videos")
def test_real_videos_give_one_clip_each(tmp_path):
    config = ExtractConfig(max_seconds=2.5)  # the start of each: enough, and quick
    manifest = extract_corpus(shared_assets_dir() / "videos", tmp_path, config, progress=False)
    assert manifest["clips"] == len(find_videos(shared_assets_dir() / "videos"))
    assert manifest["clips"] >= 4 and not manifest["skipped"]
    for clip in load_corpus(tmp_path):
        assert len(clip.audio) == len(clip.motion) * SAMPLES_PER_FRAME
