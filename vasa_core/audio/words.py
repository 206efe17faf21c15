"""Timed phones of the English words in a whole clip: PocketSphinx's word decoder, then
a phone-level alignment of what it heard.

Why a second reading. The phone decoder (`phones.py`) chooses each phone from a phone
bigram; the word decoder must spell real words (its English language model and the CMU
dictionary, both in the PocketSphinx wheel), so where the speech is English and the words
come out right, the phones are right too. Its errors differ from the phone decoder's, and
the two mouths read from them, averaged (`lips.WORD_WEIGHT`), follow real lips better
than either (docs/experiments.md, "Words too, offline"). Non-English speech is heard as
English words: wrong words, but phones much like the phone decoder's.

Offline only: the words of an utterance are final only once it is over, so a stream
hears phones alone.

Long clips are decoded in pieces of at most MAX_PIECE_S, each cut at the quietest frame
of its last third (a pause, in speech), so the search never grows with the clip.

`WordsAhead` decodes in a worker process while the caller goes on (the pipeline analyses
the face meanwhile): PocketSphinx's search holds the GIL for most of its 0.13 s per second
of audio, so a worker thread ran in turn with the face analysis, not beside it
(benchmarks/RESULTS.md, "End to end").
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from ..grid import FPS, SAMPLE_RATE, SAMPLES_PER_FRAME
from .phones import DECODER_FRAMES_PER_S, Phone, SpeechLevel

MAX_PIECE_S = 30.0
# A one-pass search with at most 2000 active HMMs a frame: cheaper than PocketSphinx's
# default second passes for the same lip sync on the shared videos, while narrower searches
# cost lip sync (benchmarks/lips.py; benchmarks/RESULTS.md, "Lip reading").
SEARCH = dict(fwdflat=False, bestpath=False, maxhmmpf=2000, maxwpf=5)


def recognise_words(audio: np.ndarray) -> list[Phone]:
    """The phones of the words heard in a whole 16 kHz clip (N,), timed from its start
    (ARPAbet, SIL and fillers such as +NSN+ for noise). A piece with no words heard or
    that cannot be aligned gives none."""
    pcm = _levelled(np.asarray(audio, np.float32))
    out: list[Phone] = []
    start = 0
    while start < len(pcm):
        stop = piece_end(pcm, start)
        out += [(name, a + start / SAMPLE_RATE, b + start / SAMPLE_RATE)
                for name, a, b in _align(pcm[start:stop])]
        start = stop
    return out


class WordsAhead:
    """`recognise_words(audio)` decoded in a worker process (forked once, on first use, and
    kept: it holds its own decoder) while the caller goes on; `result()` waits for it. A
    worker that cannot start or dies is replaced by decoding here, in `result()`."""

    def __init__(self, audio: np.ndarray) -> None:
        self.audio = np.asarray(audio, np.float32)
        try:
            self._future: Future | None = _worker().submit(recognise_words, self.audio)
        except (BrokenProcessPool, OSError, RuntimeError):
            _worker.cache_clear()
            self._future = None

    def cancel(self) -> None:
        """The caller will not ask (its request failed): drop the job unless it started."""
        if self._future is not None:
            self._future.cancel()

    def result(self) -> list[Phone]:
        if self._future is not None:
            try:
                return self._future.result()
            except BrokenProcessPool:
                _worker.cache_clear()
        return recognise_words(self.audio)


@functools.lru_cache(maxsize=1)
def _worker() -> ProcessPoolExecutor:
    """One worker process for `WordsAhead`, forked (a spawned one would re-import the
    package, a second or more)."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))


def _levelled(audio: np.ndarray) -> np.ndarray:
    """(N,) int16 at the running speech level, as the phone decoder hears it."""
    level = SpeechLevel()
    pieces = range(0, len(audio), SAMPLES_PER_FRAME)
    return np.concatenate([level(audio[i:i + SAMPLES_PER_FRAME]) for i in pieces] or
                          [np.zeros(0, np.int16)])


def piece_end(pcm: np.ndarray, start: int, longest_s: float | None = None) -> int:
    """End of the piece of 16 kHz samples `pcm` (N,) beginning at `start`: the clip's end
    if within `longest_s` (default MAX_PIECE_S), else the start of the quietest 25 fps
    frame in the piece's last third (a pause, in speech)."""
    longest = int((MAX_PIECE_S if longest_s is None else longest_s) * SAMPLE_RATE)
    if len(pcm) - start <= longest:
        return len(pcm)
    first, frames = start + 2 * longest // 3, longest // 3 // SAMPLES_PER_FRAME
    tail = pcm[first:first + frames * SAMPLES_PER_FRAME].astype(np.float64)
    power = np.square(tail.reshape(frames, SAMPLES_PER_FRAME)).mean(1)
    return first + int(np.argmin(power)) * SAMPLES_PER_FRAME


def _align(pcm: np.ndarray) -> list[Phone]:
    """Decode the words of one piece, then align their phones to it (a second pass)."""
    if len(pcm) < SAMPLE_RATE // FPS:
        return []
    decoder, lock = _decoder()
    # +-1 LSB of fixed noise: on digital silence the decoder's log spectra have no floor
    # and it hears words (a second of zeros: "L EY"); PocketSphinx's own dither is random
    dither = np.random.default_rng(0).integers(-1, 2, len(pcm))
    raw = np.clip(pcm.astype(np.int32) + dither, -32768, 32767).astype(np.int16).tobytes()
    with lock:
        decoder.activate_search()  # back from the last piece's alignment mode
        decoder.reinit_feat()  # the cepstral mean carries over from the last piece
        decoder.start_utt()
        decoder.process_raw(raw, full_utt=True)
        decoder.end_utt()
        heard = decoder.hyp()
        if heard is None or not heard.hypstr:
            return []
        try:
            decoder.set_alignment()
            decoder.start_utt()
            decoder.process_raw(raw, full_utt=True)
            decoder.end_utt()
            alignment = decoder.get_alignment()
        except RuntimeError:  # a hypothesis its own alignment cannot fit
            return []
        rate = DECODER_FRAMES_PER_S
        return [(phone.name, phone.start / rate, (phone.start + phone.duration) / rate)
                for word in alignment or () for phone in word]


@functools.lru_cache(maxsize=1)
def _decoder():
    """One word decoder per process (loading its language model is slow) and the
    lock that serialises its use."""
    from pocketsphinx import Decoder, get_model_path

    model = os.path.join(get_model_path(), "en-us")
    decoder = Decoder(hmm=os.path.join(model, "en-us"), lm=os.path.join(model, "en-us.lm.bin"),
                      dict=os.path.join(model, "cmudict-en-us.dict"), samprate=SAMPLE_RATE,
                      loglevel="FATAL", **SEARCH)
    return decoder, threading.Lock()
