"""Festival voices (data/festival.py): phone mapping, exact timing, corpus share.

Synthesis tests run for each installed voice and skip otherwise (`.ci/run` installs
Debian's festival with a few voices).
"""
from __future__ import annotations

import numpy as np
import pytest

from vasa_core.data import corpus
from vasa_core.speech import festival
from vasa_core.speech.festival import FestivalVoice, mnemonic, synthesize_festival
from vasa_core.speech.text import random_text
from vasa_core.teacher.visemes import read_phoneme

INSTALLED = festival.available_voices()


@pytest.mark.parametrize("phone, phoneset, stress, expected", [
    ("pau", "radio", 0, "_"), ("#", "sampa", 0, "_"), ("aa", "radio", 1, "'A:"),
    ("aa", "radio", 0, "A:"), ("ch", "radio", 1, "tS"), ("y", "radio", 0, "j"),
    ("tt", "msu_ru", 0, "t;"), ("ii", "msu_ru", 0, "'i"), ("sch", "msu_ru", 0, "S;"),
    ("o1", "sampa", 0, "'o"), ("E1", "sampa", 0, "'E"), ("ax", "sampa", 0, "@"),
    ("s~", "czech", 0, "S"), ("c", "czech", 0, "ts"), ("a:", "czech", 0, "a:"),
])
def test_phones_map_to_espeak_mnemonics(phone, phoneset, stress, expected):
    assert mnemonic(phone, phoneset, stress) == expected


@pytest.mark.parametrize("phone, viseme", [("p", "PP"), ("uw", "U"), ("iy", "I"),
                                           ("sh", "CH"), ("f", "FF"), ("dh", "TH")])
def test_english_phones_reach_their_visemes(phone, viseme):
    assert read_phoneme(mnemonic(phone, "radio", 1)).visemes == (viseme,)


@pytest.fixture(scope="module", params=INSTALLED or [None])
def spoken(request):
    if request.param is None:
        pytest.skip("Festival is not installed (apt-get install festival festvox-kallpc16k)")
    voice = FestivalVoice(request.param)
    text = random_text(voice.language, np.random.default_rng(0), 10)
    return synthesize_festival(text, voice)


def test_segments_cover_the_audio_and_read_as_visemes(spoken):
    starts, ends = (np.array([s[i] for s in spoken.phonemes]) for i in (1, 2))
    assert starts[0] == 0 and np.allclose(starts[1:], ends[:-1])
    assert ends[-1] == pytest.approx(spoken.duration)
    speech = [(s, b - a) for s, a, b in spoken.phonemes if s != "_"]
    unknown = sum(d for s, d in speech if read_phoneme(s).visemes == ("neutral",))
    vowels = sum(d for s, d in speech if read_phoneme(s).vowel)
    total = sum(d for _, d in speech)
    assert unknown < 0.05 * total, "phones the viseme table cannot read"
    assert 0.25 * total < vowels < 0.7 * total


def test_vowels_are_louder_than_the_silences(spoken):
    """The segmentation is the synthesiser's own: sound where it says vowels are."""
    rate = spoken.sample_rate

    def rms(kind):
        parts = [spoken.wave[int(a * rate):int(b * rate)] for s, a, b in spoken.phonemes
                 if (s == "_") == (kind == "silence") and (kind == "silence"
                                                          or read_phoneme(s).vowel)]
        return np.sqrt(np.mean(np.concatenate(parts) ** 2))

    assert rms("vowel") > 5 * rms("silence")


@pytest.mark.skipif(not INSTALLED, reason="Festival is not installed")
def test_tract_and_stretch_rescale_the_timing():
    name = INSTALLED[0]
    base = synthesize_festival("one two three four", FestivalVoice(name))
    fast = synthesize_festival("one two three four", FestivalVoice(name, 1.0, 1.1))
    slow = synthesize_festival("one two three four", FestivalVoice(name, 1.3, 1.0))
    assert fast.duration == pytest.approx(base.duration / 1.1, rel=0.01)
    assert [s for s, _, _ in fast.phonemes] == [s for s, _, _ in base.phonemes]
    assert np.allclose([b for _, _, b in fast.phonemes], [b / 1.1 for _, _, b in
                                                          base.phonemes], atol=1e-3)
    assert slow.duration > 1.15 * base.duration


def test_a_missing_voice_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(festival, "available_voices", lambda: [])
    with pytest.raises(RuntimeError, match="not installed"):
        synthesize_festival("hello", FestivalVoice("kal_diphone"))
    monkeypatch.setattr(corpus, "available_voices", lambda: [])
    with pytest.raises(ValueError, match="apt-get install festival"):
        corpus.build_corpus("/nonexistent", 0.01, festival=0.5, progress=False)
    with pytest.raises(ValueError, match="share"):
        corpus.build_corpus("/nonexistent", 0.01, festival=1.5, progress=False)


@pytest.mark.skipif(not {"kal_diphone", "cmu_us_slt_arctic_hts"} & set(INSTALLED),
                    reason="no English Festival voice installed")
def test_corpus_speaks_with_festival_when_asked(tmp_path):
    config = corpus.CorpusConfig(shard_seconds=12.0, clip_seconds=(2.0, 4.0), singing_p=0.0)
    corpus.build_corpus(tmp_path, 24 / 3600, seed=1, languages=("en",), progress=False,
                 config=config, festival=1.0)
    clips = list(corpus.load_corpus(tmp_path))
    assert clips and all(c.meta["voice"]["engine"] == "festival" for c in clips)
    for clip in clips:  # the teacher articulates the Festival segmentation
        assert np.ptp(clip.motion["jawOpen"]) > 0.1
