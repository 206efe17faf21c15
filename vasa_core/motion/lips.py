"""Lip reading from phones: the jaw and lips a real-speech phone recogniser implies.

Why. The motion model reads the mouth from audio features it learned on synthetic voices
only, and follows real speakers' lips poorly. The teacher that made its training mouths,
run on the phones PocketSphinx (trained on real speech) hears in the same audio, follows
them better, and better still with the words below (docs/experiments.md, "Lip reading";
the current figures are in the model card, "Results"). So the
sampler takes the lips from here and the model fills in everything else around them
(`motion.windows`, `lips=`): head, brows, blinks, gaze and the mouth's expressive shapes
stay the diffusion model's, conditioned on this mouth at every denoising step
(inpainting, as in Lugmayr et al. 2022's RePaint, on the clean-motion estimate).

    phones (audio/phones.py) -> teacher viseme classes (ARPABET below) -> coarticulated
    mouth (teacher/coarticulation.py, the training teacher's own rules) -> LIP_NAMES

Offline, the reader may also be given the phones of the words a word decoder heard in the
whole clip (audio/words.py); the mouth is then the two readings' mouths averaged, the
words' weighted WORD_WEIGHT. Two decoders that err differently: on the shared real videos
the blend follows the real lips better than either reading alone, and on synthetic speech
in many languages, whose random word lists no language model expects, a small weight
loses nothing where an even blend does; WORD_WEIGHT was chosen on both
(docs/experiments.md, "Words too, offline"; tests/test_lips.py). A third reading, the
phones a waveform phoneme recogniser hears in the whole clip (audio/ipa.py), is blended
in after that at IPA_WEIGHT (docs/experiments.md, "A third reading").

Causal. `reader(start, stop)` reads the frames [start, stop) from the phones heard up to
frame `stop + lookahead`, so a streamed window's mouth comes from the audio it has, and
offline and streaming agree whenever their windows do. The recogniser settles a phone
a few frames after hearing it, so a mouth read in short streaming windows lags the sound
unless the reader hears a few frames past the window; in long offline windows it does not
(measured on synthetic speech with exact phoneme times: docs/experiments.md, "Lip reading:
summary as shipped"). Each frame of look-ahead adds 40 ms (one frame) to a stream's
latency (the `lip_lookahead` control, 2 by default for a stream; offline the reader hears
the whole clip; how late a stream's lips come at each setting: the model card, "Results").
"""
from __future__ import annotations

import numpy as np

from ..grid import FPS, SAMPLES_PER_FRAME
from ..audio.phones import Phone, PhoneRecogniser
from ..teacher.coarticulation import CoarticulationConfig, mouth_track
from ..teacher.visemes import MOUTH_NAMES, VOWELS
from ..latent import MOTION_DIM, MOTION_INDEX

# The coefficients phones decide: opening, lip seal, rounding, lip roll. Left to the model:
# smile, stretch, press and upper-lip raise, which emotions also move (teacher/emotion.py).
LIP_NAMES: tuple[str, ...] = (
    "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthRollLower", "mouthRollUpper",
    "mouthLowerDownLeft", "mouthLowerDownRight",
)

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

REACH_S = 1.0  # segments further than this from a window do not move its mouth
# A reading of the whole clip (words, IPA) is drawn with the teacher's rules but shorter
# dominance decays (the teacher's 70 ms ahead / 45 ms behind made its training mouths):
# real mouths, re-read on the eleven shared videos, move from one shape to the next about
# as abruptly as this, and the teacher's smoother mouth followed them less well (chosen
# leaving each video out). Phones alone, heard as a stream hears them, keep the teacher's
# decays, which forgive a phone guessed late: drawn sharp, streams followed real lips less
# well (docs/experiments.md, "A sharper reader").
READER_COARTICULATION = CoarticulationConfig(tau_before=0.02, tau_after=0.015)
WORD_WEIGHT = 0.3  # share of the word reading in the mouth, when there is one
IPA_WEIGHT = 0.3  # share of the IPA reading in the mouth (of the blend so far), likewise


