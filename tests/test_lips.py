"""Lip reading (lips.py, audio/phones.py, audio/words.py, audio/ipa.py): a real-speech
phone recogniser feeding the teacher's mouth rules, read causally window by window for the
sampler, and offline the words a word decoder hears and the phones of a waveform phoneme
recogniser, blended in."""
import functools

import numpy as np
import pytest

import vasa_core.audio.words as words
from vasa_core.audio.phones import PhoneRecogniser, recognise
from vasa_core.audio.words import recognise_words
from vasa_core.teacher.coarticulation import mouth_track
from vasa_core.teacher.visemes import MOUTH_NAMES, VISEMES
from vasa_core.teacher.visemes import viseme_segments as espeak_segments
from vasa_core.latent import MOTION_INDEX
from vasa_core.audio import ipa
from vasa_core.audio.ipa import recognise_ipa
from vasa_core.motion.lips import (ARPABET, IPA_WEIGHT, LIP_NAMES, READER_COARTICULATION,
                                   WORD_WEIGHT, LipReader, read_lips, viseme_segments)

SENTENCES = ("My mother bought a big apple at the open market on Monday.",
             "The quick brown fox jumps over the lazy dog.",
             "Please call Stella. Ask her to bring these things with her from the store.")
LIP = [MOTION_INDEX[n] for n in LIP_NAMES]
JAW = MOTION_INDEX["jawOpen"]


def test_every_phone_maps_onto_teacher_classes():
    assert {c for classes in ARPABET.values() for c in classes} <= set(VISEMES)
    segments = viseme_segments([("SIL", 0.0, 0.2), ("AY", 0.2, 0.4), ("M", 0.4, 0.5),
                                ("+NSN+", 0.5, 0.6)])
    assert [s[0] for s in segments] == ["sil", "AA", "I", "PP", "sil"]
    assert segments[1][1:3] == (0.2, pytest.approx(0.3))  # a diphthong splits its time
    assert segments[1][3] == 1 and segments[3][3] == 0  # vowels carry stress


def test_silence_is_heard_as_silence_and_only_the_lips_are_set():
    assert all(p not in ARPABET for p, _, _ in recognise(np.zeros(32000, np.float32)))
    lips = read_lips(np.zeros(32000, np.float32), 50)
    rest = VISEMES["sil"].target_vector()[[MOUTH_NAMES.index(n) for n in LIP_NAMES]]
    np.testing.assert_allclose(lips[:, LIP], np.tile(rest, (50, 1)), atol=1e-6)
    others = np.setdiff1d(np.arange(lips.shape[1]), LIP)
    assert np.isnan(lips[:, others]).all() and np.isfinite(lips[:, LIP]).all()


def test_room_noise_alone_does_not_move_the_lips():
    """A clip of faint noise (-60 dBFS) is not raised to speech level and heard as talk."""
    noise = 0.001 * np.random.default_rng(0).standard_normal(48000).astype(np.float32)
    assert read_lips(noise, 75)[:, JAW].max() < 0.1


def test_recognised_phones_drive_the_teacher_like_the_true_phonemes():
    """eSpeak's exact phonemes against what the recogniser heard: the teacher's jaw from
    each must agree, on average over three sentences (the figure on real videos is the
    teacher_r reference, docs/experiments.md)."""
    jaw = MOUTH_NAMES.index("jawOpen")
    rs = []
    for text in SENTENCES:
        utt = _utterance(text)
        times = np.arange(int(utt.duration * 25)) / 25.0
        true = mouth_track(espeak_segments(utt.phonemes), times)[:, jaw]
        heard = read_lips(utt.wave, len(times))[:, JAW]
        rs.append(max(np.corrcoef(true[:len(true) - k], heard[k:])[0, 1] for k in range(3)))
    assert np.mean(rs) > 0.4


def test_reading_is_causal_and_chunk_independent():
    """Windows read from a reader fed in odd chunks, or with the whole clip at once, or
    with only the audio up to each window's end, are the same numbers; a window read at
    its end differs from the same frames read with the whole clip heard (the recogniser's
    guess at the edge settles later)."""
    wave = _utterance(SENTENCES[0]).wave
    frames, windows = len(wave) // 640, [(0, 13), (13, 20), (20, 50), (50, 51)]
    whole = LipReader()
    whole.push(wave)
    expected = [whole(a, b) for a, b in windows]
    chunked, cuts, pushed = LipReader(), [0, 777, 8200, 9000, 33333, len(wave)], 0
    for (a, b), want in zip(windows, expected):
        while pushed < b * 640:
            i = next(i for i, c in enumerate(cuts) if c > pushed)
            chunked.push(wave[pushed:cuts[i]])
            pushed = cuts[i]
        np.testing.assert_array_equal(chunked(a, b), want)
    late = LipReader()
    late.push(wave)
    assert not np.array_equal(late(0, frames)[:13], expected[0])
    phones = PhoneRecogniser()
    phones.push(wave[:20 * 640])
    assert phones.phones(20) == phones.phones(1000)  # never past the audio pushed


