"""Ablations at inference (notebooks/04_ablations.ipynb): what each sampling setting and
each audio feature group is worth, measured on the motion itself (fast, no rendering).

    ablate_features       zero or time-shuffle one feature group (`FEATURE_GROUPS`) of the
                          audio features: a sensitivity test of the trained model, not a
                          retrained one
    sample_without_history  the motion sampled window by window with no history at all:
                          each window an independent `sample_motion` call on its own audio
    control_errors        commanded main gaze and head distance against the motion's own
                          labels (`Motion.control_labels`, VASA-1's definitions)
    jaw_sync              lip sync of a motion's jawOpen against a reference series
"""
from __future__ import annotations

import numpy as np

from ..audio.features import FEATURE_DIM, LEVEL, MEL_MEAN, MEL_SLOPE, PITCH, VOICING
from ..latent import MOTION_INDEX, Motion
from .metrics import FPS, MAX_LAG, lip_sync

FEATURE_GROUPS: dict[str, slice] = {
    "mel_mean": MEL_MEAN, "mel_slope": MEL_SLOPE, "level": slice(LEVEL, LEVEL + 1),
    "voicing": slice(VOICING, VOICING + 1), "pitch": slice(PITCH, PITCH + 1),
    "all": slice(0, FEATURE_DIM)}
ABLATIONS: tuple[str, ...] = ("zero", "shuffle")


def ablate_features(feats: np.ndarray, group: str, mode: str, seed: int = 0) -> np.ndarray:
    """A copy of audio features (T, F) with the columns of `FEATURE_GROUPS[group]` set to
    0 ("zero": the feature's neutral value, since every feature is relative to a running
    mean; voicing 0 reads "unvoiced") or with their frames permuted in time ("shuffle":
    the same values, so the same distribution, but no longer aligned with the speech)."""
    if group not in FEATURE_GROUPS:
        raise ValueError(f"unknown feature group {group!r}; choose from {list(FEATURE_GROUPS)}")
    if mode not in ABLATIONS:
        raise ValueError(f"unknown ablation {mode!r}; choose from {ABLATIONS}")
    out = np.array(feats, dtype=np.float32, copy=True)
    cols = FEATURE_GROUPS[group]
    if mode == "zero":
        out[:, cols] = 0.0
    else:
        out[:, cols] = out[np.random.default_rng(seed).permutation(len(out)), cols]
    return out


def sample_without_history(model, audio_feats: np.ndarray, controls=None, *,
                           window: int | None = None, seed: int = 0, **options) -> np.ndarray:
    """Motion (T, D) sampled as consecutive windows of `window` frames (default the
    model's W, the windows `sample_motion` uses), each by its own `sample_motion` call on
    its own audio: no window sees the previous window's motion or audio, and no join
    correction applies (both exist only between windows of one call). The first window is
    `sample_motion`'s own first window (same seed and audio, no history either way); a
    later one starting at frame s is sampled with seed `window_seed(seed, s)`.
    `options` go to `sample_motion` (steps, cfg_scales, sampler; not init_motion)."""
    from ..motion.windows import sample_motion, window_seed

    window = model.config.window if window is None else window
    feats = np.asarray(audio_feats, np.float32)
    if len(feats) == 0:
        raise ValueError("audio_feats has no frames (T = 0)")
    return np.concatenate([
        sample_motion(model, feats[s:s + window], controls, window=window,
                      seed=seed if s == 0 else window_seed(seed, s), **options)
        for s in range(0, len(feats), window)])


def control_errors(motion: np.ndarray | Motion, gaze: tuple[float, float] | None = None,
                   distance: float | None = None, mean_log_scale: float = 0.0) -> dict:
    """Absolute errors of a motion's main gaze (mean abs over yaw and pitch, degrees) and
    head distance (natural-log units) against the commands, both read off the motion as
    VASA-1 labels its training clips (`Motion.control_labels`). `distance` is relative
    to `mean_log_scale` (the model's motion_mean of log_scale, as `motion.Controls`
    defines it). None: not commanded."""
    motion = motion if isinstance(motion, Motion) else Motion(np.asarray(motion), FPS)
    main_gaze, log_scale = motion.control_labels()
    out: dict = {"gaze_deg": None, "distance": None}
    if gaze is not None:
        out["gaze_deg"] = float(np.abs(np.subtract(main_gaze, gaze)).mean())
    if distance is not None:
        out["distance"] = float(abs(log_scale - mean_log_scale - distance))
    return out


def jaw_sync(motion: np.ndarray | Motion, reference: np.ndarray,
             max_lag: int = MAX_LAG) -> float:
    """Pearson r of the motion's jawOpen with `reference` (a teacher's jawOpen, a real
    video's mouth opening, an audio energy) at the best lag within +-max_lag frames, as
    `lip_sync` scores pixels; nan when either series is constant."""
    values = motion.values if isinstance(motion, Motion) else np.asarray(motion)
    return lip_sync(values[:, MOTION_INDEX["jawOpen"]].astype(np.float64),
                    np.asarray(reference, np.float64), max_lag)["r"]
