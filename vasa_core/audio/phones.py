"""Timed phones of any voice, heard causally: PocketSphinx's English phone decoder.

Why: the motion model learns the mouth from synthetic voices, and reading phones from real
ones is where it fails (docs/experiments.md, "Limits"). PocketSphinx's acoustic model was
trained on real speech and ships inside its wheel (nothing downloads); its phone decoder,
run without words (an "allphone" search over a phone bigram), gives timed ARPAbet phones
for any voice.
Non-English speech is read through English phones: open against close vowels, rounding
and lip closures, which is what a mouth needs, are shared across languages.

Causal and chunk-independent. Audio goes to the decoder in fixed 640-sample pieces (one
25 fps frame), whatever chunks it arrived in, and `phones(frames)` returns the decoder's
best path after exactly `frames` pieces, so the answer for a given audio prefix never
depends on the chunking. Phones near the end of that prefix are the decoder's current
guess; they settle as more audio arrives.

Level. The decoder's own cepstral mean adapts over seconds, so a quiet or loud recording
starts badly (docs/experiments.md, "Figures from code comments"). Each
piece is therefore scaled so that the running speech level (`normalise.RunningNormaliser`,
speech-gated, 4 s memory, the features' own statistics) sits at SPEECH_DBFS: causal and
gain-invariant from the first piece. The gain is capped at MAX_GAIN_DB, so that a clip of
room noise alone is not raised to speech level and heard as phones.

Long audio. The decoder's best path grows with the utterance and reading it costs time in
proportion, which a long stream would outgrow (benchmarks/lips.py measures a read). So the
utterance is closed, its phones kept, and a new one begun at a pause (the path ending in
PAUSE_S of silence) once it is RESTART_S long, and after MAX_UTTERANCE_S in any case;
both are decided on whole pieces, so chunking still does not matter. `phones(frames,
after)` also forgets finished phones that end before `after` (reads go forward in time).
"""
from __future__ import annotations

import os

import numpy as np

from ..grid import FPS, SAMPLE_RATE, SAMPLES_PER_FRAME
from .normalise import RunningNormaliser

Phone = tuple[str, float, float]  # (ARPAbet phone or SIL / +NSN+ ..., start_s, end_s)

LANGUAGE_WEIGHT = 2.0  # phone-bigram weight, chosen on lip r (docs/experiments.md)
SPEECH_DBFS = -26.0  # running speech level the audio is scaled to (RMS 0.05)
MAX_GAIN_DB = 30.0  # speech quieter than -56 dBFS is left quieter
DECODER_FRAMES_PER_S = 100  # PocketSphinx's frame rate (10 ms)
RESTART_S = 10.0  # an utterance this long is closed at its next pause ...
PAUSE_S = 0.3  # ... a silence at least this long, checked once a second ...
MAX_UTTERANCE_S = 30.0  # ... or closed here whatever is being said
SILENCE = "SIL"


class PhoneRecogniser:
    """Feed 16 kHz mono float audio with `push`; ask `phones(frames)` for what was heard in
    the first `frames` 25 fps frames (fed on demand, never past the audio pushed so far)."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder, get_model_path

        model = get_model_path()
        self._decoder = Decoder(hmm=os.path.join(model, "en-us", "en-us"),
                                allphone=os.path.join(model, "en-us", "en-us-phone.lm.bin"),
                                lm=None, dict=None, lw=LANGUAGE_WEIGHT, beam=1e-20,
                                pbeam=1e-20, samprate=SAMPLE_RATE, loglevel="FATAL")
        self._decoder.start_utt()
        self._level = SpeechLevel()
        self._pending = np.zeros(0, np.float32)  # pushed, not yet decoded
        self._fed = 0  # pieces decoded
        self._utterance_start = 0  # piece where the open utterance began
        self._done: list[Phone] = []  # phones of closed utterances

    def push(self, samples: np.ndarray) -> None:
        """Append (n,) float samples in [-1, 1]."""
        self._pending = np.concatenate([self._pending, np.asarray(samples, np.float32)])

    def phones(self, frames: int, after: float = 0.0) -> list[Phone]:
        """The best phone path over the first `frames` frames (or all audio pushed, if
        less) that ends after `after` seconds; finished phones ending before it are
        forgotten. An empty list before any audio."""
        while self._fed < frames and len(self._pending):
            piece, self._pending = (self._pending[:SAMPLES_PER_FRAME],
                                    self._pending[SAMPLES_PER_FRAME:])
            self._decode(piece)
            self._maybe_restart()
        self._done = [p for p in self._done if p[2] > after]
        return self._done + [p for p in self._open() if p[2] > after]

    def _open(self) -> list[Phone]:
        """The open utterance's current best path, in seconds from the clip's start."""
        rate, start = DECODER_FRAMES_PER_S, self._utterance_start / FPS
        return [(s.word, start + s.start_frame / rate, start + (s.end_frame + 1) / rate)
                for s in self._decoder.seg() or ()]  # end_frame is inclusive

    def _maybe_restart(self) -> None:
        """Close the open utterance at a pause past RESTART_S, or at MAX_UTTERANCE_S."""
        length = (self._fed - self._utterance_start) / FPS
        if length < RESTART_S or (self._fed - self._utterance_start) % int(FPS):
            return
        if length < MAX_UTTERANCE_S:
            last = self._open()[-1:]
            if not last or last[0][0] != SILENCE or last[0][2] - last[0][1] < PAUSE_S:
                return
        self._decoder.end_utt()
        self._done += self._open()
        self._decoder.start_utt()
        self._utterance_start = self._fed

    def _decode(self, piece: np.ndarray) -> None:
        """Decode one piece (<= 640 samples) at the running speech level."""
        self._decoder.process_raw(self._level(piece).tobytes(), full_utt=False)
        self._fed += 1


class SpeechLevel:
    """Call on consecutive pieces (<= 640 samples, float) -> the same pieces as int16 PCM,
    scaled so that the running speech level sits at SPEECH_DBFS (gain capped at
    MAX_GAIN_DB): the decoders' input level, causal and gain-invariant (module docstring)."""

    def __init__(self) -> None:
        self._normaliser = RunningNormaliser(0)

    def __call__(self, piece: np.ndarray) -> np.ndarray:
        power = float(np.mean(np.square(piece, dtype=np.float64)))
        level = 10.0 * np.log10(power + 1e-12)
        _, relative, _ = self._normaliser(np.zeros((1, 1, 0)), np.array([level]),
                                          np.zeros(1), np.zeros(1))
        gain = 10.0 ** (min(SPEECH_DBFS - (level - relative[0]), MAX_GAIN_DB) / 20.0)
        return (np.clip(piece * gain, -1.0, 1.0) * 32767.0).astype(np.int16)


def recognise(audio: np.ndarray) -> list[Phone]:
    """All phones of a whole 16 kHz clip (N,)."""
    recogniser = PhoneRecogniser()
    recogniser.push(audio)
    return recogniser.phones(-(-len(audio) // SAMPLES_PER_FRAME))
