"""Phone readers against exact phone timing: hama's IPA phoneme recogniser vs PocketSphinx.

    python -m benchmarks.phone_reader [--json PATH] [--grid] [--stream] [--edge] [--real]
                                      [--no-synthetic]

Run from the repository root in the project's .venv (hama is a project dependency since
the lip reader took it up, audio/ipa.py; docs/phone_reader_eval.md was measured before,
in a separate venv). Without flags it prints the figures of docs/phone_reader_eval.md, "Timing
against exact phones".

Speech with known phone timing, two kinds, each sentence synthesised alone and padded with
0.3 s of silence on both sides:

  * eSpeak NG formant voices, through the project's own `speech.tts.synthesize`: the
    library's phoneme events carry the exact output sample where each phoneme starts.
    Two voices (default and "f3"), seven languages (en es fr de it ru zh).
  * MBROLA diphone voices (recorded human diphones, so closer to real speech), when the
    `mbrola` binary and voices are installed (Debian: mbrola, mbrola-us1 ...): the
    `espeak-ng --pho` file is the exact phone/duration list that `mbrola` renders. Two
    voices per language, five languages (en es fr de it). eSpeak 1.51 writes unstressed
    "e/", "o/", "i/" that the es and it voices lack (mbrola would put silence there);
    they are written as "e", "o", "i", the same phone.

Both readers are scored at the 25 fps frame level (a frame is labelled by what covers its
centre, `teacher.visemes.frame_visemes`) in the teacher's 16 viseme classes and in six
coarse mouth classes (COARSE): PocketSphinx's ARPAbet through `motion.lips.ARPABET` as
the pipeline reads it; hama's IPA through `audio.ipa.IPA_TO_ARPABET` into the same table; the
truth through the teacher's own eSpeak table (`teacher.visemes.read_phoneme`) or, for
MBROLA's SAMPA names, through SAMPA_CLASSES. Also reported: the jaw the teacher's
coarticulation draws from each reading correlated with the jaw from the truth (Pearson r
per clip at lag 0, averaged; `tests/test_lips.py` measures the same), the lag that
maximises it (frames, > 0: the reading is late), and lip closures found (a true /p b m/
run counts as found if the reading has PP within one frame of it; F1 of found and
genuine).

hama gives one CTC label per 20 ms (argmax, its default decoding); a phone is placed from
its emission frame until the next phone's emission, moved HAMA_SHIFT_S earlier (CTC emits
a little after a phone begins) and cut after HAMA_MAX_S; stretches of at least
MIN_PAUSE_S with no phone are silence (`audio.ipa.spans`, as the pipeline reads it). `--grid` shows how the two settings were chosen
(least 6-class frame error on the English clips of both kinds; the other languages are
held out) and what hama's own `ASRModel.phoneme_spans` gives instead. `--stream` reads
hama as a stream must (re-reading a sliding window: hama is not causal). `--edge` feeds
hama awkward input. `--real` times both readers by clip length and reads the shared real
clips (IPA excerpts, speed, and lip sync against the mouth MediaPipe measures in the
shared videos). `--no-synthetic` skips the synthetic speech (for --edge / --real alone).
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from vasa_core.audio import ipa
from vasa_core.audio.ipa import (BLANK, FRAME_S, IPA_MODIFIERS, IPA_TO_ARPABET, MAX_S,
                                 SHIFT_S, WORD_BOUNDARY)
from vasa_core.eval.phones import MOUTH_CLASSES
from vasa_core.grid import FPS, SAMPLE_RATE, num_frames
from vasa_core.motion.lips import viseme_segments as arpabet_segments
from vasa_core.teacher.coarticulation import mouth_track
from vasa_core.teacher.visemes import MOUTH_NAMES, VOWELS, frame_visemes
from vasa_core.teacher.visemes import viseme_segments as espeak_segments

Segment = tuple[str, float, float, int]  # (teacher viseme class, start_s, end_s, stress)

TEXTS: dict[str, tuple[str, ...]] = {
    "en": ("My mother bought a big apple at the open market on Monday.",
           "The quick brown fox jumps over the lazy dog.",
           "Please call Stella and ask her to bring these things with her from the store.",
           "We were walking home when the weather suddenly changed.",
           "Five or six people moved the heavy boxes into the van.",
           "Would you like some coffee before we leave for the airport?"),
    "es": ("Buenos días, ¿cómo estás hoy?",
           "Mi madre compró manzanas en el mercado el lunes por la mañana.",
           "El perro blanco corre por el parque con su pelota.",
           "Vamos a la playa porque hace mucho calor.",
           "Por favor, cierra la puerta cuando salgas de la oficina.",
           "Los niños juegan al fútbol después de la escuela."),
    "fr": ("Bonjour, comment allez-vous aujourd'hui?",
           "Ma mère a acheté des pommes au marché lundi matin.",
           "Le petit chat boit du lait dans la cuisine.",
           "Nous allons à la plage parce qu'il fait très beau.",
           "Fermez la porte quand vous partez du bureau, s'il vous plaît.",
           "Les enfants jouent au football après l'école."),
    "de": ("Guten Morgen, wie geht es Ihnen heute?",
           "Meine Mutter hat am Montag Äpfel auf dem Markt gekauft.",
           "Der kleine Hund läuft mit seinem Ball durch den Park.",
           "Wir fahren morgen früh mit dem Zug nach Berlin.",
           "Bitte schließen Sie die Tür, wenn Sie das Büro verlassen.",
           "Die Kinder spielen nach der Schule Fußball."),
    "it": ("Buongiorno, come stai oggi?",
           "Mia madre ha comprato le mele al mercato lunedì mattina.",
           "Il piccolo cane corre nel parco con la sua palla.",
           "Andiamo al mare perché fa molto caldo.",
           "Per favore, chiudi la porta quando esci dall'ufficio.",
           "I bambini giocano a calcio dopo la scuola."),
    "ru": ("Доброе утро, как у вас дела сегодня?",
           "Моя мама купила яблоки на рынке в понедельник.",
           "Маленькая собака бегает по парку с мячом.",
           "Мы поедем на море, потому что очень жарко.",
           "Пожалуйста, закройте дверь, когда будете уходить.",
           "Дети играют в футбол после школы."),
    "zh": ("今天天气很好，我们去公园散步吧。",
           "我妈妈星期一在市场买了苹果。",
           "小狗带着球在公园里跑来跑去。",
           "因为天气很热，我们去海边游泳。",
           "请你离开办公室的时候关上门。",
           "孩子们放学以后踢足球。"),
}
FORMANT_LANGUAGES = ("en", "es", "fr", "de", "it", "ru", "zh")
FORMANT_VARIANTS = ("", "f3")  # eSpeak's default (male) voice and a female variant
MBROLA_VOICES: dict[str, tuple[str, ...]] = {  # (male, female) where both exist
    "en": ("us2", "us1"), "es": ("es1", "es2"), "fr": ("fr1", "fr4"),
    "de": ("de2", "de1"), "it": ("it3", "it4"),
}
MBROLA_DIR = Path("/usr/share/mbrola")
PAD_S = 0.3

# --- classes -------------------------------------------------------------------------

# Six mouth classes for the coarse score: what the lips visibly do.
COARSE = MOUTH_CLASSES  # the six mouth classes (vasa_core.eval.phones)

# hama's IPA and how its CTC frames become timed phones: the package's (audio/ipa.py)
HAMA_WORD_BOUNDARY, HAMA_BLANK = WORD_BOUNDARY, BLANK
HAMA_FRAME_S, HAMA_SHIFT_S, HAMA_MAX_S = FRAME_S, SHIFT_S, MAX_S  # SHIFT, MAX: from --grid

# MBROLA voices' SAMPA names -> teacher classes (longest match; a diphthong gives two).
# Length ":", nasality "~", aspiration "_h", eSpeak's "/" and Italian stress digits are
# stripped first (_sampa_classes).
SAMPA_CLASSES: dict[str, tuple[str, ...]] = {
    "@U": ("E", "U"), "EI": ("E", "I"), "eI": ("E", "I"), "AI": ("AA", "I"),
    "aI": ("AA", "I"), "aU": ("AA", "U"), "OY": ("O", "I"), "OI": ("O", "I"),
    "oI": ("O", "I"), "r=": ("E",), "tS": ("CH",), "dZ": ("CH",), "ts": ("SS",),
    "dz": ("SS",), "jj": ("I",), "J^": ("NN",),
    **{k: ("AA",) for k in ("a", "A", "{", "V", "6")},
    **{k: ("E",) for k in ("@", "e", "E", "3")},
    **{k: ("I",) for k in ("i", "I", "j")},
    **{k: ("O",) for k in ("o", "O", "Q", "2", "9")},
    **{k: ("U",) for k in ("u", "U", "y", "Y", "w", "H")},
    **{k: ("PP",) for k in ("p", "b", "m", "B")},
    **{k: ("FF",) for k in ("f", "v")},
    **{k: ("TH",) for k in ("T", "D")},
    **{k: ("DD",) for k in ("t", "d", "4")},
    **{k: ("KK",) for k in ("k", "g", "N", "x", "G", "q", "c")},
    **{k: ("CH",) for k in ("S", "Z")},
    **{k: ("SS",) for k in ("s", "z", "C")},
    **{k: ("NN",) for k in ("n", "l", "J", "L")},
    **{k: ("RR",) for k in ("r", "R")},
    **{k: ("neutral",) for k in ("h", "?")},
}


# --- corpus ----------------------------------------------------------------------------

@dataclass
class Clip:
    corpus: str  # "espeak" (formant) or "mbrola"
    language: str
    voice: str
    text: str
    wave: np.ndarray  # (N,) float32, 16 kHz
    truth: list[Segment]  # teacher classes

    @property
    def frames(self) -> int:
        return num_frames(len(self.wave))


def espeak_clips(languages=FORMANT_LANGUAGES, variants=FORMANT_VARIANTS) -> list[Clip]:
    """eSpeak formant speech with the library's own phoneme events (speech.tts)."""
    from vasa_core.speech import tts

    out = []
    for lang in languages:
        for variant in variants:
            for text in TEXTS[lang]:
                utt = tts.synthesize(text, tts.Voice(language=lang, variant=variant),
                                     sample_rate=SAMPLE_RATE, seed=0).padded(PAD_S, PAD_S)
                out.append(Clip("espeak", lang, variant or "default", text, utt.wave,
                                espeak_segments(utt.phonemes)))
    return out


