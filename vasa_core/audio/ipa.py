"""Timed phones of a whole clip from a second recogniser: hama's waveform phoneme model.

Why a third reading. hama (Apache-2.0, on PyPI; its model ships inside the wheel and runs
in a bundled native library, nothing downloads) reads phones straight from the waveform
with a CTC network, in IPA. On synthetic speech with exact phone times it places phones
better than PocketSphinx in English and in most other languages, and finds lip closures
far more often; on the shared real videos its mouth alone follows the lips no better, but
it errs differently, so a blend helps (docs/phone_reader_eval.md; the blend weight:
`motion.lips.IPA_WEIGHT`). It is an English phone recogniser too: 94-99 % of what it
emits is English phones whatever the language, so it does not add other languages' phones,
only better acoustics.

Offline only. Every CTC frame depends on the whole input, so a stream cannot use it
without re-reading a window (docs/phone_reader_eval.md, "As a stream"); a stream hears
PocketSphinx's phones alone, as with the words (audio/words.py).

From CTC frames to timed phones. hama emits one token per 20 ms, each phone about 60 ms
after it starts, and says nothing about where it ends. Each emitted phone is therefore
placed SHIFT_S before its emission and lasts until the next emission, at most MAX_S;
tokens that modify the phone before them (length, aspiration, tones, diacritics)
continue it; stretches of at least MIN_PAUSE_S with no phone are silence. SHIFT_S and
MAX_S were chosen on English synthetic clips and held out on six other languages
(docs/phone_reader_eval.md, "Span rule"). IPA reaches the teacher's visemes through
ARPAbet (IPA_TO_ARPABET), the table the other readers use (motion/lips.py).

Long clips are read in pieces of at most MAX_PIECE_S, cut at a pause (`words.piece_end`):
hama's cost per second grows with the input and it silently stops at 30 s.
"""
from __future__ import annotations

import functools
import threading
import warnings
from concurrent.futures import Future

import numpy as np

from ..grid import SAMPLE_RATE
from .phones import SILENCE, Phone
from .words import piece_end

MAX_PIECE_S = 10.0
FRAME_S = 0.02  # one CTC frame: 320 samples at 16 kHz
SHIFT_S = 0.06  # a phone starts this long before its emission frame ...
MAX_S = 0.16  # ... and lasts at most this long
# Stretches with no phone at least this long are silence, which the teacher's mouth closes
# towards; shorter ones are left to coarticulation, as the teacher leaves short pauses out.
MIN_PAUSE_S = 0.08
WORD_BOUNDARY, BLANK = "<wb>", "<blank>"

