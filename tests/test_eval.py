"""Metrics: each recovers a known answer on constructed data, and the mouth measure reads
rendered pixels."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import cached_latent, cached_renderer, portrait_params
from vasa_core import eval as ev
from vasa_core.io.examples import example_portrait_path, shared_assets_dir
from vasa_core.latent import Motion
from vasa_core.animate.tour import sweep

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
    still = ev.lip_sync(np.zeros(300), real)  # a mouth that never moves (silence)
    assert np.isnan(still["r"]) and np.isnan(still["r_lag0"]) and still["offset"] == 0


def test_pooled_offset_finds_a_lag_no_single_noisy_clip_shows():
    """Five noisy clips all 2 frames late: each one's own best lag scatters, the pool's
    does not; a flat (silent) clip's NaN curve is left out of the pool."""
    rng = np.random.default_rng(1)
    smooth = lambda x: np.convolve(x, np.ones(5) / 5, "same")  # noqa: E731
    curves, frames, own = [], [], []
    for _ in range(5):
        real = smooth(rng.standard_normal(150))
        late = np.concatenate([np.zeros(2), real[:-2]]) + 3.0 * smooth(rng.standard_normal(150))
        got = ev.lip_sync(late, real)
        curves.append(got["r_by_lag"]), frames.append(150), own.append(got["offset"])
    silent = ev.lip_sync(np.zeros(150), real)["r_by_lag"]
    pooled = ev.pooled_offset(curves + [silent], frames + [150])
    assert pooled["offset"] == 2 and 0 < pooled["r"] < 1
    assert len(curves[0]) == 2 * ev.MAX_LAG + 1 and sum(o != 2 for o in own) >= 2
    assert ev.pooled_offset([silent], [150])["offset"] == 0


def test_blink_rate_counts_each_blink_once():
    blink = np.zeros(300)  # 12 s at 25 fps
    for start in (20, 120, 220):
        blink[start:start + 5] = [0.4, 0.8, 1.0, 0.6, 0.45]  # wobbles above 0.3 once down
    motion = Motion(np.zeros((300, 40), np.float32), 25.0).set("eyeBlinkLeft", blink).set(
        "eyeBlinkRight", blink)
    assert ev.blink_rate(motion) == pytest.approx(15.0)
    narrow = 0.55 + 0.45 * blink  # resting lids read 0.55 (narrow eyes): same three blinks
    squint = motion.set("eyeBlinkLeft", narrow).set("eyeBlinkRight", narrow)
    assert ev.blink_rate(squint) == pytest.approx(15.0)
    still = motion.set("eyeBlinkLeft", 0.55).set("eyeBlinkRight", 0.55)
    assert ev.blink_rate(still) == 0.0


def test_blinks_are_counted_on_pixels():
    """Three commanded blinks in 4 s of rendered frames, re-read by MediaPipe, are three
    blinks (45 per minute) on the eyes' aspect ratio; the same head with its eyes open and
    its jaw moving counts none."""
    from vasa_core.render import Renderer

    latent = cached_latent(str(example_portrait_path()))
    blink = np.zeros(100)
    for start in (15, 50, 80):
        blink[start:start + 5] = [0.5, 1.0, 1.0, 1.0, 0.5]
    talk = 0.3 + 0.3 * np.sin(np.arange(100) / 3.0)
    motion = latent.motion0(100).set("jawOpen", talk)
    renderer = Renderer(latent, size=192)
    blinking = motion.set("eyeBlinkLeft", blink).set("eyeBlinkRight", blink)
    assert ev.blinks_on_pixels(ev.track(renderer.render(blinking)), 25.0) == pytest.approx(45.0)
    assert ev.blinks_on_pixels(ev.track(renderer.render(motion)), 25.0) == 0.0


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
    # one real clip whose figures are known (the tiny model, 8 s): a side view, so neither
    # the analyzer nor the reenactment is near its limits. (Its first 3-5 s alone are where
    # the lip reader does worst: teacher_r 0.14-0.18, 0.30 at 8 s and over the whole clip.)
    video = shared_assets_dir() / "videos" / "edtalk_pose_source2.mp4" \
        if shared_assets_dir() else None
    if video is None or not video.is_file():
        pytest.skip("shared assets absent")
    from tiny_checkpoint import save_tiny_checkpoint
    from vasa_core.pipeline import TalkingFacePipeline

    pipe = TalkingFacePipeline.from_pretrained(save_tiny_checkpoint(tmp_path / "ckpt"))
    report = ev.evaluate_video(pipe, video, PATH, max_seconds=8.0)
    assert -1 <= report["r"] <= 1 and abs(report["offset"]) <= ev.MAX_LAG
    assert report["dP_real"] > 0 and np.isfinite(report["join_jitter"])
    # the real video's own motion, re-rendered on the portrait, keeps its mouth; the
    # analyzer agrees with itself on mirrored frames; an untrained model, even with its
    # lips read from the recognised phones, stays well below the first
    assert report["ceiling_reenact_r"] > 0.6 and report["analyzer_r"] > 0.7
    assert report["ceiling_reenact_r"] > report["r"] + 0.2
    assert report["teacher_r"] > 0.2  # the teacher's rules on recognised phones follow it
    # one video summarised (twice over) is that video: its r, its offset
    summary = ev.summarize_videos([report, report])
    assert summary["videos"] == 2 and summary["pooled_offset"] == report["offset"]
    assert summary["mean_r"] == pytest.approx(report["r"]) and len(report["r_by_lag"]) == 11