def viseme_segments(phones: list[Phone]) -> list[tuple[str, float, float, int]]:
    """Recognised phones -> teacher segments (class, start_s, end_s, stress). Vowels get
    secondary stress: the recogniser does not say which syllables are stressed."""
    out = []
    for phone, start, end in phones:
        classes = ARPABET.get(phone, ("sil",))
        edges = np.linspace(start, end, len(classes) + 1)
        out += [(c, float(a), float(b), 1 if c in VOWELS else 0)
                for c, a, b in zip(classes, edges[:-1], edges[1:])]
    return out


class LipReader:
    """`push` 16 kHz mono audio as it arrives; `reader(start, stop)` -> (stop - start, D)
    float32 motion (latent.MOTION_NAMES) with the LIP_NAMES columns set and NaN elsewhere
    (free for the model), from the phones heard up to frame stop + `lookahead`. Frames
    must be read in order; a frame past the audio reads the mouth of the phones heard so
    far (closing towards rest). `silent` (D,): the same columns with nothing heard, the
    rest mouth, which audio guidance widens the lips away from (`motion.sampling`).
    `words`: the phones of a whole clip's words (`audio.words.recognise_words`), blended
    in at WORD_WEIGHT, and `ipa` those of `audio.ipa.recognise_ipa`, at IPA_WEIGHT; with
    either the reading is no longer causal (offline only) and is drawn with
    READER_COARTICULATION."""

    def __init__(self, lookahead: int = 0, words: list[Phone] | None = None,
                 ipa: list[Phone] | None = None) -> None:
        self.lookahead = lookahead
        self._offline = [(viseme_segments(phones), weight)
                         for phones, weight in ((words, WORD_WEIGHT), (ipa, IPA_WEIGHT))
                         if phones is not None]
        self.coarticulation = READER_COARTICULATION if self._offline else CoarticulationConfig()
        self._recogniser = PhoneRecogniser()
        self._columns = [MOUTH_NAMES.index(n) for n in LIP_NAMES]
        self._dims = [MOTION_INDEX[n] for n in LIP_NAMES]
        self.silent = np.full(MOTION_DIM, np.nan, np.float32)
        self.silent[self._dims] = mouth_track([], np.zeros(1))[0, self._columns]
        self._samples = 0

    @property
    def heard(self) -> int:
        """Whole frames of audio pushed so far."""
        return self._samples // SAMPLES_PER_FRAME

    def push(self, samples: np.ndarray) -> None:
        self._recogniser.push(samples)
        self._samples += len(samples)

    def __call__(self, start: int, stop: int) -> np.ndarray:
        heard = self._recogniser.phones(stop + self.lookahead, after=start / FPS - REACH_S)
        mouth = self._mouth(viseme_segments(heard), start, stop)
        for segments, weight in self._offline:
            mouth += weight * (self._mouth(segments, start, stop) - mouth)
        out = np.full((stop - start, MOTION_DIM), np.nan, np.float32)
        out[:, self._dims] = mouth
        return out

    def _mouth(self, segments: list, start: int, stop: int) -> np.ndarray:
        """(stop - start, len(LIP_NAMES)) mouth of teacher `segments` over frames
        [start, stop), from those within REACH_S of them."""
        near = [s for s in segments
                if start / FPS - REACH_S < s[2] and s[1] < stop / FPS + REACH_S]
        return mouth_track(near, np.arange(start, stop) / FPS,
                           self.coarticulation)[:, self._columns]


def read_lips(audio: np.ndarray, frames: int, words: bool = False,
              ipa: bool = False) -> np.ndarray:
    """(frames, D) LipReader output for a whole 16 kHz clip (N,), read in one window;
    `words`, `ipa`: with the clip's words, its IPA reading too."""
    from ..audio.ipa import recognise_ipa
    from ..audio.words import recognise_words

    reader = LipReader(words=recognise_words(audio) if words else None,
                       ipa=recognise_ipa(audio) if ipa else None)
    reader.push(audio)
    return reader(0, frames)