def test_long_audio_is_read_in_utterances_without_a_seam(monkeypatch):
    """Utterances closed every 2-4 s (instead of 10-30 s) change the mouth little,
    and keep the reading chunk-independent (benchmarks/lips.py: the cost of a read no
    longer grows with the clip)."""
    import vasa_core.audio.phones as phones

    wave = np.concatenate([_utterance(text).wave for text in SENTENCES])
    frames = len(wave) // 640
    whole = read_lips(wave, frames)[:, JAW]
    monkeypatch.setattr(phones, "RESTART_S", 2.0)
    monkeypatch.setattr(phones, "MAX_UTTERANCE_S", 4.0)
    cut = read_lips(wave, frames)[:, JAW]
    assert 0.9 < np.corrcoef(whole, cut)[0, 1] < 1.0  # 0.95: cut, but barely changed
    fed, reads = LipReader(), []
    for start in range(0, frames, 10):
        fed.push(wave[start * 640:(start + 10) * 640])
        reads.append(fed(start, min(start + 10, frames)))
    at_once = LipReader()
    at_once.push(wave)
    np.testing.assert_array_equal(np.concatenate(reads),
                                  np.concatenate([at_once(a, min(a + 10, frames))
                                                  for a in range(0, frames, 10)]))


@functools.cache
def _spoken() -> tuple:
    """SENTENCES spoken once: eSpeak's output depends on what it said before (its F0
    flutter), so readings are compared on the very same audio."""
    return tuple(_utterance(text) for text in SENTENCES)


@functools.cache
def _jaw_r(**reading: bool) -> float:
    """Mean over SENTENCES (`_spoken`) of the r between the jaw `read_lips(...,
    **reading)` reads and the jaw of eSpeak's true phonemes."""
    jaw, rs = MOUTH_NAMES.index("jawOpen"), []
    for utt in _spoken():
        times = np.arange(int(utt.duration * 25)) / 25.0
        true = mouth_track(espeak_segments(utt.phonemes), times)[:, jaw]
        rs.append(np.corrcoef(true, read_lips(utt.wave, len(times), **reading)[:, JAW])[0, 1])
    return float(np.mean(rs))


def test_words_add_to_the_phones_what_they_miss():
    """The mouth read from phones and words together follows eSpeak's true phonemes better
    than the phones alone (0.54 against 0.46 over three sentences; the real videos: model
    card), and the blend is exactly the phones' mouth moved WORD_WEIGHT towards the
    words'."""
    assert _jaw_r(words=True) > _jaw_r() + 0.02
    utt = _spoken()[-1]
    heard = recognise_words(utt.wave)
    assert {"S", "T", "L", "AH"} <= {p for p, _, _ in heard}  # "Please call Stella"
    phones, blended = LipReader(), LipReader(words=heard)
    phones.coarticulation = blended.coarticulation  # a whole clip's reading is drawn sharper
    phones.push(utt.wave)
    blended.push(utt.wave)
    word_mouth = mouth_track(viseme_segments(heard), np.arange(10, 40) / 25.0,
                             READER_COARTICULATION)
    word_jaw = word_mouth[:, MOUTH_NAMES.index("jawOpen")]
    own = phones(10, 40)[:, JAW]
    np.testing.assert_allclose(blended(10, 40)[:, JAW], own + WORD_WEIGHT * (word_jaw - own),
                               atol=1e-6)


def test_the_ipa_reading_adds_to_phones_and_words():
    """The mouth read from phones, words and the IPA recogniser follows eSpeak's true
    phonemes better than phones and words alone (0.65 against 0.54 over three sentences;
    the real videos: model card), and the blend is
    exactly the phones-and-words mouth moved IPA_WEIGHT towards the IPA reading's."""
    assert _jaw_r(words=True, ipa=True) > _jaw_r(words=True) + 0.02
    utt = _spoken()[-1]
    heard, heard_ipa = recognise_words(utt.wave), recognise_ipa(utt.wave)
    assert {"S", "T", "L"} <= {p for p, _, _ in heard_ipa}  # "Please call Stella"
    words, blended = LipReader(words=heard), LipReader(words=heard, ipa=heard_ipa)
    words.push(utt.wave)
    blended.push(utt.wave)
    jaw = MOUTH_NAMES.index("jawOpen")
    ipa_jaw = mouth_track(viseme_segments(heard_ipa), np.arange(10, 40) / 25.0,
                          READER_COARTICULATION)[:, jaw]
    own = words(10, 40)[:, JAW]
    np.testing.assert_allclose(blended(10, 40)[:, JAW], own + IPA_WEIGHT * (ipa_jaw - own),
                               atol=1e-6)


