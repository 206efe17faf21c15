"""Festival voices (Debian's `festival` + `festvox-*`): speech built from real recordings.

eSpeak NG (tts.py) is a formant synthesiser: every language, but a voice no person has.
Festival's diphone, cluster-unit and HTS voices are cut from, or trained on, one real
speaker's recordings, so their spectra are much closer to the voices the model meets in use
(benchmarks/feature_transfer.py). They are an optional extra: `apt-get install festival
festvox-kallpc16k ...`; `available_voices()` lists what is installed, and the corpus falls
back to eSpeak alone when nothing is.

Festival runs as a subprocess on a Scheme script that synthesises the text, writes the wave
and prints every segment as `end name stress`: the synthesiser's own segmentation, as exact
as eSpeak's phoneme events. Segment names follow each voice's phone set; `mnemonic` turns
them into the eSpeak-style mnemonics visemes.py reads (stress as a leading "'").

Speaker variety: the speaking rate (Festival's Duration_Stretch) and a resampling factor
that shifts pitch and formants together (a shorter or longer vocal tract); timings follow
both exactly.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from .tts import MODEL_RATE, Segment, Utterance

VOICE_ROOT = Path("/usr/share/festival/voices")

# Festival voice -> (wordfreq language, phone set, text encoding the voice reads).
VOICES: dict[str, tuple[str, str, str]] = {
    "kal_diphone": ("en", "radio", "latin-1"),
    "ked_diphone": ("en", "radio", "latin-1"),
    "cmu_us_slt_arctic_hts": ("en", "radio", "latin-1"),
    "lp_diphone": ("it", "sampa", "latin-1"),
    "pc_diphone": ("it", "sampa", "latin-1"),
    "upc_ca_ona_hts": ("ca", "sampa", "latin-1"),
    "czech_dita": ("cs", "czech", "iso-8859-2"),
    "czech_machac": ("cs", "czech", "iso-8859-2"),
    "suo_fi_lj_diphone": ("fi", "sampa", "latin-1"),
    "hy_fi_mv_diphone": ("fi", "sampa", "latin-1"),
    "msu_ru_nsh_clunits": ("ru", "msu_ru", "utf-8"),
}

_SILENCES = {"pau", "#", "h#", "brth", "sil"}
# CMU/radio (English) phones -> eSpeak mnemonics.
_RADIO = {
    "aa": "A:", "ae": "a", "ah": "V", "ao": "O:", "aw": "aU", "ax": "@", "axr": "3",
    "ay": "aI", "ch": "tS", "dh": "D", "eh": "E", "er": "3:", "ey": "eI", "hh": "h",
    "ih": "I", "iy": "i:", "jh": "dZ", "ng": "N", "ow": "oU", "oy": "OI", "sh": "S",
    "th": "T", "uh": "U", "uw": "u:", "y": "j", "zh": "Z", "dx": "*",
}
# Russian (msu_ru): doubled consonants are palatalised; ii..aa stressed vowels, ae ay ur
# reduced ones; y is the close central vowel.
_MSU_RU = {
    "ii": "'i", "yy": "'i", "uu": "'u", "ee": "'e", "oo": "'o", "aa": "'a", "y": "i",
    "ae": "@", "ay": "6", "ur": "U", "c": "ts", "ch": "tS;", "sch": "S;", "sh": "S",
    "zh": "Z", "h": "x", "hh": "x;", "j": "j",
}
_SAMPA = {"ax": "@", "_": "?"}
# Czech: "~" marks the hacek (s~ = š), c is the affricate ts.
_CZECH = {**_SAMPA, "s~": "S", "z~": "Z", "c~": "tS", "r~": "r", "n~": "n^", "t~": "t;",
          "d~": "d;", "c": "ts"}
_VOWEL_LETTERS = set("aeiouyAEIOUV@369&")


def festival_path() -> str | None:
    """The `festival` executable on PATH, or None."""
    return shutil.which("festival")


def available_voices() -> list[str]:
    """Names in VOICES whose files are installed (empty without the `festival` program)."""
    if festival_path() is None:
        return []
    installed = {p.name for p in VOICE_ROOT.glob("*/*") if p.is_dir()}
    return [name for name in VOICES if name in installed]


def mnemonic(phone: str, phoneset: str, stress: int = 0) -> str:
    """A Festival phone name as an eSpeak-style mnemonic ("_" = silence)."""
    if phone in _SILENCES:
        return "_"
    if phoneset == "radio":
        core = _RADIO.get(phone, phone)
    elif phoneset == "msu_ru":
        core = _MSU_RU.get(phone, phone)
        if len(phone) == 2 and phone[0] == phone[1] and phone not in _MSU_RU:
            core = phone[0] + ";"  # palatalised consonant: "tt" -> "t;"
    else:  # SAMPA-like sets mark stress with a trailing digit ("o1", "E1")
        stress = stress or int(phone[-1] == "1")
        table = _CZECH if phoneset == "czech" else _SAMPA
        core = table.get(phone.rstrip("0123456789"), phone.rstrip("0123456789"))
    vowel = core.lstrip("'")[:1] in _VOWEL_LETTERS
    return ("'" + core.lstrip("'")) if vowel and stress and not core.startswith("'") else core


@dataclass(frozen=True)
class FestivalVoice:
    """One Festival speaker setting: a voice, its speaking rate and vocal-tract scale."""

    name: str = "kal_diphone"  # a key of VOICES
    stretch: float = 1.0  # Duration_Stretch: > 1 speaks slower
    tract: float = 1.0  # resampling factor: > 1 raises pitch and formants

    @property
    def language(self) -> str:
        return VOICES[self.name][0]

    @classmethod
    def random(cls, rng: np.random.Generator, names: list[str]) -> "FestivalVoice":
        return cls(str(rng.choice(names)), float(rng.uniform(0.8, 1.3)),
                   float(rng.uniform(0.88, 1.14)))


def _script(text: str, voice: FestivalVoice, wav: Path) -> str:
    quoted = text.replace("\\", " ").replace('"', " ")
    return (f"(voice_{voice.name})\n"
            f"(Parameter.set 'Duration_Stretch {voice.stretch:.4f})\n"
            f'(set! utt (Utterance Text "{quoted}"))\n(utt.synth utt)\n'
            f'(utt.save.wave utt "{wav}" \'riff)\n'
            "(mapcar (lambda (s) (format t \"%s %s %s\\n\" (item.feat s \"end\") "
            "(item.name s) (item.feat s \"R:SylStructure.parent.stress\"))) "
            "(utt.relation.items utt 'Segment))\n")


def synthesize_festival(text: str, voice: FestivalVoice = FestivalVoice(),
                        sample_rate: int = MODEL_RATE, timeout: float = 60.0) -> Utterance:
    """Speak `text` with a Festival voice: the wave at `sample_rate` and its segmentation.

    Raises RuntimeError when Festival or the voice is missing or synthesis fails.
    """
    if voice.name not in available_voices():
        raise RuntimeError(f"Festival voice {voice.name!r} is not installed "
                           f"(installed: {available_voices() or 'none'})")
    language, phoneset, encoding = VOICES[voice.name]
    with tempfile.TemporaryDirectory(prefix="vasa-festival-") as tmp:
        wav, script = Path(tmp) / "out.wav", Path(tmp) / "say.scm"
        script.write_bytes(_script(text, voice, wav).encode(encoding, "replace"))
        done = subprocess.run([festival_path(), "-b", str(script)], capture_output=True,
                              timeout=timeout)
        if done.returncode != 0 or not wav.is_file():
            raise RuntimeError(f"festival failed on {text!r}: {done.stderr[-300:]!r}")
        wave, native = sf.read(wav, dtype="float32")
    marks = [line.split() for line in done.stdout.decode("latin-1").splitlines()]
    segments = _segments([m for m in marks if len(m) == 3], phoneset, len(wave) / native)
    return _rescaled(wave, native, segments, voice, language, text, sample_rate)


def sing_festival(score: Path, sample_rate: int = MODEL_RATE,
                  timeout: float = 60.0) -> np.ndarray:
    """A song in Festival's singing markup (notes and beats per syllable, `singing-mode.scm`)
    sung by its default diphone voice: (N,) float32 at `sample_rate`. Raises RuntimeError
    when Festival is missing or fails."""
    text2wave = shutil.which("text2wave")
    if festival_path() is None or text2wave is None:
        raise RuntimeError("Festival is not installed (apt-get install festival "
                           "festvox-kallpc16k)")
    with tempfile.TemporaryDirectory(prefix="vasa-festival-") as tmp:
        wav = Path(tmp) / "song.wav"
        done = subprocess.run([text2wave, "-mode", "singing", str(score), "-o", str(wav)],
                              capture_output=True, timeout=timeout)
        if done.returncode != 0 or not wav.is_file() or wav.stat().st_size < 1000:
            raise RuntimeError(f"festival could not sing {score.name}: {done.stderr[-300:]!r}")
        wave, native = sf.read(wav, dtype="float32")
    g = np.gcd(sample_rate, native)
    return resample_poly(wave, sample_rate // g, native // g).astype(np.float32)


def _segments(marks: list[list[str]], phoneset: str, end: float) -> list[Segment]:
    """(end_s, name, stress) rows -> contiguous mnemonic segments covering [0, end]."""
    out, start = [], 0.0
    for stop, name, stress in marks:
        stop = min(float(stop), end)
        if stop > start:
            out.append((mnemonic(name, phoneset, int(stress)), start, stop))
            start = stop
    if start < end:
        out.append(("_", start, end))
    return out


def _rescaled(wave: np.ndarray, native: int, segments: list[Segment], voice: FestivalVoice,
              language: str, text: str, sample_rate: int) -> Utterance:
    """Resample to `sample_rate` / tract: played back at `sample_rate`, pitch and formants
    rise by `tract` and every time shrinks by it."""
    up, down = sample_rate, round(native * voice.tract)
    g = np.gcd(up, down)
    out = resample_poly(wave, up // g, down // g).astype(np.float32)
    scale = native / down
    segs = [(s, a * scale, b * scale) for s, a, b in segments]
    segs[-1] = segs[-1][:2] + (len(out) / sample_rate,)
    return Utterance(np.clip(out, -1, 1), sample_rate, segs, [], language, None, text)
