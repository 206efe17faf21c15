"""Evaluation measured on pixels (docs/design.md, "Metrics"), behind `vasa eval`.

    metrics.py   the measures: mouth opening, lip-sync r and AV offset, dP, blinks, joins
    real.py      generated vs a real talking video, with the reachable references
    speech.py    any speech or singing clip: the rendered mouth against the audio energy
    controls.py  gaze, distance, emotion and guidance commands against what is rendered
    ablation.py  inference-time ablations on the motion itself (features, history, controls)
"""
from .metrics import (BLINK_OFF, BLINK_ON, FPS, MAX_LAG, blink_rate, blinks_on_pixels, delta_p,
                      eye_ratio, join_jitter, lip_sync, log_energy, mouth_opening,
                      opening_from_fits, pooled_offset, resample, track)
from .ablation import (FEATURE_GROUPS, ablate_features, control_errors, jaw_sync,
                       sample_without_history)
from .controls import evaluate_controls
from .real import evaluate_video, reference_r, summarize_videos
from .speech import evaluate_speech

__all__ = ["BLINK_OFF", "BLINK_ON", "FEATURE_GROUPS", "FPS", "MAX_LAG", "ablate_features",
           "blink_rate", "blinks_on_pixels", "control_errors", "delta_p", "evaluate_controls",
           "evaluate_speech", "evaluate_video", "eye_ratio", "jaw_sync", "join_jitter", "lip_sync",
           "log_energy", "mouth_opening", "opening_from_fits", "pooled_offset", "reference_r",
           "resample", "sample_without_history", "summarize_videos", "track"]