def test_the_ipa_reader_hears_no_phones_in_silence_or_room_noise():
    """Digital silence and faint noise read as silence (or nothing), so the mouth stays at
    rest; a clip longer than a piece is read in pieces whose phones follow in order, and
    the reading repeats exactly."""
    noise = 0.001 * np.random.default_rng(0).standard_normal(48000).astype(np.float32)
    for quiet in (np.zeros(32000, np.float32), noise):
        assert read_lips(quiet, len(quiet) // 640, words=True, ipa=True)[:, JAW].max() < 0.1
    wave = np.concatenate([_utterance(text).wave for text in SENTENCES])
    assert recognise_ipa(wave) == recognise_ipa(wave)


def test_long_audio_is_read_by_the_ipa_recogniser_in_pieces(monkeypatch):
    """Pieces of at most MAX_PIECE_S (cut at a pause), their phones in order and timed
    from the clip's start: the same sentences read whole and in pieces land within a few
    frames of each other."""
    wave = np.concatenate([_utterance(text).wave for text in SENTENCES])
    whole = [p for p in recognise_ipa(wave) if p[0] != "SIL"]
    monkeypatch.setattr(ipa, "MAX_PIECE_S", len(wave) / 16000 / 2)
    pieces = [p for p in recognise_ipa(wave) if p[0] != "SIL"]
    starts = [a for _, a, _ in pieces]
    assert starts == sorted(starts) and starts[-1] > 0.8 * len(wave) / 16000
    later = [a for _, a, _ in whole if a > 0.6 * len(wave) / 16000][:5]
    assert all(min(abs(a - b) for b in starts) < 0.1 for a in later)


def test_every_ipa_token_is_a_phone_or_continues_one():
    """Each of hama's 191 tokens reaches the teacher's classes through IPA_TO_ARPABET, or
    modifies the phone before it, or is the CTC blank or a word boundary: no phone it can
    emit is dropped."""
    vocab = set(ipa._model().decoder_tokens)
    assert len(vocab) > 150
    assert vocab <= set(ipa.IPA_TO_ARPABET) | ipa.IPA_MODIFIERS | {ipa.BLANK, ipa.WORD_BOUNDARY}
    assert {c for phones in ipa.IPA_TO_ARPABET.values() for c in phones} <= set(ARPABET)


def test_a_platform_without_the_ipa_recogniser_warns_and_reads_on(monkeypatch):
    """Where hama's native library cannot load, the reading is left out with a warning
    that says so, and the lips are read from the other readers."""
    def unavailable():
        raise ipa.IpaUnavailable("hama cannot run here (libhama not available)")

    monkeypatch.setattr(ipa, "_model", unavailable)
    with pytest.warns(RuntimeWarning, match="second phone recogniser is off.*libhama"):
        assert ipa.IpaAhead(_utterance(SENTENCES[0]).wave).result() is None


def test_words_are_not_heard_in_silence_or_room_noise():
    """Digital silence (where the decoder, undithered, hears "L EY") and faint noise give
    no words, so the blended mouth stays at rest; the reading repeats exactly."""
    noise = 0.001 * np.random.default_rng(0).standard_normal(48000).astype(np.float32)
    for quiet in (np.zeros(32000, np.float32), noise):
        assert all(p not in ARPABET for p, _, _ in recognise_words(quiet))
        assert read_lips(quiet, len(quiet) // 640, words=True)[:, JAW].max() < 0.1
    wave = _utterance(SENTENCES[1]).wave
    assert recognise_words(wave) == recognise_words(wave)


def test_long_audio_is_decoded_in_pieces_cut_at_a_pause(monkeypatch):
    """Pieces of at most MAX_PIECE_S, cut at the quietest frame of their last third: a
    pause there is where the cut lands, and the phones of all pieces follow in order
    over the whole clip."""
    monkeypatch.setattr(words, "MAX_PIECE_S", 3.0)
    loud = np.random.default_rng(1).integers(-8000, 8000, 7 * 16000).astype(np.int16)
    loud[int(2.4 * 16000):int(2.6 * 16000)] //= 100  # a pause in the first piece's tail
    cut = words.piece_end(loud, 0)
    assert 2.4 * 16000 <= cut < 2.6 * 16000
    assert words.piece_end(loud, 5 * 16000) == len(loud)  # the rest fits in one piece
    wave = np.concatenate([_utterance(text).wave for text in SENTENCES])
    heard = recognise_words(wave)
    starts = [a for _, a, _ in heard]
    assert starts == sorted(starts) and all(a < b for _, a, b in heard)
    assert heard[-1][2] > len(wave) / 16000 - 1.0  # the last piece is read too


def _utterance(text: str):
    tts = pytest.importorskip("vasa_core.speech.tts")
    if not tts.espeak_available():
        pytest.skip("eSpeak NG is not available")
    return tts.synthesize(text, sample_rate=16000)


def test_words_ahead_hears_what_recognise_words_hears_even_if_its_worker_dies():
    """`WordsAhead` decodes in a worker process: the same phones as in this process; a
    worker killed mid-way is replaced by decoding here, not an error."""
    import os
    import signal

    utt = _utterance(SENTENCES[0])
    here = recognise_words(utt.wave)
    assert words.WordsAhead(utt.wave).result() == here
    worker = words._worker()
    pid = next(iter(worker._processes))
    pending = words.WordsAhead(np.tile(utt.wave, 8))  # long enough to be killed mid-way
    os.kill(pid, signal.SIGKILL)
    assert pending.result() == recognise_words(np.tile(utt.wave, 8))
    assert words.WordsAhead(utt.wave).result() == here  # a new worker after that
