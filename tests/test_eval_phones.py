"""The teacher on real speech (eval/phones.py): the `teacher_r` reference of lip sync
against real videos, one opening series from lips.read_lips."""
import numpy as np
import pytest

from vasa_core.eval.phones import teacher_opening


@pytest.mark.parametrize("gain", [0.25, 3.0])
def test_the_teacher_opening_does_not_depend_on_the_level(gain):
    """Speech at -21 dBFS, 12 dB quieter or 10 dB louder: the same mouth. (Far quieter
    speech, at 0.05, starts a little closed: the recogniser's gain is capped at 30 dB.)"""
    wave = _utterance("The quick brown fox jumps over the lazy dog.").wave
    frames = int(len(wave) / 640)
    reference = teacher_opening(wave, frames)
    assert np.std(reference) > 0.05  # the mouth moves with the speech
    np.testing.assert_allclose(teacher_opening(gain * wave, frames), reference, atol=0.02)
    assert np.std(teacher_opening(0.05 * wave, frames)) > 0.05


def test_silence_keeps_the_teacher_mouth_at_rest():
    opening = teacher_opening(np.zeros(32000), 50)
    assert np.allclose(opening, opening[0]) and abs(opening[0]) < 0.05


def _utterance(text: str):
    tts = pytest.importorskip("vasa_core.speech.tts")
    if not tts.espeak_available():
        pytest.skip("eSpeak NG is not available")
    return tts.synthesize(text, sample_rate=16000)