# hama's IPA tokens -> ARPAbet phones of motion.lips.ARPABET (a tuple shares the token's
# time evenly). Each vowel is given the ARPAbet phone whose teacher class is the class the
# teacher's own eSpeak table gives that vowel: schwa-like vowels (ə ɘ ɜ ɤ) -> ER (class E,
# as eSpeak's "@"), because ARPABET's AH is an open vowel (ʌ ɐ), and rounded front vowels
# (y ʏ ø œ) -> UW / UH / AO (classes U / O, as eSpeak's "y" "Y" "9").
IPA_TO_ARPABET: dict[str, tuple[str, ...]] = {
    # vowels and diphthongs
    "a": ("AA",), "à": ("AA",), "ä": ("AA",), "ã": ("AA",), "ɑ": ("AA",), "æ": ("AE",),
    "ɐ": ("AH",), "ʌ": ("AH",), "å": ("AO",), "ɒ": ("AO",), "ɔ": ("AO",), "o": ("AO",),
    "õ": ("AO",), "ø": ("AO",), "œ": ("AO",), "ɵ": ("AO",), "e": ("EH",), "ẽ": ("EH",),
    "ɛ": ("EH",), "ə": ("ER",), "ɘ": ("ER",), "ɜ": ("ER",), "ɚ": ("ER",), "ɝ": ("ER",),
    "ɤ": ("ER",), "i": ("IY",), "ì": ("IY",), "ǐ": ("IY",), "ĩ": ("IY",), "ɪ": ("IH",),
    "ɨ": ("IH",), "ɯ": ("IH",), "u": ("UW",), "ũ": ("UW",), "ʉ": ("UW",), "y": ("UW",),
    "ʊ": ("UH",), "ʏ": ("UH",),
    "aɪ": ("AY",), "aʊ": ("AW",), "eɪ": ("EY",), "oʊ": ("OW",), "ɔɪ": ("OY",),
    "eə": ("EH", "ER"), "ɪə": ("IH", "ER"), "ɯi": ("IH", "IY"),
    "ja": ("Y", "AA"), "je": ("Y", "EH"), "jo": ("Y", "AO"), "ju": ("Y", "UW"),
    "jʌ": ("Y", "AH"), "wa": ("W", "AA"), "we": ("W", "EH"), "wi": ("W", "IY"),
    "wʌ": ("W", "AH"),
    # consonants
    "p": ("P",), "pʰ": ("P",), "p͈": ("P",), "b": ("B",), "ɓ": ("B",), "ʙ": ("B",),
    "β": ("B",), "m": ("M",), "ɱ": ("M",), "f": ("F",), "ɸ": ("F",), "v": ("V",),
    "ʋ": ("V",), "θ": ("TH",), "ð": ("DH",), "t": ("T",), "tʰ": ("T",), "t͈": ("T",),
    "ʈ": ("T",), "d": ("D",), "ɖ": ("D",), "ɗ": ("D",), "ɾ": ("D",), "ɽ": ("D",),
    "k": ("K",), "kʰ": ("K",), "k͈": ("K",), "c": ("K",), "x": ("K",),
    "χ": ("K",), "g": ("G",), "ɡ": ("G",), "ɟ": ("G",), "ɣ": ("G",), "ɰ": ("G",),
    "ŋ": ("NG",), "ɴ": ("NG",), "t͡ʃ": ("CH",), "t͡ɕ": ("CH",), "t͡ɕʰ": ("CH",),
    "t͡ɕ͈": ("CH",), "d͡ʒ": ("JH",), "ʃ": ("SH",), "ʂ": ("SH",), "ɕ": ("SH",),
    "ʒ": ("ZH",), "ʐ": ("ZH",), "ʑ": ("ZH",), "s": ("S",), "s͈": ("S",), "ç": ("S",),
    "z": ("Z",), "ẑ": ("Z",), "n": ("N",), "ñ": ("N",), "ɲ": ("N",), "l": ("L",),
    "ɫ": ("L",), "ɮ": ("L",), "ʎ": ("L",), "r": ("R",), "ɹ": ("R",), "ɻ": ("R",),
    "ʀ": ("R",), "ʁ": ("R",), "w": ("W",), "ɥ": ("W",), "j": ("Y",), "ʝ": ("Y",),
    "h": ("HH",), "ɦ": ("HH",), "ħ": ("HH",), "ʔ": ("HH",),
}
# Tokens that modify the phone before them (length, aspiration, nasality, tones,
# punctuation): they continue that phone rather than start one.
IPA_MODIFIERS = frozenset(
    [" ", "%", ",", "~", "²", "³", "¹", "⁰", "⁴", "⁵", "⁻", "⁽", "⁾", "‿", "ʰ", "ʱ", "ʲ",
     "ʷ", "ˀ", "ː", "ˑ", "˕", "˞", "ˤ", "˥", "˦", "˧", "˨", "˩", "꜔", "ᵊ", "ᵝ", "一", "不",
     "<pad>", "<sos>", "<eos>", "<unk>"]
    + [chr(c) for c in range(0x0300, 0x0370)])  # combining diacritics


class IpaUnavailable(RuntimeError):
    """hama cannot run here (no native library for this platform)."""


