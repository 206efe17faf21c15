"""Face analysis: MediaPipe landmarks -> pose, expression, gaze, identity (the face latent)."""
from .analyze import analyze_frames, analyze_image, analyze_video, describe, detect_and_fit
from .basis import expression_basis, gaze_offsets
from .fit import FaceFit, fit_landmarks

__all__ = ["analyze_image", "analyze_frames", "analyze_video", "describe", "detect_and_fit",
           "expression_basis", "gaze_offsets", "FaceFit", "fit_landmarks"]
