"""Synthetic training data: TTS timing, visemes, the teacher, singing, augmentation, corpus."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from vasa_core.data import augment as aug
from vasa_core.teacher.coarticulation import CoarticulationConfig
from vasa_core.data.corpus import CorpusConfig, build_corpus, load_corpus
from vasa_core.speech.singing import singing
from vasa_core.teacher.rules import FPS, teach
from vasa_core.speech.text import random_text
from vasa_core.speech.tts import LANGUAGES, MODEL_RATE, Voice, espeak_available, synthesize
from vasa_core.teacher.visemes import VOWELS, read_phoneme, viseme_segments
from vasa_core.latent import EXPRESSION_NAMES, MOTION_DIM

pytestmark = pytest.mark.skipif(not espeak_available(),
                                reason="libespeak-ng (espeakng-loader) cannot be loaded")

TEXT = ("Maybe a bamboo boat. Happy people pop up at the top, my baby! "
        "Papa made apple pie, and mom bought a big map. Are you happy?")
LEAD = CoarticulationConfig().lead


@pytest.fixture(scope="module")
def utterance():
    return synthesize(TEXT, Voice("en"), MODEL_RATE).padded(0.6, 0.6)


@pytest.fixture(scope="module")
def taught(utterance):
    return teach(utterance, np.random.default_rng(0))


def _frame(t: float) -> int:
    return int(round(t * FPS))


def _segment_rms_db(utt, a: float, b: float) -> float:
    x = utt.wave[int(a * utt.sample_rate):int(b * utt.sample_rate)]
    return 10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-12)


# --- TTS -------------------------------------------------------------------------------

def test_phoneme_segments_are_contiguous_and_cover_the_audio(utterance):
    starts = np.array([a for _, a, _ in utterance.phonemes])
    ends = np.array([b for _, _, b in utterance.phonemes])
    assert starts[0] == 0.0 and ends[-1] == pytest.approx(utterance.duration, abs=1e-6)
    np.testing.assert_allclose(starts[1:], ends[:-1])
    assert np.all(ends > starts)
    assert [w for w, _, _ in utterance.words][:3] == ["Maybe", "a", "bamboo"]


def test_phoneme_timing_matches_the_energy(utterance):
    pauses = [_segment_rms_db(utterance, a, b) for s, a, b in utterance.phonemes
              if read_phoneme(s).visemes == ("sil",) and b - a > 0.1]
    vowels = [_segment_rms_db(utterance, a, b) for s, a, b in utterance.phonemes
              if read_phoneme(s).vowel]
    assert len(pauses) >= 4 and len(vowels) >= 30
    assert max(pauses) < np.median(vowels) - 30  # silences are silent where eSpeak says so


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_language_speaks_with_phonemes(language):
    text = random_text(language, np.random.default_rng(1), 8)
    utt = synthesize(text, Voice(language))
    speech = [s for s, _, _ in utt.phonemes if read_phoneme(s).visemes != ("sil",)]
    assert utt.sample_rate == 22050 and utt.duration > 0.8
    assert len(speech) >= 12
    assert sum(read_phoneme(s).vowel for s in speech) >= 4
    assert sum(read_phoneme(s).visemes == ("neutral",) for s in speech) <= 0.25 * len(speech)


def test_voice_parameters_change_the_voice():
    def median_f0(voice):
        utt = synthesize("We were away a year ago.", voice, MODEL_RATE)
        import librosa
        f0 = librosa.yin(utt.wave, fmin=60, fmax=600, sr=MODEL_RATE)
        return np.median(f0)

    low, high = median_f0(Voice("en", pitch=10)), median_f0(Voice("en", pitch=90))
    assert high > 1.3 * low
    slow = synthesize(TEXT, Voice("en", rate=110)).duration
    fast = synthesize(TEXT, Voice("en", rate=300)).duration
    assert slow > 1.8 * fast
    assert synthesize("hello", Voice("en", variant="whisper")).duration > 0.2


def test_resampling_keeps_the_segmentation():
    utt = synthesize("Good morning.", Voice("en"))
    down = utt.resampled(MODEL_RATE)
    assert down.sample_rate == MODEL_RATE
    assert len(down.wave) == math.ceil(len(utt.wave) * 16000 / 22050)
    assert down.phonemes[:-1] == utt.phonemes[:-1]
    assert down.phonemes[-1][2] == pytest.approx(down.duration)


# --- visemes ---------------------------------------------------------------------------

@pytest.mark.parametrize("symbol, visemes, stress", [
    ("p", ("PP",), 0), ("b", ("PP",), 0), ("m", ("PP",), 0), ("f", ("FF",), 0),
    ("'aI", ("AA", "I"), 2), (",oU", ("O", "U"), 1), ("tS;h", ("CH",), 0), ("ts.", ("CH",), 0),
    ("s", ("SS",), 0), ("n^", ("NN",), 0), ("r`", ("RR",), 0), ("k", ("KK",), 0),
    ("T", ("TH",), 0), ("'0", ("O",), 2), ("e2", ("E",), 0), ("'?A", ("AA",), 2),
    ("_:", ("sil",), 0), ("_|", ("sil",), 0), ("h", ("neutral",), 0), ("%$", ("neutral",), 0),
])
def test_read_phoneme(symbol, visemes, stress):
    reading = read_phoneme(symbol)
    assert reading.visemes == visemes and reading.stress == stress
    assert reading.vowel == any(v in VOWELS for v in visemes)


# --- teacher ---------------------------------------------------------------------------

def test_motion_shape_and_ranges(utterance, taught):
    motion, _ = taught
    assert motion.values.shape == (math.ceil(utterance.duration * FPS), MOTION_DIM)
    assert np.all(np.isfinite(motion.values))
    assert motion.expression.min() >= 0.0 and motion.expression.max() <= 1.0
    assert np.abs(motion.pose[:, :3]).max() < 45 and np.abs(motion.gaze).max() <= 30


def test_bilabials_close_the_lips_and_open_vowels_open_the_jaw(utterance, taught):
    motion, _ = taught
    jaw, close = motion["jawOpen"], motion["mouthClose"]
    segments = viseme_segments(utterance.phonemes)
    bilabial = [_frame((a + b) / 2 - LEAD) for v, a, b, _ in segments if v == "PP"]
    open_vowel = [_frame((a + b) / 2 - LEAD) for v, a, b, s in segments
                  if v == "AA" and s == 2 and b - a > 0.08]
    assert len(bilabial) >= 15 and len(open_vowel) >= 5
    assert np.all(jaw[bilabial] - close[bilabial] < 0.02)  # lips sealed at every /p b m/
    assert np.mean(jaw[open_vowel]) > 0.3
    assert np.mean(jaw[open_vowel]) > 2.0 * np.mean(jaw[bilabial])
    assert np.mean(jaw[open_vowel] - close[open_vowel]) > 0.25


def test_the_mouth_moves_before_the_sound():
    utt = synthesize("Oh, who knew?", Voice("en"), MODEL_RATE).padded(1.0, 0.3)
    onset = next(a for s, a, _ in utt.phonemes if read_phoneme(s).visemes != ("sil",))
    motion, _ = teach(utt, np.random.default_rng(0))
    mouth = motion.expression[:, [EXPRESSION_NAMES.index(n) for n in
                                  ("jawOpen", "mouthFunnel", "mouthPucker")]]
    rest = mouth[0]
    assert np.abs(mouth[_frame(onset) - 1] - rest).max() > 0.05  # already rounding/opening
    assert np.abs(mouth[: _frame(onset - 0.3)] - rest).max() < 0.01  # still at rest before


def test_louder_speech_opens_the_mouth_wider():
    def mean_jaw(volume):
        utt = synthesize(TEXT, Voice("en", volume=volume), MODEL_RATE)
        return teach(utt, np.random.default_rng(3))[0]["jawOpen"].mean()

    assert mean_jaw(180) > 1.15 * mean_jaw(50)


def test_blink_rate_and_shape_over_a_long_clip():
    text = random_text("en", np.random.default_rng(5), 420)
    utt = synthesize(text, Voice("en"), MODEL_RATE)
    assert utt.duration > 120
    motion, _ = teach(utt, np.random.default_rng(5))
    closed = motion["eyeBlinkLeft"] > 0.5
    starts = np.flatnonzero(closed[1:] & ~closed[:-1])
    ends = np.flatnonzero(~closed[1:] & closed[:-1])
    rate = len(starts) / (utt.duration / 60)
    assert 10 <= rate <= 25
    runs = (ends[:len(starts)] - starts[:len(ends)]) / FPS
    assert runs.max() <= 0.25  # each blink is brief
    np.testing.assert_allclose(motion["eyeBlinkLeft"], motion["eyeBlinkRight"], atol=0.15)


def test_labels_are_read_off_the_motion(taught):
    motion, labels = taught
    assert labels.gaze == pytest.approx(tuple(motion.gaze.mean(axis=0)), abs=1e-4)
    assert labels.distance == pytest.approx(motion["log_scale"].mean(), abs=1e-5)
    assert labels.emotion == "neutral"


@pytest.mark.parametrize("emotion, raised", [
    ("happy", ["mouthSmileLeft", "mouthSmileRight", "eyeSquintLeft"]),
    ("sad", ["browInnerUp", "mouthFrownLeft", "mouthFrownRight"]),
    ("angry", ["browDownLeft", "browDownRight", "mouthPressLeft", "noseSneerLeft"]),
    ("surprised", ["eyeWideLeft", "eyeWideRight", "browOuterUpLeft"]),
])
def test_emotions_move_their_coefficients(utterance, taught, emotion, raised):
    motion, labels = teach(utterance, np.random.default_rng(0), emotion, 1.0)
    neutral = taught[0]
    assert labels.emotion == emotion and labels.emotion_strength == 1.0
    for name in raised:
        assert motion[name].mean() > neutral[name].mean() + 0.2, name


def test_emotion_sets_the_motion_energy(utterance):
    def head_speed(emotion):
        motion, _ = teach(utterance, np.random.default_rng(0), emotion, 1.0)
        return np.abs(np.diff(motion.pose[:, :3], axis=0)).mean()

    assert head_speed("angry") > 1.5 * head_speed("sad")


def test_singing_holds_pitched_vowels_and_opens_the_jaw():
    utt = singing(np.random.default_rng(2), duration=8.0)
    vowels = [(s, a, b) for s, a, b in utt.phonemes if read_phoneme(s).vowel]
    assert utt.duration >= 8.0 and utt.voice is None and utt.language == "singing"
    assert np.median([b - a for _, a, b in vowels]) > 0.25
    motion, _ = teach(utt, np.random.default_rng(2))
    assert np.all(np.isfinite(motion.values)) and len(motion) == math.ceil(utt.duration * FPS)
    open_a = [_frame((a + b) / 2) for s, a, b in vowels if s.strip("'").startswith("a")]
    assert np.mean(motion["jawOpen"][open_a]) > 0.3


# --- augmentation ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", aug.NOISES)
@pytest.mark.parametrize("snr_db", [0.0, 10.0, 30.0])
def test_add_noise_reaches_the_requested_snr(utterance, kind, snr_db):
    clean = utterance.wave
    noisy = aug.add_noise(clean, MODEL_RATE, np.random.default_rng(0), snr_db, kind)
    measured = 10 * np.log10(np.mean(clean.astype(np.float64) ** 2)
                             / np.mean((noisy - clean).astype(np.float64) ** 2))
    assert measured == pytest.approx(snr_db, abs=0.1)


def test_transforms_keep_length_and_finite_values(utterance):
    x, rng = utterance.wave, np.random.default_rng(0)
    outputs = [aug.reverb(x, MODEL_RATE, rng, 0.6), aug.equalize(x, MODEL_RATE, rng),
               aug.band_limit(x, MODEL_RATE, "telephone"), aug.gain(x, 20.0),
               *(aug.augment(x, MODEL_RATE, rng)[0] for _ in range(8))]
    for y in outputs:
        assert y.shape == x.shape and y.dtype == np.float32 and np.all(np.isfinite(y))
    assert np.abs(aug.gain(x, 20.0)).max() <= 1.0


def _tone(hz: float) -> np.ndarray:
    """One second of a unit sine at 16 kHz."""
    return np.sin(2 * np.pi * hz * np.arange(MODEL_RATE) / MODEL_RATE).astype(np.float32)


def _power(y: np.ndarray) -> float:
    """Mean power after the filters' start-up transient."""
    return float(np.mean(y[4000:].astype(np.float64) ** 2))