def mbrola_available() -> bool:
    return bool(shutil.which("mbrola") and shutil.which("espeak-ng")
                and all((MBROLA_DIR / v / v).is_file()
                        for vs in MBROLA_VOICES.values() for v in vs))


def mbrola_clips(voices=MBROLA_VOICES) -> list[Clip]:
    """MBROLA diphone speech rendered from the exact phone list `espeak-ng --pho` gives."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang, names in voices.items():
            for voice in names:
                for i, text in enumerate(TEXTS[lang]):
                    wave, phones = _mbrola(text, voice, Path(tmp) / f"{voice}_{i}")
                    out.append(Clip("mbrola", lang, voice, text, wave, _sampa_segments(phones)))
    return out


def _mbrola(text: str, voice: str, stem: Path) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """(16 kHz wave, [(SAMPA name, start_s, end_s)]) of `text` spoken by MBROLA `voice`."""
    pho = subprocess.run(["espeak-ng", "-v", f"mb-{voice}", "-q", "--pho", text],
                         capture_output=True, text=True, check=True).stdout
    lines = [f"_ {int(PAD_S * 1000)}"]
    for line in pho.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith(";"):
            continue
        name = parts[0]
        if len(name) > 1 and name.endswith("/"):  # eSpeak's unstressed e/ o/ i/
            name = name[:-1]
        lines.append(" ".join([name] + parts[1:]))
    lines.append(f"_ {int(PAD_S * 1000)}")
    stem.with_suffix(".pho").write_text("\n".join(lines) + "\n")
    wav = stem.with_suffix(".wav")
    run = subprocess.run(["mbrola", "-e", str(MBROLA_DIR / voice / voice),
                          str(stem.with_suffix(".pho")), str(wav)],
                         capture_output=True, text=True, check=True)
    if "unknown" in run.stderr:
        raise RuntimeError(f"mbrola {voice} lacks diphones for {text!r}: {run.stderr[:200]}")
    import soundfile as sf

    audio, rate = sf.read(wav, dtype="float32")
    if rate != SAMPLE_RATE:
        g = np.gcd(rate, SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // g, rate // g).astype(np.float32)
    phones, t = [], 0.0
    for line in lines:
        name, ms = line.split()[:2]
        phones.append((name, t, t + float(ms) / 1000))
        t += float(ms) / 1000
    # MBROLA renders the durations it is given (to a pitch period): check the total
    if abs(t - len(audio) / SAMPLE_RATE) > 0.03:
        raise RuntimeError(f"mbrola {voice}: {len(audio) / SAMPLE_RATE:.3f} s for {t:.3f} s")
    return audio, phones


@functools.lru_cache(maxsize=None)
def _sampa_classes(name: str) -> tuple[str, ...]:
    if name.startswith("_"):
        return ("sil",)
    core = name.replace("_h", "").replace(":", "").replace("~", "").replace("/", "")
    if len(core) > 1 and core[-1].isdigit() and core[:-1] in SAMPA_CLASSES and core != "R2":
        core = core[:-1]  # Italian stress marks: a1, O1
    if core == "R2":
        return ("RR",)
    out, i = [], 0
    while i < len(core):
        unit = next((core[i:i + n] for n in (3, 2, 1) if core[i:i + n] in SAMPA_CLASSES), None)
        if unit is None:
            raise KeyError(f"no class for SAMPA {name!r}")
        out += SAMPA_CLASSES[unit]
        i += len(unit)
    return tuple(out)


def _sampa_segments(phones: list[tuple[str, float, float]]) -> list[Segment]:
    """MBROLA phones -> teacher segments (vowels with secondary stress, as lips.py reads
    recognised phones: MBROLA's names do not mark stress)."""
    out = []
    for name, start, end in phones:
        classes = _sampa_classes(name)
        edges = np.linspace(start, end, len(classes) + 1)
        out += [(c, float(a), float(b), 1 if c in VOWELS else 0)
                for c, a, b in zip(classes, edges[:-1], edges[1:])]
    return out


# --- readers ---------------------------------------------------------------------------

def sphinx_phones(wave: np.ndarray) -> list[tuple[str, float, float]]:
    """PocketSphinx's phone decoder as the pipeline runs it (`audio.phones.recognise`)."""
    from vasa_core.audio.phones import recognise

    return recognise(wave)


def hama_model():
    return ipa._model()


def hama_frames(wave: np.ndarray) -> list[str]:
    """hama's argmax token per 20 ms frame of a 16 kHz clip (its default decoding)."""
    return ipa.tokens(wave)


def hama_stream_frames(wave: np.ndarray, window_s: float, hop_s: float,
                       lookahead_s: float) -> list[str]:
    """hama heard as a stream: every `hop_s`, the last `window_s` of audio up to
    `lookahead_s` past the hop is recognised again and the hop's frames are kept (hama
    sees the whole utterance at once; its output for a frame changes with the audio
    around it, so a stream must re-read a window)."""
    step = int(round(HAMA_FRAME_S * SAMPLE_RATE))  # 320 samples a CTC frame
    hop, ahead, width = (int(round(x / HAMA_FRAME_S)) for x in (hop_s, lookahead_s, window_s))
    total = len(wave) // step + 1
    out: list[str] = []
    for first in range(0, total, hop):
        stop = min(first + hop + ahead, total)
        begin = max(stop - width, 0)
        tokens = hama_frames(wave[begin * step:stop * step])
        out += tokens[first - begin:first - begin + min(hop, total - first)]
    return out


def hama_phones(tokens: list[str], shift_s: float = HAMA_SHIFT_S, max_s: float = HAMA_MAX_S,
                word_ends: bool = False) -> list[tuple[str, float, float]]:
    """Per-frame CTC tokens -> timed ARPAbet phones, as the pipeline times them
    (`audio.ipa.spans`) with these settings; `word_ends`: a word boundary ends the phone
    before it."""
    return ipa.spans(tokens, shift_s, max_s,
                     frozenset({HAMA_WORD_BOUNDARY}) if word_ends else frozenset())


def hama_own_spans(tokens: list[str]) -> list[tuple[str, float, float]]:
    """hama's `ctc_phoneme_spans` (a phone lasts until the next emission, word boundaries
    included, the last one to the end of the clip), through IPA_TO_ARPABET."""
    from hama import ctc_phoneme_spans

    vocab = list(dict.fromkeys(tokens))
    spans = ctc_phoneme_spans([vocab.index(t) for t in tokens], vocab,
                              blank_id=vocab.index(HAMA_BLANK) if HAMA_BLANK in vocab else -1,
                              word_boundary_token=HAMA_WORD_BOUNDARY,
                              frame_ms=1000 * HAMA_FRAME_S)
    out = []
    for s in spans:
        if s.phoneme in IPA_MODIFIERS:  # a modifier: extend the phone before it
            if out:
                out[-1] = (out[-1][0], out[-1][1], s.end_ms / 1000)
            continue
        phones = IPA_TO_ARPABET[s.phoneme]
        edges = np.linspace(s.start_ms / 1000, s.end_ms / 1000, len(phones) + 1)
        out += [(p, float(a), float(b)) for p, a, b in zip(phones, edges[:-1], edges[1:])]
    return out


# --- scores ----------------------------------------------------------------------------

JAW = MOUTH_NAMES.index("jawOpen")
MAX_LAG = 4


def labels(segments: list[Segment], frames: int) -> np.ndarray:
    return np.array(frame_visemes(segments, frames))


def jaw(segments: list[Segment], frames: int) -> np.ndarray:
    return mouth_track(segments, np.arange(frames) / FPS)[:, JAW]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return list(zip(edges[::2], edges[1::2]))


def closure_counts(truth: np.ndarray, read: np.ndarray) -> tuple[int, int, int, int]:
    """(true PP runs found, true PP runs, read PP runs genuine, read PP runs), +-1 frame."""
    t, r = truth == "PP", read == "PP"
    near = lambda mask, a, b: mask[max(a - 1, 0):b + 1].any()  # noqa: E731
    true_runs, read_runs = _runs(t), _runs(r)
    return (sum(near(r, a, b) for a, b in true_runs), len(true_runs),
            sum(near(t, a, b) for a, b in read_runs), len(read_runs))


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() < 1e-9 or b.std() < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def lag_curve(truth: np.ndarray, read: np.ndarray) -> list[float]:
    """r of read vs truth at lags -MAX_LAG..MAX_LAG (> 0: read is late)."""
    n = len(truth)
    return [_pearson(truth[max(-k, 0):n - max(k, 0)], read[max(k, 0):n + min(k, 0)])
            for k in range(-MAX_LAG, MAX_LAG + 1)]


@dataclass
class Score:
    frames: int = 0
    errors16: int = 0
    errors6: int = 0
    closures: np.ndarray = None  # (4,) closure_counts summed
    curves: list = None  # per clip lag curves

    def add(self, truth: list[Segment], read: list[Segment], frames: int) -> None:
        t, r = labels(truth, frames), labels(read, frames)
        coarse = np.vectorize(COARSE.get)
        self.frames += frames
        self.errors16 += int((t != r).sum())
        self.errors6 += int((coarse(t) != coarse(r)).sum())
        counts = np.array(closure_counts(t, r))
        self.closures = counts if self.closures is None else self.closures + counts
        self.curves = (self.curves or []) + [lag_curve(jaw(truth, frames), jaw(read, frames))]

    def summary(self) -> dict:
        found, true, genuine, read = self.closures
        recall, precision = found / max(true, 1), genuine / max(read, 1)
        curves = np.array(self.curves)
        mean_curve = np.nanmean(curves, axis=0)
        return {"frames": self.frames,
                "fer6": self.errors6 / self.frames, "fer16": self.errors16 / self.frames,
                "jaw_r": float(mean_curve[MAX_LAG]),
                "best_lag": int(np.nanargmax(mean_curve)) - MAX_LAG,
                "jaw_r_best": float(np.nanmax(mean_curve)),
                "closure_recall": recall, "closure_precision": precision,
                "closure_f1": 2 * recall * precision / max(recall + precision, 1e-9)}


def read_all(clips: list[Clip]) -> list[dict]:
    """Both readers on every clip: ARPAbet phones (hama: CTC tokens too) and wall times."""
    out = []
    for clip in clips:
        began = time.perf_counter()
        sphinx = sphinx_phones(clip.wave)
        mid = time.perf_counter()
        tokens = hama_frames(clip.wave)
        out.append({"sphinx": sphinx, "tokens": tokens, "sphinx_s": mid - began,
                    "hama_s": time.perf_counter() - mid})
    return out


def score(clips: list[Clip], reads: list[dict], readers: dict) -> dict:
    """{(corpus, language, reader): summary} for `readers` {name: fn(read) -> phones}."""
    scores: dict[tuple, Score] = {}
    for clip, read in zip(clips, reads):
        for name, fn in readers.items():
            segs = arpabet_segments(fn(read))
            for lang in (clip.language, "all"):
                scores.setdefault((clip.corpus, lang, name), Score()).add(
                    clip.truth, segs, clip.frames)
    return {key: s.summary() for key, s in scores.items()}


READERS = {"pocketsphinx": lambda r: r["sphinx"], "hama": lambda r: hama_phones(r["tokens"])}


def table(results: dict, corpus: str, languages) -> str:
    rows = ["| language | reader | frames | FER 6 classes | FER 16 classes | jaw r (lag 0) "
            "| best lag (frames) | closures recall / precision |",
            "|---|---|---|---|---|---|---|---|"]
    for lang in list(languages) + ["all"]:
        for reader in ("pocketsphinx", "hama"):
            s = results.get((corpus, lang, reader))
            if s is None:
                continue
            rows.append(f"| {lang} | {reader} | {s['frames']} | {s['fer6']:.3f} | "
                        f"{s['fer16']:.3f} | {s['jaw_r']:.3f} | {s['best_lag']:+d} | "
                        f"{s['closure_recall']:.2f} / {s['closure_precision']:.2f} |")
    return "\n".join(rows)


# --- optional parts --------------------------------------------------------------------

def grid(clips: list[Clip], reads: list[dict]) -> str:
    """hama's span settings scored on the English clips (where HAMA_SHIFT_S and HAMA_MAX_S
    were chosen: least FER over 6 classes) and on the other languages (held out)."""
    rows = ["| spans | English FER 6 | English jaw r | other languages FER 6 "
            "| other languages jaw r |", "|---|---|---|---|---|"]
    settings = [("hama's own phoneme_spans", hama_own_spans)]
    settings += [(f"shift {int(sh * 1000)} ms, max {f'{mx} s' if mx < 9 else 'none'}"
                  + (", word ends" if we else ""),
                  functools.partial(hama_phones, shift_s=sh, max_s=mx, word_ends=we))
                 for sh in (0.0, 0.02, 0.04, 0.06, 0.08, 0.1)
                 for mx in (0.08, 0.12, 0.16, 0.2, 0.3, 99.0) for we in (False,)]
    settings.append(("shift 60 ms, max 0.16 s, word ends",
                     functools.partial(hama_phones, shift_s=0.06, max_s=0.16, word_ends=True)))
    english = [i for i, c in enumerate(clips) if c.language == "en"]
    others = [i for i, c in enumerate(clips) if c.language != "en"]
    for name, fn in settings:
        readers = {"h": lambda r, fn=fn: fn(r["tokens"])}
        cells = []
        for subset in (english, others):
            res = score([clips[i] for i in subset], [reads[i] for i in subset], readers)
            pooled = _pooled([v for (c, lang, _), v in res.items() if lang == "all"])
            cells += [f"{pooled['fer6']:.3f}", f"{pooled['jaw_r']:.3f}"]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _pooled(summaries: list[dict]) -> dict:
    """FER over the frames of several summaries; jaw r weighted by frames."""
    frames = sum(s["frames"] for s in summaries)
    return {"fer6": sum(s["fer6"] * s["frames"] for s in summaries) / frames,
            "jaw_r": sum(s["jaw_r"] * s["frames"] for s in summaries) / frames}


STREAM_SETTINGS = ((1.0, 0.2, 0.0), (1.0, 0.2, 0.2), (2.0, 0.4, 0.4), (4.0, 0.4, 0.4))


def stream(clips: list[Clip], reads: list[dict]) -> str:
    """hama read as a stream (hama_stream_frames) against hama offline, on one voice per
    language and corpus (the first of each); cost is s per s of audio, one run."""
    first = {}
    for i, c in enumerate(clips):
        first.setdefault((c.corpus, c.language), c.voice)
    keep = [i for i, c in enumerate(clips) if first[(c.corpus, c.language)] == c.voice]
    sub = [clips[i] for i in keep]
    seconds = sum(len(c.wave) for c in sub) / SAMPLE_RATE
    rows = ["| hama read as | latency (s) | cost (s per s) | eSpeak FER 6 | eSpeak jaw r "
            "| MBROLA FER 6 | MBROLA jaw r |", "|---|---|---|---|---|---|---|"]
    offline = sum(reads[i]["hama_s"] for i in keep) / seconds
    variants = [("offline (whole clip)", None, [reads[i] for i in keep], offline)]
    for window, hop, ahead in STREAM_SETTINGS:
        began = time.perf_counter()
        tokens = [{"tokens": hama_stream_frames(c.wave, window, hop, ahead)} for c in sub]
        variants.append((f"window {window} s, hop {hop} s, look-ahead {ahead} s",
                         f"{hop + ahead:.1f}", tokens, (time.perf_counter() - began) / seconds))
    for name, latency, rs, cost in variants:
        res = score(sub, rs, {"h": READERS["hama"]})
        cell = lambda c, k: (f"{res[(c, 'all', 'h')][k]:.3f}"  # noqa: E731
                             if (c, "all", "h") in res else "-")
        rows.append(f"| {name} | {latency or '-'} | {cost:.3f} | {cell('espeak', 'fer6')} | "
                    f"{cell('espeak', 'jaw_r')} | {cell('mbrola', 'fer6')} | "
                    f"{cell('mbrola', 'jaw_r')} |")
    return "\n".join(rows)


SHARED = Path(__file__).resolve().parents[2] / "shared" / "assets"


def real_clips() -> list[Path]:
    return sorted((SHARED / "speech").glob("*.wav")) + sorted((SHARED / "videos").glob("*"))


def min_seconds(fn, repeats: int = 3) -> float:
    """Least wall time of `repeats` calls (another process may share the two cores)."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def ipa_words(tokens: list[str]) -> str:
    """hama's collapsed CTC output as words of IPA ("|" between words)."""
    out, prev = [], None
    for tok in tokens:
        if tok != prev and tok != HAMA_BLANK:
            out.append("|" if tok == HAMA_WORD_BOUNDARY else tok)
        prev = tok
    return " ".join(out).replace("| |", "|")


def real(max_seconds: float = 30.0) -> dict:
    """Real clips: excerpts, speed (least of 3 runs), agreement of the two readings, and,
    for videos, lip sync of each reading's teacher mouth against MediaPipe's opening."""
    from vasa_core.audio import load_audio

    out = {}
    for path in real_clips():
        wave = load_audio(path, max_seconds=None)[: int(max_seconds * SAMPLE_RATE)]
        seconds = len(wave) / SAMPLE_RATE
        tokens, sphinx = hama_frames(wave), sphinx_phones(wave)
        frames = num_frames(len(wave))
        h, p = (labels(arpabet_segments(x), frames) for x in (hama_phones(tokens), sphinx))
        coarse = np.vectorize(COARSE.get)
        entry = {"seconds": round(seconds, 2),
                 "hama_ipa": ipa_words(tokens),
                 "sphinx": " ".join(x for x, _, _ in sphinx),
                 "hama_s_per_s": min_seconds(lambda: hama_frames(wave)) / seconds,
                 "sphinx_s_per_s": min_seconds(lambda: sphinx_phones(wave)) / seconds,
                 "agree6": float((coarse(h) == coarse(p)).mean())}
        if path.parent.name == "videos":
            entry.update(video_lip_sync(path, wave, tokens, sphinx, max_seconds))
        out[path.name] = entry
    return out


def speed(lengths=(2, 5, 10, 20, 30)) -> dict:
    """s per s of audio of both readers on the first `lengths` seconds of the shared
    30 s English recording (least of 3 runs each)."""
    from vasa_core.audio import load_audio

    wave = load_audio(SHARED / "speech" / "musetalk_eng_first30s.wav", max_seconds=None)
    hama_frames(wave[:SAMPLE_RATE])  # load the model first
    out = {}
    for seconds in lengths:
        x = wave[:seconds * SAMPLE_RATE]
        out[f"{seconds} s"] = {"hama": min_seconds(lambda: hama_frames(x)) / seconds,
                               "pocketsphinx": min_seconds(lambda: sphinx_phones(x)) / seconds}
    return out


def opening(segments: list[Segment], frames: int) -> np.ndarray:
    """The teacher's mouth opening of `segments` (eval.phones.teacher_opening's formula)."""
    m = mouth_track(segments, np.arange(frames) / FPS)
    col = {n: m[:, MOUTH_NAMES.index(n)] for n in ("jawOpen", "mouthClose",
                                                     "mouthLowerDownLeft", "mouthLowerDownRight")}
    return (col["jawOpen"] + 0.25 * (col["mouthLowerDownLeft"] + col["mouthLowerDownRight"])
            - 0.5 * col["mouthClose"])


def video_lip_sync(path: Path, wave, tokens, sphinx, max_seconds: float) -> dict:
    """Lip sync r (best lag within +-MAX_LAG of eval.metrics) of each reading's mouth
    against the video's own mouth opening as MediaPipe measures it."""
    from vasa_core.eval.metrics import lip_sync, opening_from_fits, resample, track
    from vasa_core.io.media import read_video

    video, fps = read_video(path, max_frames=int(max_seconds * 30))
    real_open = resample(opening_from_fits(track(video)), fps)
    n = min(len(real_open), num_frames(len(wave)))
    out = {}
    for name, phones in (("hama", hama_phones(tokens)), ("pocketsphinx", sphinx)):
        sync = lip_sync(opening(arpabet_segments(phones), n), real_open[:n])
        out[f"lip_r_{name}"] = round(sync["r"], 3)
        out[f"lip_lag_{name}"] = sync["offset"]
        out[f"lip_r0_{name}"] = round(sync["r_lag0"], 3)
    return out


def edge_cases() -> dict:
    """What hama does with awkward input (errors are reported, not raised)."""
    from vasa_core.speech import tts

    model = hama_model()
    speech = tts.synthesize(TEXTS["en"][1], sample_rate=SAMPLE_RATE, seed=0).wave
    native = tts.synthesize(TEXTS["en"][1], seed=0)  # 22.05 kHz
    rng = np.random.default_rng(0)
    cases = {
        "empty": (np.zeros(0, np.float32), SAMPLE_RATE),
        "1 sample": (speech[:1], SAMPLE_RATE),
        "0.1 s speech": (speech[8000:9600], SAMPLE_RATE),
        "0.25 s speech": (speech[8000:12000], SAMPLE_RATE),
        "2 s digital silence": (np.zeros(32000, np.float32), SAMPLE_RATE),
        "2 s noise -60 dBFS": (0.001 * rng.standard_normal(32000).astype(np.float32),
                               SAMPLE_RATE),
        "2 s noise -20 dBFS": (0.1 * rng.standard_normal(32000).astype(np.float32),
                               SAMPLE_RATE),
        "speech 16 kHz (reference)": (speech, SAMPLE_RATE),
        "speech x0.1 (-20 dB)": (0.1 * speech, SAMPLE_RATE),
        "speech x0.01 (-40 dB)": (0.01 * speech, SAMPLE_RATE),
        "speech clipped (x20)": (np.clip(20 * speech, -1, 1), SAMPLE_RATE),
        "speech int16": ((speech * 32767).astype(np.int16), SAMPLE_RATE),
        "speech stereo (N, 2)": (np.stack([speech, speech], 1), SAMPLE_RATE),
        "speech stereo (2, N)": (np.stack([speech, speech], 0), SAMPLE_RATE),
        "speech 8 kHz, rate 8000": (resample_poly(speech, 1, 2).astype(np.float32), 8000),
        "speech 8 kHz, polyphase to 16 kHz first": (
            resample_poly(resample_poly(speech, 1, 2), 2, 1).astype(np.float32), SAMPLE_RATE),
        "speech 22.05 kHz, rate 22050": (native.wave, native.sample_rate),
        "speech 48 kHz, rate 48000": (resample_poly(speech, 3, 1).astype(np.float32), 48000),
        "speech 48 kHz, told 16000": (resample_poly(speech, 3, 1).astype(np.float32),
                                      SAMPLE_RATE),
        "45 s (speech repeated)": (np.tile(speech, int(45 * SAMPLE_RATE / len(speech)) + 1)
                                   [:45 * SAMPLE_RATE], SAMPLE_RATE),
        "NaN in speech": (np.where(np.arange(len(speech)) == 5000, np.nan, speech)
                          .astype(np.float32), SAMPLE_RATE),
    }
    out = {}
    for name, (wave, rate) in cases.items():
        try:
            r = model.transcribe_waveform(wave, rate)
            out[name] = {"frames": r.num_frames,
                         "expected_frames": max(np.shape(wave) or (0,)) * SAMPLE_RATE // rate
                         // 320 + 1,
                         "ipa": r.word_phoneme_text[:120]}
        except Exception as err:  # noqa: BLE001 - the point is to see what happens
            out[name] = {"error": f"{type(err).__name__}: {err}"[:160]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="also write every figure here")
    ap.add_argument("--grid", action="store_true", help="hama span settings")
    ap.add_argument("--real", action="store_true", help="the shared real clips")
    ap.add_argument("--edge", action="store_true", help="awkward input to hama")
    ap.add_argument("--stream", action="store_true", help="hama re-reading windows")
    ap.add_argument("--no-synthetic", action="store_true",
                    help="skip the synthetic speech (and so --grid and --stream)")
    args = ap.parse_args()
    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores"}

    if args.no_synthetic:
        return finish(args, report)
    clips = espeak_clips()
    if mbrola_available():
        clips += mbrola_clips()
    else:
        print("MBROLA or its voices not installed: eSpeak formant voices only")
    reads = read_all(clips)
    results = score(clips, reads, READERS)
    report["synthetic"] = {"/".join(k): v for k, v in results.items()}
    seconds = sum(len(c.wave) for c in clips) / SAMPLE_RATE
    report["synthetic_speed_s_per_s"] = {
        "pocketsphinx": sum(r["sphinx_s"] for r in reads) / seconds,
        "hama": sum(r["hama_s"] for r in reads) / seconds}
    print(f"{len(clips)} clips, {seconds:.0f} s of audio\n")
    print("eSpeak NG formant voices (phoneme events):\n")
    print(table(results, "espeak", FORMANT_LANGUAGES) + "\n")
    if any(c.corpus == "mbrola" for c in clips):
        print("MBROLA diphone voices (--pho durations):\n")
        print(table(results, "mbrola", MBROLA_VOICES) + "\n")
    print("speed over these clips (s per s of audio, one run each):",
          json.dumps({k: round(v, 4) for k, v in report["synthetic_speed_s_per_s"].items()}))
    if args.grid:
        report["grid"] = grid(clips, reads)
        print("\nhama span settings:\n\n" + report["grid"])
    if args.stream:
        report["stream"] = stream(clips, reads)
        print("\nhama as a stream:\n\n" + report["stream"])
    finish(args, report)


def finish(args, report: dict) -> None:
    """The parts that need no synthetic speech, then the JSON."""
    if args.edge:
        report["edge"] = edge_cases()
        print("\nedge cases:\n" + json.dumps(report["edge"], indent=1, ensure_ascii=False))
    if args.real:
        report["speed"] = speed()
        print("\nspeed by clip length (s per s):\n" + json.dumps(report["speed"], indent=1))
        report["real"] = real()
        print("\nreal clips:\n" + json.dumps(report["real"], indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
