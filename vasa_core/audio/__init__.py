"""Audio in, frame-aligned features out: what the motion generator listens to.

    load_audio(path or (array, rate))  -> (N,) float32, 16 kHz mono, [-1, 1]    load.py
    features(wave)                     -> (ceil(N / 640), FEATURE_DIM) float32  features.py
    StreamingFeatures().push(chunk) / .flush()  the same frames, as audio arrives

The time grid (grid.py): 16 kHz audio and 25 fps motion, so video frame t is samples
[640 t, 640 t + 640). Features per frame (features.py): the mean and slope of four 10 ms
log-mel spectra, level, voicing and pitch, all made relative to the speaker's own running
statistics (normalise.py) so that gain, microphone and voice do not matter. One causal
code path computes them, offline and streaming alike, with 12 ms of look-ahead.
"""
from .features import FEATURE_DIM, LOOKAHEAD_SAMPLES, StreamingFeatures, features
from ..grid import FPS, SAMPLE_RATE, SAMPLES_PER_FRAME, num_frames
from .load import MAX_SECONDS, load_audio

__all__ = ["FEATURE_DIM", "FPS", "LOOKAHEAD_SAMPLES", "MAX_SECONDS", "SAMPLES_PER_FRAME",
           "SAMPLE_RATE", "StreamingFeatures", "features", "load_audio", "num_frames"]
