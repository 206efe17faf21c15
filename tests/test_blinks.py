"""The blink process added to generated motion: rate, pauses, dead time, the model's own
blinks, and the same blinks whether a clip comes whole or in chunks."""
from __future__ import annotations

import numpy as np
import pytest

from vasa_core.audio import FEATURE_DIM
from vasa_core.audio.features import LEVEL
from vasa_core.motion.blinks import BlinkProcess
from vasa_core.eval import blink_rate
from vasa_core.latent import MOTION_DIM, MOTION_INDEX, Motion

FPS = 25.0
EYES = [MOTION_INDEX["eyeBlinkLeft"], MOTION_INDEX["eyeBlinkRight"]]


def clip(seconds: float, quiet_share: float = 0.2, seed: int = 0):
    """Open-eyed motion (T, D) and features (T, F) with `quiet_share` of quiet frames."""
    t = int(seconds * FPS)
    audio = np.zeros((t, FEATURE_DIM), np.float32)
    audio[np.random.default_rng(seed).random(t) < quiet_share, LEVEL] = -4.0
    return np.zeros((t, MOTION_DIM), np.float32), audio


@pytest.mark.parametrize("rate", [8.0, 15.0, 30.0])
def test_rate_is_the_commanded_one(rate):
    motion, audio = clip(600.0)
    out = BlinkProcess(rate, seed=1)(motion, audio)
    assert blink_rate(Motion(out, FPS)) == pytest.approx(rate, rel=0.2)
    assert out[:, EYES].max() > 0.8 and out[:, EYES].min() >= 0.0


def test_blinks_vary_but_short_clips_get_their_share():
    """Intervals between blinks vary (CV ~0.3; a Poisson process's is 1), yet the count
    is kept near the rate, so a 3-10 s clip at 15 per minute nearly always shows 10-25 per
    minute (one blink in 3-4.5 s, two in 6-7 s), whether the voice pauses or not."""
    motion, audio = clip(600.0)
    out = BlinkProcess(15.0, seed=4)(motion, audio)
    shut = out[:, EYES].mean(1) > 0.5
    gaps = np.diff(np.flatnonzero(shut[1:] & ~shut[:-1]))
    assert 0.2 < gaps.std() / gaps.mean() < 0.5
    for quiet in (0.0, 0.3):
        rates = np.array([[blink_rate(Motion(BlinkProcess(15.0, seed=s)(
            *clip(seconds, quiet, seed=s)), FPS)) for s in range(40)]
            for seconds in (3, 4, 5, 6, 7, 8, 10)])  # (lengths, seeds)
        shown = (rates >= 10) & (rates <= 25)
        assert shown.mean() > 0.9 and shown.mean(1).min() > 0.6, shown.mean(1)


@pytest.mark.parametrize("quiet", [0.0, 0.5])
def test_the_rate_holds_whether_the_voice_pauses_or_not(quiet):
    """The pause boost is normalised by the quiet frames heard, not an assumed share: a
    voice that never pauses (a newsreader, a song) blinks at the rate asked for."""
    out = BlinkProcess(15.0, seed=7)(*clip(600.0, quiet))
    assert blink_rate(Motion(out, FPS)) == pytest.approx(15.0, rel=0.05)


def test_the_models_own_blinks_count_once_each():
    motion, audio = clip(120.0)
    for start in range(50, len(motion) - 10, 100):  # the model blinks every 4 s: 15/min
        motion[start:start + 5, EYES] = [[0.6], [0.9], [1.0], [0.8], [0.4]]
    for rate in (15.0, 30.0):
        out = BlinkProcess(rate, seed=8)(motion, audio)
        assert blink_rate(Motion(out, FPS)) == pytest.approx(rate, rel=0.1)


def test_pauses_get_more_blinks():
    motion, audio = clip(1200.0, quiet_share=0.0)
    quiet = (np.arange(len(audio)) // 50) % 2 == 1  # 2 s of speech, 2 s of pause, ...
    audio[quiet, LEVEL] = -4.0
    out = BlinkProcess(15.0, seed=2)(motion, audio)
    shut = out[:, EYES].mean(1) > 0.5
    starts = np.flatnonzero(shut[1:] & ~shut[:-1]) - 2  # closing began ~2 frames earlier
    in_pause = quiet[starts.clip(0)].mean()  # share of blinks that began in a pause
    assert in_pause > 0.65  # the hazard is 3x higher there: 0.75 expected


def test_dead_time_between_blinks():
    motion, audio = clip(300.0)
    out = BlinkProcess(40.0, seed=3)(motion, audio)
    shut = out[:, EYES].mean(1) > 0.5
    starts = np.flatnonzero(shut[1:] & ~shut[:-1])
    assert len(starts) > 100 and np.diff(starts).min() >= 0.6 * FPS - 3


def test_zero_rate_and_the_models_own_blinks_are_kept():
    motion, audio = clip(60.0)
    motion[100:105, EYES] = [[0.6], [0.9], [1.0], [0.8], [0.4]]  # the model blinked
    assert np.array_equal(BlinkProcess(0.0, seed=0)(motion, audio), motion)
    out = BlinkProcess(60.0, seed=0)(motion, audio)
    assert (out[:, EYES] >= motion[:, EYES]).all()  # nothing the model did is undone
    # no blink starts in its dead time (one begun before frame 100 is over by 108)
    assert not (out[108:100 + int(0.6 * FPS), EYES] > 0.05).any()
    others = np.delete(np.arange(MOTION_DIM), EYES)
    np.testing.assert_array_equal(out[:, others], motion[:, others])


def test_chunks_get_the_same_blinks_as_the_whole_clip():
    motion, audio = clip(40.0)
    whole = BlinkProcess(20.0, seed=5)(motion, audio)
    process, cuts = BlinkProcess(20.0, seed=5), [0, 2, 3, 50, 51, 400, len(motion)]
    chunked = np.concatenate([process(motion[a:b], audio[a:b]) for a, b in zip(cuts, cuts[1:])])
    np.testing.assert_array_equal(chunked, whole)
    assert not np.array_equal(BlinkProcess(20.0, seed=6)(motion, audio), whole)


@pytest.mark.parametrize("rate", [-1.0, 61.0, float("nan")])
def test_bad_rates_are_refused(rate):
    with pytest.raises(ValueError, match="blink_rate"):
        BlinkProcess(rate, seed=0)