def test_band_limit_reverb_and_gain_do_what_they_say():
    assert _power(aug.band_limit(_tone(100), MODEL_RATE)) < 0.01 * _power(_tone(100))
    assert _power(aug.band_limit(_tone(1000), MODEL_RATE)) > 0.8 * _power(_tone(1000))
    click = np.zeros(MODEL_RATE, np.float32)
    click[100] = 1.0
    wet = aug.reverb(click, MODEL_RATE, np.random.default_rng(0), rt60=0.5)
    assert np.abs(wet[100 + MODEL_RATE // 10:]).max() > 0.01  # a tail 100 ms later
    np.testing.assert_allclose(aug.gain(0.1 * _tone(440), 6.0), 0.1995 * _tone(440), atol=1e-3)


# --- corpus ----------------------------------------------------------------------------

CORPUS = CorpusConfig(languages=("en", "es", "zh"), shard_seconds=16.0,
                      clip_seconds=(2.0, 4.0), singing_p=0.2)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    dirs = [tmp_path_factory.mktemp(f"corpus{i}") for i in range(2)]
    manifests = [build_corpus(d, 30 / 3600, seed=7, progress=False, workers=2, config=CORPUS)
                 for d in dirs]
    return dirs, manifests


def test_corpus_is_reproducible_by_seed(corpora):
    (a, b), _ = corpora
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    assert len(files) == 3  # two shards and the manifest
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_corpus_respects_the_hours_budget(corpora):
    _, (manifest, _) = corpora
    assert 30 <= manifest["seconds"] <= 30 + 2 * 3.0
    assert set(manifest["languages"]) <= {"en", "es", "zh", "singing"}


def test_load_returns_what_was_written(corpora):
    (directory, _), (manifest, _) = corpora
    clips = list(load_corpus(directory))
    assert len(clips) == manifest["clips"]
    assert sum(c.duration for c in clips) == pytest.approx(manifest["seconds"])
    on_disk = json.loads((directory / "manifest.json").read_text())
    assert on_disk["clips"] == manifest["clips"] and on_disk["fps"] == FPS
    for clip in clips:
        assert len(clip.motion) == math.ceil(clip.duration * FPS)
        assert clip.labels.distance == pytest.approx(clip.motion["log_scale"].mean(), abs=1e-4)
        assert clip.labels.gaze == pytest.approx(tuple(clip.motion.gaze.mean(0)), abs=1e-3)
        assert clip.meta["kind"] in ("speech", "singing") and clip.text
        assert np.abs(clip.audio).max() <= 1.0 and clip.audio.std() > 1e-3
