"""Visemes -> mouth coefficients over time: dominance blending with anticipation.

Cohen & Massaro (1993): every segment s has a target T_s and a dominance function that
peaks over the segment and decays away from it,

    D_s,k(t) = a_s,k * exp(-d_s(t) / tau),   d_s(t) = time from t to the segment's plateau,

with a wider `tau_before` ahead of the segment (anticipation: lips round for /u/ during
the consonants before it) than `tau_after` behind it (carry-over). Each coefficient k is
the dominance-weighted mean of the targets, sum_s D_s,k T_s,k / sum_s D_s,k. Segments with
a large dominance on a coefficient (a /p/ on lip closure) reach their target even between
open vowels; weak ones (/t k n/ on the jaw) take their shape from their neighbours.

The articulators lead the sound: every segment is moved `lead` seconds earlier (the lips
close 60-100 ms before a /b/ is heard). Unstressed vowels are reduced towards rest.

Blending alone cannot close the lips of a 30 ms /p/ between two open vowels without a
dominance so large that the closure smears over its neighbours, so bilabials add a
constraint (as JALI's lip-closure rule does): over the segment, widened to at least
`min_closure` so a 25 fps frame always sees it, mouthClose rises to meet jawOpen. ARKit's
mouthClose is exactly that, lips sealed whatever the jaw does.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..speech.signals import envelope
from .visemes import MOUTH_NAMES, VISEMES, VOWELS

Segment = tuple[str, float, float, int]  # (viseme class, start_s, end_s, stress 0..2)


@dataclass(frozen=True)
class CoarticulationConfig:
    lead: float = 0.08  # s, articulation ahead of the acoustics
    tau_before: float = 0.07  # s, anticipatory decay of dominance
    tau_after: float = 0.045  # s, carry-over decay
    min_closure: float = 0.07  # s, shortest lip seal of a bilabial
    seal_ramp: float = 0.03  # s, lips closing / opening around the seal
    stress_scale: tuple[float, float, float] = (0.75, 0.9, 1.0)  # vowel size by stress 0/1/2


def _targets(segments: list[Segment], config: CoarticulationConfig) -> np.ndarray:
    """(S, M) targets; vowels shrink towards rest when unstressed."""
    rest = VISEMES["sil"].target_vector()
    out = np.stack([VISEMES[v].target_vector() for v, *_ in segments])
    scale = np.array([config.stress_scale[s] if v in VOWELS else 1.0
                      for v, _, _, s in segments], np.float32)
    return rest + (out - rest) * scale[:, None]


def mouth_track(segments: list[Segment], times: np.ndarray,
                config: CoarticulationConfig = CoarticulationConfig()) -> np.ndarray:
    """(T, M) mouth coefficients (visemes.MOUTH_NAMES order) at `times` (s)."""
    rest = VISEMES["sil"].target_vector()
    if not segments:
        return np.tile(rest, (len(times), 1))
    start = np.array([s[1] for s in segments]) - config.lead
    end = np.array([s[2] for s in segments]) - config.lead
    offset = np.asarray(times)[None, :]  # (1, T) s
    outside = np.maximum(start[:, None] - offset, 0) + np.maximum(offset - end[:, None], 0)
    tau = np.where(offset < start[:, None], config.tau_before, config.tau_after)
    shape = np.exp(-outside / tau)  # (S, T), 1 on the segment
    dominance = np.stack([VISEMES[v].dominance_vector() for v, *_ in segments])  # (S, M)
    # A vanishing pull towards rest keeps the mean defined far from every segment.
    eps = 1e-9
    num = shape.T @ (dominance * _targets(segments, config)) + eps * rest
    track = num / (shape.T @ dominance + eps)
    return _seal_lips(track, segments, np.asarray(times), config).astype(np.float32)


def _seal_lips(track: np.ndarray, segments: list[Segment], times: np.ndarray,
               config: CoarticulationConfig) -> np.ndarray:
    """Raise mouthClose to jawOpen over every bilabial (the lip-closure constraint)."""
    jaw, close = MOUTH_NAMES.index("jawOpen"), MOUTH_NAMES.index("mouthClose")
    seal = np.zeros(len(times))
    for v, a, b, _ in segments:
        if v == "PP":
            widen = max(0.0, config.min_closure - (b - a)) / 2
            seal = np.maximum(seal, envelope(times, a - config.lead - widen,
                                             b - config.lead + widen, config.seal_ramp,
                                             config.seal_ramp))
    out = track.copy()
    out[:, close] = np.maximum(out[:, close], seal * out[:, jaw])
    return out
