"""The trainer: window alignment, a tiny run that learns, checkpoint, EMA, exact resume."""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from vasa_core.audio import FEATURE_DIM
from vasa_core.latent import MOTION_DIM
from vasa_core.motion import load_pretrained, sample_motion
from vasa_core.train import TrainConfig, WindowDataset, clip_features, parse_args, train

K, W = 4, 20  # tiny context and window


def fake_clip(frames: int, offset: float) -> tuple[np.ndarray, np.ndarray, dict]:
    """Features and motion whose column 0 is the frame index (+ offset, to tell clips apart)."""
    audio = np.zeros((frames, FEATURE_DIM), np.float32)
    motion = np.zeros((frames, MOTION_DIM), np.float32)
    audio[:, 0] = motion[:, 0] = np.arange(frames) + offset
    labels = {"gaze": (1.0, -2.0), "distance": 0.0, "emotion": "happy", "emotion_strength": 0.5}
    return audio, motion, labels


def test_windows_are_aligned_and_padded_with_the_first_frame():
    clips = [fake_clip(30, 0.0), fake_clip(60, 1000.0), fake_clip(W - 1, 5000.0)]
    data = WindowDataset(clips, W, K, seed=0)
    assert len(data.clips) == 2  # the clip shorter than a window is left out
    padded = 0
    for i in range(200):
        item = data[i]
        assert item["audio"].shape == (K + W, FEATURE_DIM)
        assert item["history"].shape == (K, MOTION_DIM) and item["motion"].shape == (W, MOTION_DIM)
        # audio frame K + j is motion frame j; history audio is history motion
        assert torch.equal(item["audio"][K:, 0], item["motion"][:, 0])
        assert torch.equal(item["audio"][:K, 0], item["history"][:, 0])
        first = float(item["motion"][0, 0]) % 1000  # clip frame the window starts at
        offset = float(item["motion"][0, 0]) - first
        expected = np.clip(np.arange(first - K, first + W), 0, None) + offset
        assert np.array_equal(item["audio"][:, 0].numpy(), expected)  # past = first frame
        padded += first < K
    assert padded > 0
    again = WindowDataset(clips, W, K, seed=0)
    assert torch.equal(data[7]["audio"], again[7]["audio"])  # item i depends on (seed, i) only


def test_controls_come_from_the_labels():
    data = WindowDataset([fake_clip(30, 0.0)], W, K, seed=0)
    item = data[0]
    assert item["gaze"].tolist() == [1.0, -2.0]
    assert item["distance"].item() == pytest.approx(0.0 - data.mean_log_scale)
    assert item["emotion_strength"].item() == 0.5 and item["distance"].dtype == torch.float32


def test_an_unknown_emotion_is_trained_as_dropped():
    from torch.utils.data import default_collate

    from vasa_core.train import batch_conditions

    audio, motion, labels = fake_clip(30, 0.0)
    known = WindowDataset([(audio, motion, labels)], W, K, seed=0)
    real = WindowDataset([(audio, motion, {**labels, "emotion": None})], W, K, seed=0)
    no_drop = dict.fromkeys(("audio", "history", "gaze", "distance", "emotion"), 0.0)
    for data, expected in ((known, True), (real, False)):
        batch = default_collate([data[i] for i in range(4)])
        _, cond = batch_conditions(batch, W, K, no_drop, torch.Generator().manual_seed(0))
        assert cond.has("emotion") is expected and cond.has("gaze")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from vasa_core.data.corpus import build_corpus

    path = tmp_path_factory.mktemp("corpus")
    build_corpus(path, hours=20 / 3600, seed=0, progress=False)
    return path


def tiny(corpus: Path, out: Path) -> TrainConfig:
    """A run of a few seconds: 40 steps of a 2-layer, width-32 network on batches of 8."""
    return TrainConfig(corpus=str(corpus), out=str(out), steps=40, batch=8, lr=3e-3, warmup=5,
                       save_every=20, width=32, layers=2, heads=2, window=W, context=K,
                       min_window=5, dropout=0.1, ema_decay=0.9)


def test_features_are_cached_and_match_motion_length(corpus):
    clips = clip_features(corpus)
    assert clips and all(len(a) == len(m) and a.shape[1] == FEATURE_DIM for a, m, _ in clips)
    assert list((corpus / f"features-{FEATURE_DIM}").glob("shard-*.safetensors"))
    again = clip_features(corpus)  # read back from the cache
    assert all(np.array_equal(a, b) for (a, _, _), (b, _, _) in zip(clips, again))


