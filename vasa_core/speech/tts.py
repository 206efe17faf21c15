"""Speech synthesis with exact phoneme timing: eSpeak NG through ctypes.

The `espeakng-loader` wheel ships libespeak-ng and its data for 100+ languages. We call the
C API directly (no subprocess, no MBROLA):

    espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, ..., espeakINITIALIZE_PHONEME_EVENTS)
    espeak_SetSynthCallback(cb)       cb(int16 samples, n, events) receives audio + events
    espeak_SetVoiceByName("en+f3")    language + voice variant
    espeak_SetParameter(RATE | PITCH | RANGE | VOLUME, value, absolute)
    espeak_Synth(text, UTF-8)         returns once all audio has been passed to cb

With phoneme events enabled, every phoneme produces an `espeakEVENT_PHONEME` whose
`id.string` is the phoneme's eSpeak mnemonic (Kirshenbaum-like ASCII with stress marks,
e.g. "'aI", "t", "_:" for a pause) and whose `sample` field is the exact index of its first
output sample (cumulative over the utterance). Word events give word start times. So the
labels are the synthesiser's own segmentation, not a recogniser's guess.

Thread safety: libespeak-ng is one global C state (current voice, parameters, callback).
Every call into it goes through `_Engine.lock`; concurrent threads serialise. Separate
processes each initialise their own copy, which is how `corpus.build_corpus` parallelises.

Reproducibility: some voices mix in noise from eSpeak's and libc's random generators, so
`synthesize` seeds both (`seed`). eSpeak also keeps hidden state between utterances (its
F0 flutter phase), so the same call can come out a few samples different later in a
process; a fixed sequence of calls in a fresh process is bit-exact, which is why
`corpus.build_corpus` builds every shard in a new process.
"""
from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy.signal import resample_poly

from ..grid import SAMPLE_RATE

NATIVE_RATE = 22050  # eSpeak NG's output rate (Hz)
MODEL_RATE = SAMPLE_RATE  # what the rest of vasa_core consumes

# wordfreq language code -> eSpeak NG voice. tests/test_data.py checks that each one speaks
# text.random_text of its language with its own phonemes.
LANGUAGES: dict[str, str] = {
    "en": "en-us", "es": "es", "fr": "fr", "de": "de", "it": "it", "pt": "pt",
    "nl": "nl", "sv": "sv", "da": "da", "nb": "nb", "pl": "pl", "cs": "cs", "sk": "sk",
    "ru": "ru", "uk": "uk", "bg": "bg", "tr": "tr", "ar": "ar", "fa": "fa", "hi": "hi",
    "bn": "bn", "zh": "cmn", "ja": "ja", "ko": "ko", "vi": "vi", "id": "id", "ms": "ms",
    "fi": "fi", "el": "el", "hu": "hu", "ro": "ro", "ca": "ca", "he": "he", "lt": "lt",
}

# eSpeak voice variants (espeak-ng-data/voices/!v): formant sets, breathiness, pitch bands.
VARIANTS: tuple[str, ...] = (
    "", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
    "croak", "whisper", "klatt", "klatt2", "klatt4",
)

# espeak_EVENT_TYPE / espeak_PARAMETER / option values from speak_lib.h.
_EVENT_END_OF_LIST, _EVENT_WORD, _EVENT_PHONEME = 0, 1, 7
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS, _INIT_DONT_EXIT = 0x0001, 0x8000
_POS_CHARACTER, _CHARS_UTF8 = 1, 1


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p),
                ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """espeak_EVENT; `sample` is the event's output sample index within the utterance."""

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int), ("length", ctypes.c_int),
                ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))


class _Mark(NamedTuple):
    """A word or phoneme event, copied out of the C struct."""

    kind: int  # _EVENT_WORD or _EVENT_PHONEME
    sample: int  # first output sample (NATIVE_RATE)
    text_position: int  # 1-based character index into the text
    length: int  # characters (words)
    label: str  # phoneme mnemonic (phonemes)


@dataclass(frozen=True)
class Voice:
    """One eSpeak voice setting. Ranges are eSpeak's own."""

    language: str = "en"  # wordfreq code, a key of LANGUAGES
    variant: str = ""  # one of VARIANTS ("" = the language's default voice)
    rate: int = 175  # words per minute, 80..450
    pitch: int = 50  # base pitch, 0..100
    range: int = 50  # pitch range (intonation excursion), 0..100
    volume: int = 100  # amplitude, 0..200

    @property
    def espeak_name(self) -> str:
        name = LANGUAGES.get(self.language, self.language)
        return f"{name}+{self.variant}" if self.variant else name

    @classmethod
    def random(cls, language: str, rng: np.random.Generator) -> "Voice":
        """A random speaker: variant, speaking rate, pitch, intonation range and loudness."""
        return cls(language=language, variant=str(rng.choice(VARIANTS)),
                   rate=int(rng.integers(120, 240)), pitch=int(rng.integers(20, 85)),
                   range=int(rng.integers(20, 95)), volume=int(rng.integers(60, 160)))


Segment = tuple[str, float, float]  # (label, start_s, end_s)


