"""Phone readers scored, and the teacher on real speech.

Scoring against exact phone timing (`frame_error`, `jaw_lag`): speech whose phones are
known to the sample (eSpeak's own phoneme events) is read by a recogniser, and both
phone lists become the teacher's viseme classes at 25 fps (teacher.visemes.frame_visemes);
benchmarks/phone_reader.py and tests/test_phone_timing.py use them.

The teacher on real speech, for the `teacher_r` reference of real.py: the mouth that
`lips.read_lips` gives a whole clip (phones and words from PocketSphinx's real-speech
decoders, then the training teacher's own mouth rules), as one opening series.

It answers: how well would a model that imitated the teacher perfectly follow a real
person's lips, given a recogniser's errors? Since the sampler takes its lips from the
same reader (`lip_reading`), it is also what the generated mouth follows, before
rendering and window joins.
"""
from __future__ import annotations

import numpy as np

from ..grid import FPS
from ..latent import MOTION_INDEX
from ..teacher.coarticulation import mouth_track
from ..teacher.visemes import MOUTH_NAMES, frame_visemes

# The teacher's sixteen viseme classes in six a viewer tells apart on a mouth: silence,
# lips closed, lip on teeth, rounded, open, and the rest (tongue and teeth behind the lips).
MOUTH_CLASSES: dict[str, str] = {
    "sil": "sil", "PP": "closed", "FF": "labiodental", "O": "rounded", "U": "rounded",
    "AA": "open", "E": "open",
    **dict.fromkeys(["I", "TH", "DD", "KK", "CH", "SS", "NN", "RR", "neutral"], "other"),
}


def frame_error(truth: list, read: list, frames: int, coarse: bool = True) -> float:
    """Share of `frames` 25 fps frames whose class differs between two segment lists
    (viseme class, start s, end s, stress), each frame labelled by what covers its centre;
    in MOUTH_CLASSES if `coarse`, else in the sixteen viseme classes."""
    t, r = np.array(frame_visemes(truth, frames)), np.array(frame_visemes(read, frames))
    if coarse:
        t, r = (np.array([MOUTH_CLASSES[c] for c in x]) for x in (t, r))
    return float(np.mean(t != r))


def jaw_lag(truth: list, read: list, frames: int, max_lag: int = 5) -> tuple[int, float]:
    """(lag, r): the lag in frames (> 0: `read` is late) within +-max_lag at which the jaw
    the teacher draws from `read` best follows the jaw it draws from `truth`, and that r."""
    times = np.arange(frames) / FPS
    jaw = MOUTH_NAMES.index("jawOpen")
    a, b = (mouth_track(x, times)[:, jaw] for x in (truth, read))
    best = (0, -np.inf)
    for k in range(-max_lag, max_lag + 1):
        x, y = a[max(-k, 0):frames - max(k, 0)], b[max(k, 0):frames + min(k, 0)]
        if x.std() > 1e-9 and y.std() > 1e-9:
            r = float(np.corrcoef(x, y)[0, 1])
            best = max(best, (k, r), key=lambda kr: kr[1])
    return best


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
