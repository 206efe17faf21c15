"""The teacher on real speech, for the `teacher_r` reference of real.py: the mouth that
`lips.read_lips` gives a whole clip (phones and words from PocketSphinx's real-speech
decoders, then the training teacher's own mouth rules), as one opening series.

It answers: how well would a model that imitated the teacher perfectly follow a real
person's lips, given a recogniser's errors? Since the sampler takes its lips from the
same reader (`lip_reading`), it is also what the generated mouth follows, before
rendering and window joins.
"""
from __future__ import annotations

import numpy as np

from ..latent import MOTION_INDEX


def teacher_opening(audio: np.ndarray, frames: int) -> np.ndarray:
    """(frames,) mouth opening of the teacher's rules on the recognised phones and words of
    16 kHz `audio`: jaw plus a quarter of each lower-lip drop, minus half the lip seal (the
    teacher's mouthClose holds the lips together however open the jaw is)."""
    from ..motion.lips import read_lips

    lips = read_lips(audio, frames, words=True)  # (frames, D)
    k = {n: lips[:, MOTION_INDEX[n]] for n in ("jawOpen", "mouthClose", "mouthLowerDownLeft",
                                                "mouthLowerDownRight")}
    return (k["jawOpen"] + 0.25 * (k["mouthLowerDownLeft"] + k["mouthLowerDownRight"])
            - 0.5 * k["mouthClose"])