@dataclass
class Utterance:
    """Synthesised speech and its exact segmentation.

    wave: (N,) float32 in [-1, 1] at `sample_rate`. phonemes: eSpeak mnemonics with start and
    end in seconds, contiguous from 0 to the end of the audio ("_" = silence). words: the
    text's words with the start of their first phoneme and the start of the next word.
    """

    wave: np.ndarray
    sample_rate: int
    phonemes: list[Segment]
    words: list[Segment] = field(default_factory=list)
    language: str = "en"
    voice: Voice | None = None  # None for audio not from eSpeak (singing.py)
    text: str = ""

    @property
    def duration(self) -> float:
        return len(self.wave) / self.sample_rate

    def resampled(self, rate: int = MODEL_RATE) -> "Utterance":
        """The same utterance at another sample rate (polyphase; timings are unchanged)."""
        if rate == self.sample_rate:
            return self
        g = np.gcd(rate, self.sample_rate)
        wave = resample_poly(self.wave, rate // g, self.sample_rate // g).astype(np.float32)
        end = len(wave) / rate
        phonemes = self.phonemes[:-1] + [self.phonemes[-1][:2] + (end,)]
        return replace(self, wave=wave, sample_rate=rate, phonemes=phonemes)

    def padded(self, before: float, after: float) -> "Utterance":
        """Silence added at both ends (seconds); segments shift, "_" segments cover the pads."""
        n0, n1 = round(before * self.sample_rate), round(after * self.sample_rate)
        wave = np.pad(self.wave, (n0, n1))
        shift, end = n0 / self.sample_rate, len(wave) / self.sample_rate
        moved = [(s, a + shift, b + shift) for s, a, b in self.phonemes]
        phonemes = ([("_", 0.0, shift)] if n0 else []) + moved
        if n1:
            phonemes.append(("_", moved[-1][2], end))
        words = [(w, a + shift, b + shift) for w, a, b in self.words]
        return replace(self, wave=wave, phonemes=phonemes, words=words)


class _Engine:
    """The process-wide libespeak-ng instance, initialised on first use."""

    lock = threading.Lock()

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                                          ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                          ctypes.c_void_p, ctypes.c_void_p]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        self.libc = ctypes.CDLL(None)  # eSpeak's breath noise uses libc rand()
        rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                          espeakng_loader.get_data_path().encode(),
                                          _INIT_PHONEME_EVENTS | _INIT_DONT_EXIT)
        if rate != NATIVE_RATE:
            raise RuntimeError(f"espeak_Initialize failed (returned {rate})")
        self._chunks: list[np.ndarray] = []
        self._marks: list[_Mark] = []
        self._callback = _Callback(self._on_synth)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav, count: int, events) -> int:
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, (count,)).copy())
        i = 0
        while events[i].type != _EVENT_END_OF_LIST:
            e = events[i]
            if e.type in (_EVENT_WORD, _EVENT_PHONEME):
                label = bytes(e.id.string).split(b"\0")[0].decode("utf-8", "replace")
                self._marks.append(_Mark(e.type, e.sample, e.text_position, e.length,
                                         label if e.type == _EVENT_PHONEME else ""))
            i += 1
        return 0

    def synth(self, text: str, voice: Voice, seed: int) -> tuple[np.ndarray, list[_Mark]]:
        """(int16 samples at NATIVE_RATE, word and phoneme events in time order)."""
        self.lib.espeak_ng_SetRandSeed(seed)
        self.libc.srand(seed)
        if self.lib.espeak_SetVoiceByName(voice.espeak_name.encode()) != 0:
            raise ValueError(f"eSpeak has no voice {voice.espeak_name!r}")
        for param, value in ((_RATE, voice.rate), (_PITCH, voice.pitch),
                             (_RANGE, voice.range), (_VOLUME, voice.volume)):
            self.lib.espeak_SetParameter(param, int(value), 0)
        self._chunks, self._marks = [], []
        data = text.encode("utf-8")
        if self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8,
                                 None, None) != 0:
            raise RuntimeError(f"espeak_Synth failed for {text!r}")
        if not self._chunks:
            raise ValueError(f"eSpeak produced no audio for {text!r}")
        return np.concatenate(self._chunks), self._marks


@lru_cache(maxsize=1)
def _engine() -> _Engine:
    return _Engine()


def espeak_available() -> bool:
    """True when libespeak-ng loads and initialises in this process."""
    try:
        with _Engine.lock:
            _engine()
        return True
    except (ImportError, OSError, RuntimeError):
        return False


def synthesize(text: str, voice: Voice | None = None, sample_rate: int = NATIVE_RATE,
               seed: int = 0) -> Utterance:
    """Speak `text` with `voice`; the waveform and its phoneme and word segmentation.

    `seed` seeds eSpeak's noise generators (breathy and whispered voices).
    """
    voice = voice or Voice()
    with _Engine.lock:
        samples, marks = _engine().synth(text, voice, seed)
    wave = samples.astype(np.float32) / 32768.0
    end = len(wave) / NATIVE_RATE
    # "(en)"-style marks announce a language switch; they are not phonemes
    phonemes = _segments([(m.label, m.sample) for m in marks if m.kind == _EVENT_PHONEME
                          and not m.label.startswith("(")], end, lead="_")
    words = _segments([(text[m.text_position - 1:m.text_position - 1 + m.length], m.sample)
                       for m in marks if m.kind == _EVENT_WORD], end)
    utt = Utterance(wave, NATIVE_RATE, phonemes, words, voice.language, voice, text)
    return utt.resampled(sample_rate)


def _segments(marks: list[tuple[str, int]], end: float, lead: str | None = None
              ) -> list[Segment]:
    """Start-sample marks -> contiguous (label, start_s, end_s), zero-length ones dropped.

    `lead` labels the stretch before the first mark (eSpeak starts with ~10 ms of silence).
    """
    starts = np.maximum.accumulate([s for _, s in marks]) / NATIVE_RATE if marks else []
    labels = [lab for lab, _ in marks]
    if lead is not None and (not marks or starts[0] > 0):
        labels, starts = [lead] + labels, np.concatenate([[0.0], starts])
    bounds = np.minimum(np.append(starts, end), end)
    return [(lab, float(a), float(b)) for lab, a, b in zip(labels, bounds[:-1], bounds[1:])
            if b > a]
