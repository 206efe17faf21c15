"""Metrics: each recovers a known answer on constructed data, and the mouth measure reads
rendered pixels."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import cached_latent, cached_renderer, portrait_params
from vasa_core import eval as ev
from vasa_core.examples import shared_assets_dir
from vasa_core.latent import Motion
from vasa_core.tour import sweep

PATH = str(portrait_params()[0].values[0])


def test_lip_sync_finds_the_offset():
    rng = np.random.default_rng(0)
    real = np.convolve(rng.standard_normal(300), np.ones(5) / 5, "same")
    late = np.concatenate([np.zeros(3), real[:-3]])  # generated mouth 3 frames late
    got = ev.lip_sync(late, real)
    assert got["offset"] == 3 and got["r"] > 0.99 and got["r_lag0"] < got["r"]
    assert ev.lip_sync(real, real)["offset"] == 0
    with pytest.raises(ValueError):
        ev.lip_sync(real[:5], real[:5])


def test_blink_rate_counts_each_blink_once():
    blink = np.zeros(300)  # 12 s at 25 fps
    for start in (20, 120, 220):
        blink[start:start + 5] = [0.4, 0.8, 1.0, 0.6, 0.45]  # wobbles above 0.3 once down
    motion = Motion(np.zeros((300, 40), np.float32), 25.0).set("eyeBlinkLeft", blink).set(
        "eyeBlinkRight", blink)
    assert ev.blink_rate(motion) == pytest.approx(15.0)


def test_delta_p_and_resampling():
    yaw = np.arange(60, dtype=np.float32) * 1.2  # 1.2 deg per frame at 30 fps
    motion = Motion(np.zeros((60, 40), np.float32), 30.0).set("yaw", yaw)
    assert ev.delta_p(motion) == pytest.approx(1.2 * 30 / 25 / 3, rel=1e-3)


def test_join_jitter_sees_steps_at_joins():
    t = np.arange(200)
    smooth = Motion(np.zeros((200, 40), np.float32), 25.0).set("yaw", np.sin(t / 10))
    stepped = smooth.set("yaw", np.sin(t / 10) + 0.5 * (t // 50))
    assert ev.join_jitter(smooth, 50) == pytest.approx(1.0, abs=0.2)
    assert ev.join_jitter(stepped, 50) > 5.0


def test_mouth_opening_reads_rendered_jaw():
    latent, renderer = cached_latent(PATH), cached_renderer(PATH)
    frames = renderer.render(sweep(latent.motion0(), "jawOpen", [0.0, 0.5, 1.0]))
    opening = ev.mouth_opening(frames)
    assert np.all(np.diff(opening) > 0.02)


def test_evaluate_video_end_to_end(tmp_path):
    videos = shared_assets_dir() / "videos" if shared_assets_dir() else None
    if videos is None or not videos.is_dir():
        pytest.skip("shared assets absent")
    from tiny_checkpoint import save_tiny_checkpoint
    from vasa_core.pipeline import TalkingFacePipeline

    pipe = TalkingFacePipeline.from_pretrained(save_tiny_checkpoint(tmp_path / "ckpt"))
    report = ev.evaluate_video(pipe, sorted(videos.glob("*.mp4"))[0], PATH, max_seconds=3.0)
    assert -1 <= report["r"] <= 1 and abs(report["offset"]) <= ev.MAX_LAG
    assert report["dP_real"] > 0 and np.isfinite(report["join_jitter"])


def test_cli_eval_rejects_an_empty_folder(tmp_path, capsys):
    from vasa_core.cli import main

    assert main(["eval", "--videos", str(tmp_path)]) == 2
    assert "no .mp4 videos" in capsys.readouterr().err