@pytest.fixture(scope="module")
def run(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    config = tiny(corpus, out)
    return config, train(config)


def test_loss_goes_down_and_is_logged(run):
    config, losses = run
    loss = [r["loss"] for r in losses]
    assert len(loss) == config.steps and all(np.isfinite(loss))
    assert np.mean(loss[-10:]) < 0.8 * np.mean(loss[:10])
    out = Path(config.out)
    log = json.loads((out / "loss.json").read_text())
    assert log["step"] == config.steps and len(log["losses"]) == config.steps
    assert (out / "loss.png").stat().st_size > 0
    saved = json.loads((out / "train_config.json").read_text())
    assert saved["steps"] == config.steps and saved["width"] == config.width


def test_checkpoint_loads_and_samples(run):
    config, _ = run
    model = load_pretrained(config.out)
    assert model.config.width == config.width and model.config.window == W
    feats = clip_features(config.corpus)[0][0][:33]
    motion = sample_motion(model, feats, steps=2)
    assert motion.shape == (33, MOTION_DIM) and np.all(np.isfinite(motion))
    assert torch.any(model.motion_std != 1)  # the corpus normalisation was saved


def test_ema_differs_from_raw_weights(run):
    config, _ = run
    ema = load_file(f"{config.out}/model.safetensors")
    raw = load_file(f"{config.out}/resume/model.safetensors")
    name = "blocks.0.attn.qkv.weight"
    assert ema[name].shape == raw[name].shape and not torch.equal(ema[name], raw[name])
    assert torch.equal(ema["motion_mean"], raw["motion_mean"])


def test_resume_continues_exactly(run, tmp_path):
    config, full = run
    split = replace(config, out=str(tmp_path))
    first = train(split, stop_at=20)
    assert [r["step"] for r in first] == list(range(20))
    resumed = train(split, resume=True)
    assert [r["step"] for r in resumed] == list(range(config.steps))
    assert json.loads((tmp_path / "loss.json").read_text())["step"] == config.steps
    # step 20 onwards, after a restart, is the same as in the uninterrupted run
    assert [r["loss"] for r in resumed[20:]] == [r["loss"] for r in full[20:]]


def test_fine_tuning_starts_from_the_checkpoint(run, tmp_path):
    """--init: the pretrained weights, normalisation and architecture (the width asked for
    is overridden), so the first steps' loss is the pretrained run's, not a fresh start's."""
    config, full = run
    tuned = replace(config, out=str(tmp_path), init=config.out, width=config.width * 2, steps=5)
    losses = train(tuned)
    model, pretrained = load_pretrained(tmp_path), load_pretrained(config.out)
    assert model.config.width == config.width
    assert torch.equal(model.motion_std, pretrained.motion_std)
    start = np.mean([r["loss"] for r in losses])
    assert start < 0.8 * np.mean([r["loss"] for r in full[:5]])
    assert json.loads((tmp_path / "train_config.json").read_text())["init"] == config.out


def test_missing_corpus_or_init_is_a_clear_error(corpus, tmp_path, capsys):
    from vasa_core.cli import main

    assert main(["train", "--corpus", str(tmp_path / "none"), "--out", str(tmp_path)]) == 2
    assert "is not a corpus" in capsys.readouterr().err
    assert main(["train", "--corpus", str(corpus), "--out", str(tmp_path),
                 "--init", str(tmp_path / "none")]) == 2
    assert "is not a checkpoint" in capsys.readouterr().err


def test_command_line_parses_into_the_config():
    config, resume, stop_at = parse_args(["--corpus", "c", "--out", "o", "--steps", "7",
                                          "--mixed-precision", "bf16", "--width", "64",
                                          "--resume"])
    assert (config.steps, config.width, config.mixed_precision, resume, stop_at) == \
        (7, 64, "bf16", True, None)
    assert parse_args(["--corpus", "c", "--out", "o", "--init", "ckpt"])[0].init == "ckpt"
    assert config.init == ""


def test_several_corpora_train_as_one(corpus):
    from vasa_core.train import corpus_features

    config, _, _ = parse_args(["--corpus", str(corpus), str(corpus), "--out", "o"])
    assert config.corpus == os.pathsep.join([str(corpus)] * 2)
    one, both = clip_features(corpus), corpus_features(config.corpus)
    assert len(both) == 2 * len(one)
    assert all(np.array_equal(a, b) for (a, _, _), (b, _, _) in zip(one + one, both))


def test_loss_plot_leaves_the_matplotlib_backend_alone(tmp_path):
    """plot_losses draws without pyplot: a notebook calling train() keeps its inline plots."""
    import matplotlib

    from vasa_core.train import plot_losses

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        plot_losses([{"step": s, "loss": 1.0 / (s + 1)} for s in range(60)], tmp_path / "loss.png")
        assert matplotlib.get_backend() == "svg"
        assert (tmp_path / "loss.png").stat().st_size > 1000
    finally:
        matplotlib.use(before)


def test_vtlp_warps_only_the_log_mel_blocks():
    from vasa_core.audio.features import LEVEL, MEL_MEAN, MEL_SLOPE

    rng = np.random.default_rng(0)
    audio = rng.standard_normal((60, FEATURE_DIM)).astype(np.float32)
    motion = rng.standard_normal((60, MOTION_DIM)).astype(np.float32)
    labels = fake_clip(60, 0.0)[2]
    plain = WindowDataset([(audio, motion, labels)], W, K, seed=0)
    warped = WindowDataset([(audio, motion, labels)], W, K, seed=0, vtlp=0.1)
    mel = np.r_[np.arange(FEATURE_DIM)[MEL_MEAN], np.arange(FEATURE_DIM)[MEL_SLOPE]]
    for i in range(5):
        a, b = plain[i], warped[i]
        assert torch.equal(a["motion"], b["motion"]) and torch.equal(a["history"], b["history"])
        assert torch.equal(a["audio"][:, LEVEL:], b["audio"][:, LEVEL:])  # level, voicing, pitch
        assert not torch.allclose(a["audio"][:, mel], b["audio"][:, mel])
        assert torch.equal(b["audio"], warped[i]["audio"])  # still a function of (seed, i)
