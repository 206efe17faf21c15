"""Phonemes -> visemes: eSpeak mnemonics to 16 mouth-shape classes, language-independent.

eSpeak names phonemes in Kirshenbaum-like ASCII ("'aI", "tS", "n^", "r`", "_:"). A symbol
is read left to right with a longest-match table: stress marks in front ("'" primary,
"," secondary, "%", "=") set the stress, modifiers (":" length, ";" palatalised, "#", "-",
"^", "~" nasal, "`" "." retroflex, "[" dental, "\"" and digits after the first character)
are skipped, letters map to classes. A diphthong ("aI", "uo") gives up to three vowel
classes that share its duration; a consonant cluster symbol ("ph", "tS;h") takes its
first consonant. "_" marks silence; anything unreadable is "neutral".

The classes follow the common 15-viseme set (Oculus/MPEG-4 style) plus "neutral":

    sil      rest, lips lightly together          PP   p b m (and β): lips closed, pressed
    FF       f v: lower lip under upper teeth      TH   θ ð: tongue between the teeth
    DD       t d and taps: jaw slightly open       KK   k g ŋ x ɣ q: tongue back, jaw open
    CH       ʃ ʒ tʃ dʒ, retroflex sibilants:       SS   s z ts dz ç: teeth together, lips
             lips protruded, funnelled                  spread
    NN       n l ɲ ʎ: like DD, a little closer     RR   r ʁ approximants/trills: slight round
    AA       open vowels a ɑ æ ʌ ɐ                 E    mid vowels e ɛ ə ɜ
    I        close front vowels i ɪ, j, ɯ          O    rounded mid vowels o ɔ ɒ ø œ ɵ
    U        rounded close vowels u ʊ y, w         neutral  unknown symbols, h ɦ ʔ

Each class has a target over the mouth/jaw ARKit coefficients and a dominance (how much it
imposes itself on its neighbours, Cohen & Massaro 1993) with a larger dominance on its
`critical` coefficients: a /p/ must close the lips whatever the vowels around it, but its
lip rounding is free to follow them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..grid import FPS
from ..speech.signals import named_vector

# The mouth/jaw coefficients visemes drive, in this order.
MOUTH_NAMES: tuple[str, ...] = (
    "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthSmileLeft",
    "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthPressLeft",
    "mouthPressRight", "mouthRollLower", "mouthRollUpper", "mouthUpperUpLeft",
    "mouthUpperUpRight", "mouthLowerDownLeft", "mouthLowerDownRight",
)


@dataclass(frozen=True)
class Viseme:
    """A mouth target (unnamed coefficients 0) and its coarticulation dominance.

    Keys of `target` and `critical` name coefficients; "mouthSmile" stands for both Left and
    Right. `critical` multiplies the dominance on the coefficients this viseme must reach.
    """

    name: str
    target: dict[str, float]
    dominance: float = 1.0
    critical: dict[str, float] = field(default_factory=dict)

    def target_vector(self) -> np.ndarray:
        """(len(MOUTH_NAMES),) float32 target."""
        return named_vector(self.target, MOUTH_NAMES)

    def dominance_vector(self) -> np.ndarray:
        """(len(MOUTH_NAMES),) float32 dominance per coefficient."""
        gain = named_vector({k: g - 1.0 for k, g in self.critical.items()}, MOUTH_NAMES)
        return self.dominance * (1.0 + gain)


VISEMES: dict[str, Viseme] = {v.name: v for v in (
    Viseme("sil", {"jawOpen": 0.03, "mouthClose": 0.03}, 5.0),
    Viseme("PP", {"jawOpen": 0.10, "mouthClose": 0.11, "mouthPress": 0.35,
                  "mouthRollLower": 0.1}, 1.0, {"jawOpen": 4, "mouthClose": 10, "mouthPress": 10}),
    Viseme("FF", {"jawOpen": 0.12, "mouthClose": 0.04, "mouthRollLower": 0.5,
                  "mouthUpperUp": 0.15}, 0.9, {"jawOpen": 5, "mouthRollLower": 5}),
    Viseme("TH", {"jawOpen": 0.18, "mouthUpperUp": 0.1, "mouthLowerDown": 0.15}, 0.6,
           {"jawOpen": 3}),
    Viseme("DD", {"jawOpen": 0.18, "mouthStretch": 0.1, "mouthUpperUp": 0.05}, 0.35),
    Viseme("KK", {"jawOpen": 0.22, "mouthStretch": 0.1}, 0.3),
    Viseme("CH", {"jawOpen": 0.12, "mouthFunnel": 0.45, "mouthPucker": 0.25,
                  "mouthUpperUp": 0.2, "mouthLowerDown": 0.2}, 0.8,
           {"mouthFunnel": 10, "mouthPucker": 10}),
    Viseme("SS", {"jawOpen": 0.07, "mouthStretch": 0.3, "mouthSmile": 0.12,
                  "mouthUpperUp": 0.15, "mouthLowerDown": 0.15}, 0.7, {"jawOpen": 3}),
    Viseme("NN", {"jawOpen": 0.15, "mouthStretch": 0.05}, 0.35),
    Viseme("RR", {"jawOpen": 0.14, "mouthFunnel": 0.3, "mouthPucker": 0.2}, 0.5),
    Viseme("AA", {"jawOpen": 0.7, "mouthLowerDown": 0.3, "mouthUpperUp": 0.1,
                  "mouthStretch": 0.05}, 1.2, {"jawOpen": 3}),
    Viseme("E", {"jawOpen": 0.4, "mouthStretch": 0.2, "mouthLowerDown": 0.15,
                 "mouthUpperUp": 0.05}, 1.0),
    Viseme("I", {"jawOpen": 0.18, "mouthStretch": 0.35, "mouthSmile": 0.2, "mouthUpperUp": 0.1,
                 "mouthLowerDown": 0.1}, 1.0, {"mouthStretch": 3}),
    Viseme("O", {"jawOpen": 0.5, "mouthFunnel": 0.55, "mouthPucker": 0.25}, 1.1,
           {"mouthFunnel": 3}),
    Viseme("U", {"jawOpen": 0.15, "mouthPucker": 0.7, "mouthFunnel": 0.35}, 1.0,
           {"mouthPucker": 3}),
    Viseme("neutral", {"jawOpen": 0.2}, 0.2),
)}
VOWELS = frozenset({"AA", "E", "I", "O", "U"})

# Longest match first. Vowel letters, consonant letters and multi-letter units.
_UNITS: dict[str, str] = {
    **dict.fromkeys(["a", "A", "&", "V", "6"], "AA"),
    **dict.fromkeys(["e", "E", "@", "3"], "E"),
    **dict.fromkeys(["i", "I", "j", "u-"], "I"),
    **dict.fromkeys(["o", "O", "0", "Y", "W", "8", "9"], "O"),
    **dict.fromkeys(["u", "U", "y", "w"], "U"),
    **dict.fromkeys(["p", "b", "m", "B"], "PP"),
    **dict.fromkeys(["f", "v", "F"], "FF"),
    **dict.fromkeys(["T", "D"], "TH"),
    **dict.fromkeys(["t", "d", "*", "**"], "DD"),
    **dict.fromkeys(["k", "g", "N", "x", "X", "G", "q", "c"], "KK"),
    **dict.fromkeys(["S", "Z", "tS", "dZ", "s.", "z.", "ts.", "dz.", "sx"], "CH"),
    **dict.fromkeys(["s", "z", "ts", "dz", "t_s", "C"], "SS"),
    **dict.fromkeys(["n", "l", "J", "L", "n^", "l^"], "NN"),
    **dict.fromkeys(["r", "R"], "RR"),
    **dict.fromkeys(["h", "H", "?"], "neutral"),
}
_STRESS = {"'": 2, ",": 1, "%": 0, "=": 0}  # 2 primary, 1 secondary, 0 unstressed
_MAX_UNIT = max(map(len, _UNITS))


@dataclass(frozen=True)
class Reading:
    """What one phoneme symbol says about the mouth."""

    visemes: tuple[str, ...]  # one class, or up to three for a diphthong
    stress: int = 0  # 2 primary, 1 secondary, 0 none
    vowel: bool = False


@lru_cache(maxsize=4096)
def read_phoneme(symbol: str) -> Reading:
    """Parse an eSpeak mnemonic ("'aI", "tS;", "_:") into viseme classes and stress."""
    core = symbol.strip()
    stress = 0
    while core and core[0] in _STRESS:
        stress = max(stress, _STRESS[core[0]])
        core = core[1:]
    if not core or core[0] == "_":
        return Reading(("sil",), stress)
    classes = [c for c in _read_units(core) if c != "neutral"] or ["neutral"]
    return Reading(tuple(classes[:3]), stress, any(c in VOWELS for c in classes))


def _read_units(core: str) -> list[str]:
    """Classes of the letters in `core`, skipping modifiers, repeats and cluster tails.

    A digit is a vowel letter only before any other letter ("0" = ɒ, "?0"); after one it is
    a variant mark ("e2"). A consonant right after a consonant is aspiration or a release
    ("ph", "tS;h"). Glottal letters come back as "neutral" for the caller to drop when
    others exist.
    """
    classes: list[str] = []
    i = 0
    while i < len(core):
        digit_ok = all(c == "neutral" for c in classes)
        unit = next((core[i:i + n] for n in range(_MAX_UNIT, 0, -1) if core[i:i + n] in _UNITS
                     and (digit_ok or not core[i].isdigit())), None)
        if unit is None:
            i += 1
            continue
        cls = _UNITS[unit]
        cluster_tail = classes and classes[-1] not in VOWELS and cls not in VOWELS
        if not cluster_tail and (not classes or classes[-1] != cls):
            classes.append(cls)
        i += len(unit)
    return classes


def viseme_segments(phonemes: list[tuple[str, float, float]], min_pause: float = 0.08
                    ) -> list[tuple[str, float, float, int]]:
    """Phoneme segments -> (viseme class, start_s, end_s, stress); diphthongs split evenly.

    Silences shorter than `min_pause` seconds (syllable boundaries such as "_|" in tone
    languages, short closures) are left out, so the mouth flows through them.
    """
    out = []
    for symbol, start, end in phonemes:
        r = read_phoneme(symbol)
        if r.visemes == ("sil",) and end - start < min_pause:
            continue
        edges = np.linspace(start, end, len(r.visemes) + 1)
        out += [(v, float(a), float(b), r.stress) for v, a, b in zip(r.visemes, edges[:-1],
                                                                        edges[1:])]
    return out


def frame_visemes(segments: list[tuple[str, float, float, int]], frames: int,
                  fps: float = FPS) -> list[str]:
    """The viseme class of each video frame: the `viseme_segments` segment that covers the
    frame's centre time (i + 0.5) / fps, "sil" where none does (a left-out short pause,
    or past the end). For labelling generated motion frame by frame (notebook 01)."""
    labels = ["sil"] * frames
    centres = (np.arange(frames) + 0.5) / fps
    for name, start, end, _ in segments:
        for i in np.flatnonzero((centres >= start) & (centres < end)):
            labels[i] = name
    return labels
