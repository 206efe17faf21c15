"""The teacher on real speech: phones from a recogniser trained on real voices, then the
teacher's own mouth rules, for the `teacher_r` reference of real.py.

The training teacher (`vasa_core.data.teacher`) needs exact phoneme timings, which only
synthetic speech has. PocketSphinx's English acoustic model ships inside its wheel; its
phone decoder, run without words (an "allphone" search over a phone bigram), gives a
timed phone string for any voice. Phones (ARPAbet) are folded onto the teacher's viseme
classes (`vasa_core.data.visemes`; a diphthong splits its time between its two vowels)
and `coarticulation.mouth_track` turns them into mouth coefficients, exactly as for the
training corpus. The result answers: how well would a model that imitated the teacher
perfectly follow a real person's lips, given a recogniser's errors?

Non-English speech is read through English phones: open vs close vowels, rounding and
lip closures, which is what the mouth needs, are shared across languages.
"""
from __future__ import annotations

import os

import numpy as np

from ..data.visemes import MOUTH_NAMES, VOWELS

# CMU/ARPAbet phones of the recogniser -> teacher viseme classes (diphthongs: two vowels).
ARPABET: dict[str, tuple[str, ...]] = {
    "AA": ("AA",), "AE": ("AA",), "AH": ("AA",), "AO": ("O",), "AW": ("AA", "U"),
    "AY": ("AA", "I"), "EH": ("E",), "ER": ("E",), "EY": ("E", "I"), "IH": ("I",),
    "IY": ("I",), "OW": ("O", "U"), "OY": ("O", "I"), "UH": ("U",), "UW": ("U",),
    "B": ("PP",), "P": ("PP",), "M": ("PP",), "F": ("FF",), "V": ("FF",), "TH": ("TH",),
    "DH": ("TH",), "T": ("DD",), "D": ("DD",), "K": ("KK",), "G": ("KK",), "NG": ("KK",),
    "CH": ("CH",), "JH": ("CH",), "SH": ("CH",), "ZH": ("CH",), "S": ("SS",), "Z": ("SS",),
    "N": ("NN",), "L": ("NN",), "R": ("RR",), "W": ("U",), "Y": ("I",), "HH": ("neutral",),
}  # anything else (SIL, +NSN+ noise, +SPN+ ...) is silence

LANGUAGE_WEIGHT = 2.0  # phone-bigram weight (2: r 0.44 on the shared videos, 1: 0.40)
CHUNK = 1600  # samples per push: live cepstral mean, as for a microphone
SPEECH_RMS = 0.05  # the clip is scaled to this RMS first (the decoder adapts slowly)


def recognise(audio: np.ndarray, sample_rate: int = 16000) -> list[tuple[str, float, float]]:
    """(N,) float mono speech -> [(ARPAbet phone or SIL/noise, start_s, end_s)]."""
    from pocketsphinx import Decoder, get_model_path

    model = get_model_path()
    decoder = Decoder(hmm=os.path.join(model, "en-us", "en-us"),
                      allphone=os.path.join(model, "en-us", "en-us-phone.lm.bin"),
                      lm=None, dict=None, lw=LANGUAGE_WEIGHT, beam=1e-20, pbeam=1e-20,
                      samprate=sample_rate, loglevel="FATAL")
    audio = np.asarray(audio, np.float64)
    rms = float(np.sqrt(np.mean(audio ** 2))) if len(audio) else 0.0
    scaled = audio * (SPEECH_RMS / rms) if rms > 1e-6 else audio
    pcm = (np.clip(scaled, -1.0, 1.0) * 32767.0).astype(np.int16)
    decoder.start_utt()
    for start in range(0, len(pcm), CHUNK):
        decoder.process_raw(pcm[start:start + CHUNK].tobytes(), full_utt=False)
    decoder.end_utt()
    # PocketSphinx frames are 10 ms; end_frame is inclusive.
    return [(s.word, s.start_frame / 100.0, (s.end_frame + 1) / 100.0)
            for s in decoder.seg() or ()]


def viseme_segments(phones: list[tuple[str, float, float]]) -> list[tuple[str, float, float, int]]:
    """Recognised phones -> teacher segments (class, start_s, end_s, stress). Vowels get
    secondary stress: the recogniser does not say which syllables are stressed."""
    out = []
    for phone, start, end in phones:
        classes = ARPABET.get(phone, ("sil",))
        edges = np.linspace(start, end, len(classes) + 1)
        out += [(c, float(a), float(b), 1 if c in VOWELS else 0)
                for c, a, b in zip(classes, edges[:-1], edges[1:])]
    return out


def teacher_opening(audio: np.ndarray, frames: int, fps: float = 25.0) -> np.ndarray:
    """(frames,) mouth opening of the teacher's rules on the recognised phones of 16 kHz
    `audio`: jaw plus a quarter of each lower-lip drop, minus half the lip seal (the
    teacher's mouthClose holds the lips together however open the jaw is)."""
    from ..data.coarticulation import mouth_track

    track = mouth_track(viseme_segments(recognise(audio)), np.arange(frames) / fps)
    k = {n: track[:, MOUTH_NAMES.index(n)] for n in MOUTH_NAMES}
    return (k["jawOpen"] + 0.25 * (k["mouthLowerDownLeft"] + k["mouthLowerDownRight"])
            - 0.5 * k["mouthClose"])
