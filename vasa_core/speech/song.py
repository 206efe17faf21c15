"""The web app's example song: words and a melody, made here (nothing to
download). Daisy Bell (Harry Dacre, 1892, public domain), its chorus scored in Festival's
singing markup (`songs/daisy_bell.xml`) and sung by Festival when it is installed; without
Festival, ten seconds of the built-in singing synthesiser (`singing.py`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from ..io.examples import Example
from .festival import sing_festival
from .singing import singing

SONG_SCORE = Path(__file__).resolve().parent / "songs" / "daisy_bell.xml"


def example_song(folder: Path, sample_rate: int = 16000) -> Example:
    """A sung clip written into `folder` (16-bit PCM wav): the chorus of Daisy Bell sung by
    Festival's singing mode (daisy-bell.wav), or, without Festival, ten seconds of the
    built-in singing synthesiser (sung-melody.wav: a melody on "la", "ma", ... syllables)."""
    try:
        wave = sing_festival(SONG_SCORE, sample_rate)
        name = "daisy-bell.wav"
        credit = "Daisy Bell (Harry Dacre, 1892, public domain), sung by Festival"
    except (RuntimeError, OSError):
        wave = singing(np.random.default_rng(1), 10.0, sample_rate).wave
        name, credit = "sung-melody.wav", "a sung melody from the built-in singing synthesiser"
    path = Path(folder) / name
    sf.write(path, np.clip(wave / max(np.abs(wave).max(), 1e-6) * 0.9, -1, 1), sample_rate,
             subtype="PCM_16")
    return Example(path, credit)