def recognise_ipa(audio: np.ndarray, stop_early: threading.Event | None = None) -> list[Phone]:
    """Timed ARPAbet phones (and SIL) of a whole 16 kHz clip (N,), from hama's IPA, read
    in pieces (module docstring); once `stop_early` is set, no further piece is read.
    Raises IpaUnavailable where hama cannot run."""
    audio = np.asarray(audio, np.float32)
    out: list[Phone] = []
    start = 0
    while start < len(audio) and not (stop_early is not None and stop_early.is_set()):
        stop = piece_end(audio, start, MAX_PIECE_S)
        offset = start / SAMPLE_RATE
        out += [(p, a + offset, b + offset) for p, a, b in spans(tokens(audio[start:stop]))]
        start = stop
    return out


def tokens(audio: np.ndarray) -> list[str]:
    """hama's argmax token per 20 ms CTC frame of a 16 kHz clip (N,) of at most 30 s (its
    own greedy decoding). One read at a time per process: the native engine is not
    documented as safe to share between threads (the app serves several people)."""
    model = _model()
    with _ONE_AT_A_TIME:
        result = model.transcribe_waveform(np.asarray(audio, np.float32), SAMPLE_RATE)
    return [model.decoder_tokens[t] for t in result.frame_token_ids]


def spans(frames: list[str], shift_s: float = SHIFT_S, max_s: float = MAX_S,
          ends: frozenset[str] = frozenset()) -> list[Phone]:
    """Per-frame CTC tokens -> timed ARPAbet phones (module docstring); a token with no
    ARPAbet (none known today) is skipped; one in `ends` (benchmarks/phone_reader.py tries
    the word boundary) ends the phone before it and starts none."""
    emissions, prev = [], None
    for i, tok in enumerate(frames):
        if tok != prev and (tok in IPA_TO_ARPABET or tok in ends):
            emissions.append((i, tok))
        prev = tok
    end_s = len(frames) * FRAME_S
    out: list[Phone] = []
    last = 0.0
    for k, (frame, tok) in enumerate(emissions):
        if tok in ends:
            continue
        start = max(frame * FRAME_S - shift_s, 0.0)
        stop = emissions[k + 1][0] * FRAME_S - shift_s if k + 1 < len(emissions) else end_s
        stop = min(stop, start + max_s)
        if start - last >= MIN_PAUSE_S:
            out.append((SILENCE, last, start))
        phones = IPA_TO_ARPABET[tok]
        edges = np.linspace(start, stop, len(phones) + 1)
        out += [(p, float(a), float(b)) for p, a, b in zip(phones, edges[:-1], edges[1:])
                if b > a]
        last = max(last, stop)
    if end_s - last >= MIN_PAUSE_S:
        out.append((SILENCE, last, end_s))
    return out


class IpaAhead:
    """`recognise_ipa(audio)` in a thread while the caller goes on (hama's native call
    releases the GIL); `result()` waits for it: the phones, or None (with a warning) where
    hama cannot run. `cancel()`: the caller will not ask (its request failed), so no
    further piece is read."""

    def __init__(self, audio: np.ndarray) -> None:
        self._future: Future = Future()
        self._audio = np.asarray(audio, np.float32)
        self._cancelled = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def cancel(self) -> None:
        self._cancelled.set()

    def _run(self) -> None:
        try:
            self._future.set_result(recognise_ipa(self._audio, self._cancelled))
        except Exception as err:  # noqa: BLE001 - handed to result(), raised there
            self._future.set_exception(err)

    def result(self) -> list[Phone] | None:
        try:
            return self._future.result()
        except IpaUnavailable as err:
            warnings.warn(f"the lip reader's second phone recogniser is off: {err}",
                          RuntimeWarning, stacklevel=2)
            return None


_ONE_AT_A_TIME = threading.Lock()


@functools.lru_cache(maxsize=1)
def _model():
    """hama's phoneme recogniser, loaded once per process (its model is in the wheel)."""
    try:
        from hama import ASRModel

        return ASRModel()
    except (ImportError, OSError, RuntimeError) as err:
        raise IpaUnavailable(f"hama cannot run here ({err})") from err