def test_evaluate_video_streamed(tmp_path):
    """The same clip fed to the stream in 40 ms chunks: the streamed frames are measured
    like the offline ones (one per real frame, lip sync against the real mouth), and the
    figures only a whole motion gives are None, not made up."""
    video = shared_assets_dir() / "videos" / "edtalk_pose_source2.mp4" \
        if shared_assets_dir() else None
    if video is None or not video.is_file():
        pytest.skip("shared assets absent")
    from tiny_checkpoint import save_tiny_checkpoint
    from vasa_core.pipeline import TalkingFacePipeline

    pipe = TalkingFacePipeline.from_pretrained(save_tiny_checkpoint(tmp_path / "ckpt"))
    report = ev.evaluate_video(pipe, video, PATH, max_seconds=2.0, references=False,
                               stream=True, size=256)
    assert report["streamed"] and report["frames"] == round(report["seconds"] * 25)
    assert -1 <= report["r"] <= 1 and len(report["r_by_lag"]) == 11
    assert report["dP_generated"] > 0 and report["blinks_per_min_pixels"] >= 0
    assert report["dP_generated_motion"] is None and report["join_jitter"] is None


def test_cli_eval_stream_needs_videos(capsys):
    from vasa_core.cli import main

    assert main(["eval", "--stream", "--audio", "x.wav"]) == 2
    assert "--stream measures streamed videos" in capsys.readouterr().err


def test_drive_renders_a_foreign_motion_on_the_portrait(tmp_path):
    from tiny_checkpoint import save_tiny_checkpoint
    from vasa_core.pipeline import TalkingFacePipeline

    pipe = TalkingFacePipeline.from_pretrained(save_tiny_checkpoint(tmp_path / "ckpt"))
    jaw = 0.5 - 0.5 * np.cos(np.linspace(0, 4 * np.pi, 30))  # two open-close cycles
    motion = Motion(np.full((30, 40), 0.1, np.float32), 25.0).set("jawOpen", jaw)
    frames = pipe.drive(PATH, motion.set("yaw", 5.0), mark=False, size=256)
    assert frames.shape == (30, 256, 256, 3)
    assert np.corrcoef(ev.mouth_opening(frames), jaw)[0, 1] > 0.9


def test_speech_report_follows_the_voice_and_closes_in_silence():
    from tiny_checkpoint import speech_like
    from vasa_core.pipeline import DEFAULT_CHECKPOINT, TalkingFacePipeline

    if not (DEFAULT_CHECKPOINT / "model.safetensors").exists():
        pytest.skip("checkpoints/vasa-motion-s is not trained yet")
    wave = np.concatenate([np.zeros(16000, np.float32), speech_like(2.0), np.zeros(16000)])
    report = ev.evaluate_speech(TalkingFacePipeline.from_pretrained(), (wave, 16000), PATH)
    assert report["energy_r"] > 0.3
    assert report["opening_silence"] < 0.5 * report["opening_speech"]


def test_cli_eval_rejects_an_empty_folder(tmp_path, capsys):
    from vasa_core.cli import main

    assert main(["eval", "--videos", str(tmp_path)]) == 2
    assert "no videos (.mp4, " in capsys.readouterr().err


def test_tracking_starts_afresh_on_every_clip():
    """The shared tracking detector forgets the previous clip: reading a clip gives the
    same landmarks whatever was read before it (else its first frames inherit the last
    clip's face)."""
    from vasa_core.io.media import load_image

    latent, renderer = cached_latent(PATH), cached_renderer(PATH)
    clip = renderer.render(sweep(latent.motion0(), "jawOpen", [0.0, 0.5, 1.0]))
    first = ev.mouth_opening(clip)
    other = load_image(example_portrait_path())
    ev.mouth_opening(np.stack([other[::-1], other]))  # another face, upside down first
    np.testing.assert_array_equal(ev.mouth_opening(clip), first)
