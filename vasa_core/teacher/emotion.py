"""Emotions as offsets of the expression coefficients, of head posture and motion energy.

VASA-1 conditions on an emotion offset; here each emotion is a prototype read from FACS
descriptions of the basic emotions (Ekman & Friesen), written in ARKit names:

    happy      smile (AU12) + cheek raise, seen as eye squint (AU6)
    sad        inner brow raise (AU1) + brow lowering (AU4) + lip corner depressor (AU15)
    angry      brow lowerer (AU4) + lid tightener (AU7) + lip press (AU24) + nose wrinkle
    surprised  brow raise (AU1+2) + upper lid raise (AU5) + jaw drop (AU26)
    fearful    brows up and together (AU1+2+4) + lids up (AU5) + lip stretch (AU20)
    disgusted  nose wrinkle (AU9) + upper lip raise (AU10) + brows down
    contempt   one-sided lip corner raise (AU14, left)

An emotion also sets how much the head moves (`energy`: sad speakers move less, angry and
surprised more), the head's posture (`pitch_deg`: sad looks down) and the blink rate. At
strength s the offsets scale by s, energy and blink by 1 + s * (factor - 1). The offsets
fluctuate slowly (+-15%) so the expression breathes instead of being pasted on.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..latent import EXPRESSION_NAMES
from ..speech.signals import named_vector, smooth_noise


@dataclass(frozen=True)
class Emotion:
    name: str
    offsets: dict[str, float] = field(default_factory=dict)  # full-strength, [0, 1] units
    energy: float = 1.0  # head motion scale
    pitch_deg: float = 0.0  # head posture offset, chin up > 0
    blink: float = 1.0  # blink rate factor

    def scaled(self, strength: float) -> tuple[np.ndarray, float, float, float]:
        """(offsets (K,), energy, pitch_deg, blink factor) at `strength` in [0, 1]."""
        energy = 1.0 + strength * (self.energy - 1.0)
        blink = 1.0 + strength * (self.blink - 1.0)
        offsets = strength * named_vector(self.offsets, EXPRESSION_NAMES)
        return offsets, energy, strength * self.pitch_deg, blink


EMOTION_STYLES: dict[str, Emotion] = {e.name: e for e in (
    Emotion("neutral"),
    Emotion("happy", {"mouthSmile": 0.55, "eyeSquint": 0.3, "browOuterUp": 0.1}, energy=1.15,
            pitch_deg=2.0),
    Emotion("sad", {"browInnerUp": 0.55, "browDown": 0.15, "mouthFrown": 0.45,
                    "mouthPress": 0.15, "eyeSquint": 0.1}, energy=0.6, pitch_deg=-5.0,
            blink=1.2),
    Emotion("angry", {"browDown": 0.65, "eyeSquint": 0.35, "mouthPress": 0.35,
                      "noseSneer": 0.3, "mouthFrown": 0.15}, energy=1.3, pitch_deg=-3.0,
            blink=0.8),
    Emotion("surprised", {"browInnerUp": 0.55, "browOuterUp": 0.6, "eyeWide": 0.6,
                          "jawOpen": 0.12}, energy=1.2, pitch_deg=3.0, blink=0.6),
    Emotion("fearful", {"browInnerUp": 0.6, "browOuterUp": 0.3, "browDown": 0.2,
                        "eyeWide": 0.5, "mouthStretch": 0.35}, energy=1.1, pitch_deg=-2.0,
            blink=1.3),
    Emotion("disgusted", {"noseSneer": 0.6, "mouthUpperUp": 0.35, "browDown": 0.35,
                          "eyeSquint": 0.3, "mouthFrown": 0.2}, energy=0.9, pitch_deg=-1.0),
    Emotion("contempt", {"mouthSmileLeft": 0.35, "mouthPressLeft": 0.2, "browDownRight": 0.1},
            energy=0.8, pitch_deg=2.0),
)}


def emotion_track(name: str, strength: float, frames: int, fps: float,
                  rng: np.random.Generator) -> np.ndarray:
    """(T, K) expression offsets of emotion `name` at `strength`, slowly fluctuating."""
    offsets = EMOTION_STYLES[name].scaled(strength)[0]
    wobble = 1.0 + 0.15 * smooth_noise(rng, frames, fps, 0.2)  # (T, 1)
    return offsets[None, :] * wobble
