"""Inference-time ablations (vasa_core/eval/ablation.py): feature ablation, sampling
without history, control errors and jaw sync, each on constructed data or the tiny model."""
from __future__ import annotations

import numpy as np
import pytest

from tiny_checkpoint import tiny_model
from vasa_core import eval as ev
from vasa_core.audio import FEATURE_DIM
from vasa_core.latent import MOTION_DIM, MOTION_INDEX, Motion
from vasa_core.motion import Controls, sample_motion


def test_ablate_features_zeroes_or_shuffles_one_group_only():
    feats = np.random.default_rng(0).standard_normal((60, FEATURE_DIM)).astype(np.float32)
    for group, cols in ev.FEATURE_GROUPS.items():
        zero = ev.ablate_features(feats, group, "zero")
        assert np.all(zero[:, cols] == 0)
        others = np.ones(FEATURE_DIM, bool)
        others[cols] = False
        assert np.array_equal(zero[:, others], feats[:, others])
        shuffled = ev.ablate_features(feats, group, "shuffle", seed=1)
        assert np.array_equal(shuffled[:, others], feats[:, others])
        # the same frames in another order: same sorted values, different sequence
        assert np.allclose(np.sort(shuffled[:, cols], 0), np.sort(feats[:, cols], 0))
        assert not np.array_equal(shuffled[:, cols], feats[:, cols])
    assert np.array_equal(ev.ablate_features(feats, "level", "shuffle", seed=3),
                          ev.ablate_features(feats, "level", "shuffle", seed=3))
    assert feats[0, 0] != 0  # the input is left alone
    with pytest.raises(ValueError):
        ev.ablate_features(feats, "loudness", "zero")
    with pytest.raises(ValueError):
        ev.ablate_features(feats, "level", "noise")


def test_sample_without_history_is_independent_windows():
    model = tiny_model()
    w = model.config.window
    feats = np.random.default_rng(1).standard_normal((2 * w + 3, FEATURE_DIM)).astype(np.float32)
    controls = Controls(gaze=(5.0, 0.0))
    free = ev.sample_without_history(model, feats, controls, steps=2, seed=4)
    assert free.shape == (len(feats), MOTION_DIM)
    # each window equals a one-window call on its own audio (nothing carried over)...
    from vasa_core.motion.windows import window_seed
    second = sample_motion(model, feats[w:2 * w], controls, steps=2, seed=window_seed(4, w))
    assert np.allclose(free[w:2 * w], second, atol=1e-6)
    # ...the first is a single call's first window, the later ones are not (no history)
    with_history = sample_motion(model, feats, controls, steps=2, seed=4)
    assert np.allclose(free[:w], with_history[:w], atol=1e-6)
    assert not np.allclose(free[w:], with_history[w:])
    # shorter windows are honoured
    assert ev.sample_without_history(model, feats[:13], window=5, steps=1).shape == (13, MOTION_DIM)
    with pytest.raises(ValueError):
        ev.sample_without_history(model, feats[:0])


def test_control_errors_read_the_motion_labels():
    values = np.zeros((50, MOTION_DIM), np.float32)
    values[:, MOTION_INDEX["gaze_yaw"]] = 12.0
    values[:, MOTION_INDEX["gaze_pitch"]] = -2.0
    values[:, MOTION_INDEX["log_scale"]] = -1.1
    got = ev.control_errors(values, gaze=(15.0, 0.0), distance=0.2, mean_log_scale=-1.2)
    assert got["gaze_deg"] == pytest.approx(2.5)  # (3 + 2) / 2
    assert got["distance"] == pytest.approx(0.1)
    assert ev.control_errors(Motion(values, 25.0)) == {"gaze_deg": None, "distance": None}


def test_jaw_sync_scores_the_jaw_against_a_reference():
    rng = np.random.default_rng(2)
    jaw = np.convolve(rng.random(200), np.ones(4) / 4, "same")
    values = np.zeros((200, MOTION_DIM), np.float32)
    values[:, MOTION_INDEX["jawOpen"]] = jaw
    late_reference = np.concatenate([jaw[2:], jaw[-2:]])  # the reference leads by 2 frames
    assert ev.jaw_sync(values, late_reference) > 0.99
    assert ev.jaw_sync(values, late_reference, max_lag=0) < 0.9
    assert abs(ev.jaw_sync(values, rng.random(200))) < 0.3
