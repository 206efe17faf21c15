"""Audio loading (formats, arrays, rates, every bad input) and frame-aligned features
(alignment, streaming == offline, gain/speaker invariance, silence, real recordings)."""
import itertools
import os
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from scipy.signal import lfilter, resample_poly, sawtooth

from vasa_core.audio import (FEATURE_DIM, FPS, LOOKAHEAD_SAMPLES, SAMPLE_RATE, SAMPLES_PER_FRAME,
                             StreamingFeatures, features, load_audio, num_frames)
from vasa_core.audio.features import LEVEL, MEL_MEAN, MEL_SLOPE, PITCH, VOICING, mel_block_map
from vasa_core.audio.pitch import yin
from vasa_core.audio.spectrum import log_mel, mel_filterbank, mel_warp, power_spectrum, vtlp_hz
from vasa_core.io.examples import shared_assets_dir

ASSETS = shared_assets_dir()


def tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    return amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)


def resonator(x: np.ndarray, freq: float, bandwidth: float) -> np.ndarray:
    """Two-pole resonance at `freq` Hz: a formant."""
    r = np.exp(-np.pi * bandwidth / SAMPLE_RATE)
    return lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * freq / SAMPLE_RATE), r * r], x)


def voice(seconds: float = 3.0, f0: float = 120.0, seed: int = 0) -> np.ndarray:
    """A crude deterministic voice at 16 kHz: a gliding sawtooth source through two
    formants, in 4 Hz syllables with noise bursts between them, over a -70 dB floor."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    pitch = f0 * (1 + 0.2 * np.sin(2 * np.pi * 0.7 * t))
    source = sawtooth(2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE)
    vowels = resonator(source, 700, 100) + 0.5 * resonator(source, 1200, 150)
    syllable = np.sin(2 * np.pi * 4 * t) > 0
    fricative = np.diff(rng.standard_normal(len(t) + 1)) * 0.05
    wave = np.where(syllable, vowels, fricative * (np.sin(2 * np.pi * 2 * t) > 0.5))
    wave = wave / np.max(np.abs(wave)) * 0.5 + 3e-4 * rng.standard_normal(len(t))
    return wave.astype(np.float32)


def dominant_hz(wave: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(wave * np.hanning(len(wave))))
    return float(np.argmax(spectrum) * rate / len(wave))


# --- the time grid and alignment -------------------------------------------------------

def test_constants():
    assert SAMPLE_RATE == 16000 and FPS == 25.0
    assert SAMPLES_PER_FRAME * FPS == SAMPLE_RATE
    assert 0 < FEATURE_DIM <= 256
    assert LOOKAHEAD_SAMPLES * 1000 / SAMPLE_RATE <= 40.0


@pytest.mark.parametrize("n", [0, 1, 639, 640, 641, 12345, 16000, 16001])
def test_frame_count_is_ceil_of_duration(n):
    feats = features(voice(1.1)[:n])
    frames = int(np.ceil(n / SAMPLE_RATE * FPS))
    assert feats.shape == (frames, FEATURE_DIM) and frames == num_frames(n)
    assert feats.dtype == np.float32 and np.all(np.isfinite(feats))


@pytest.mark.parametrize("click_s", [1.0, 1.02, 1.0399])
def test_click_lands_in_frame_25(click_s):
    """Frame t covers [t/25, (t+1)/25) s: a click anywhere in [1.0, 1.04) s raises the
    level of frame 25 and of no other frame (over a steady, exactly periodic background)."""
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    wave = 0.05 * np.sin(2 * np.pi * 200 * t)
    wave[int(round(click_s * SAMPLE_RATE))] += 1.0
    level = features(wave)[:, LEVEL]
    assert np.argmax(level) == 25 and level[25] > 0.3  # bels above the running level
    assert np.all(np.abs(np.delete(level, 25)) < 0.02)


def test_onset_is_on_the_grid():
    """A 2 kHz tone switched on at exactly 1.0 s over a 300 Hz one: its mel band jumps in
    frame 25; frame 24 sees only the edge of its last 25 ms window."""
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    noise = 1e-3 * np.random.default_rng(2).standard_normal(len(t))
    wave = 0.3 * np.sin(2 * np.pi * 300 * t) + noise
    wave[SAMPLE_RATE:] += 0.2 * np.sin(2 * np.pi * 2000 * t[SAMPLE_RATE:])
    band = np.argmax(mel_filterbank()[:, round(2000 / 31.25)])
    mel = features(wave)[:, MEL_MEAN][:, band]
    assert np.all(np.abs(mel[:24]) < 0.5) and mel[24] < 3.0
    assert mel[25] > 5.0 and np.all(mel[26:30] > 4.0)


def test_lookahead_is_12_ms():
    """Frame t is emitted as soon as LOOKAHEAD_SAMPLES (12 ms) past its end have arrived."""
    streamer, wave, emitted = StreamingFeatures(), voice(1.0), 0
    for start in range(0, len(wave), 37):
        emitted += len(streamer.push(wave[start:start + 37]))
        received = min(start + 37, len(wave))
        assert emitted == max(0, (received - LOOKAHEAD_SAMPLES) // SAMPLES_PER_FRAME)
    assert LOOKAHEAD_SAMPLES == 192


# --- streaming == offline --------------------------------------------------------------

def stream(wave: np.ndarray, sizes: list[int]) -> np.ndarray:
    """Run a StreamingFeatures over `wave` in chunks of `sizes` (cycled), then flush."""
    streamer, out, start = StreamingFeatures(), [], 0
    for size in itertools.cycle(sizes):
        if start >= len(wave):
            break
        out.append(streamer.push(wave[start:start + size]))
        start += size
    out.append(streamer.flush())
    return np.concatenate(out)


def chunk_sizes(kind: str) -> list[int]:
    """Fixed sizes, or 200 random ones in [0, 2000) (empty pushes included)."""
    if kind == "random":
        return np.random.default_rng(3).integers(0, 2000, size=200).tolist()
    return [int(kind)]


@pytest.mark.parametrize("kind", ["1", "137", "640", "16000", "random"])
def test_streaming_equals_offline(kind):
    wave = voice(3.0) if kind != "1" else voice(1.3)
    offline = features(wave)
    streamed = stream(wave, chunk_sizes(kind))
    assert streamed.shape == offline.shape
    np.testing.assert_allclose(streamed, offline, rtol=0, atol=1e-4)


def test_flush_ends_the_stream_and_resets():
    wave, streamer = voice(1.0), StreamingFeatures()
    first = np.concatenate([streamer.push(wave), streamer.flush()])
    second = np.concatenate([streamer.push(wave[:5000]), streamer.push(wave[5000:]),
                             streamer.flush()])
    np.testing.assert_array_equal(first, features(wave))
    np.testing.assert_allclose(second, first, atol=1e-6)
    assert streamer.flush().shape == (0, FEATURE_DIM)


@pytest.mark.parametrize("chunk", [np.zeros((10, 2)), np.array([0.0, np.nan]),
                                   np.array([np.inf]), np.zeros(10, np.int16)])
def test_push_rejects_bad_chunks(chunk):
    with pytest.raises(ValueError):
        StreamingFeatures().push(chunk)


# --- silence, gain, speaker ------------------------------------------------------------

def test_silence_is_finite_and_the_same_at_any_length():
    reference = features(np.zeros(640))[0]
    assert np.all(np.isfinite(reference))
    for n in (1, 700, 16000, 48001):
        feats = features(np.zeros(n, np.float32))
        assert np.all(np.isfinite(feats))
        np.testing.assert_allclose(feats, np.broadcast_to(reference, feats.shape), atol=1e-6)


@pytest.mark.parametrize("gain", [0.1, 0.01, 1.9])
def test_gain_invariance(gain):
    wave = voice(3.0)
    np.testing.assert_allclose(features(gain * wave), features(wave), atol=1e-3)


def test_speech_after_silence_is_the_same_as_without():
    """Leading silence or room noise must not bias the statistics of the speech after it."""
    wave = voice(3.0)
    noise = 1e-3 * np.random.default_rng(4).standard_normal(SAMPLE_RATE)
    for lead in (np.zeros(SAMPLE_RATE), noise):
        padded = features(np.concatenate([lead, wave]))[25:]
        assert np.mean(np.abs(padded - features(wave))[25:]) < 0.02


def test_pauses_do_not_shift_the_speech_level():
    """The speech gate: 1 s pauses of room noise between 0.5 s stretches of speech leave
    the speech frames' relative level where continuous speech puts it."""
    speech, rng = voice(2.0), np.random.default_rng(9)
    pieces = []
    for i in range(4):
        pieces += [speech[i * 8000:(i + 1) * 8000], 1e-3 * rng.standard_normal(SAMPLE_RATE)]
    level = features(np.concatenate(pieces))[:, LEVEL]
    start = np.arange(len(level)) / FPS
    in_speech = (start % 1.5 < 0.46) & (start > 0.6)
    continuous = features(speech)[15:, LEVEL]
    assert abs(level[in_speech].mean() - continuous.mean()) < 0.3
    assert level[~in_speech & (start % 1.5 > 0.6)].mean() < continuous.mean() - 2.0


def test_empty_bands_stay_flat():
    """Audio from an 8 kHz source has nothing above 4 kHz but resampler residue 80+ dB
    down; the dynamic-range floor keeps per-bin normalisation from blowing that residue up
    into fake spectral detail."""
    narrow = load_audio((resample_poly(voice(4.0), 1, 2), 8000))
    mel = features(narrow)[25:, MEL_MEAN]
    centre_hz = np.argmax(mel_filterbank(), axis=1) * SAMPLE_RATE / 512
    assert mel[:, centre_hz > 4500].std(axis=0).mean() < 0.1
    assert mel[:, centre_hz < 3500].std(axis=0).mean() > 0.5


def raw_log_mel(wave: np.ndarray) -> np.ndarray:
    """(n, 80) un-normalised log-mel (dB) of 25 ms windows at a 10 ms hop."""
    return log_mel(power_spectrum(np.lib.stride_tricks.sliding_window_view(wave, 400)[::160]))


def test_channel_eq_is_normalised_away():
    """A microphone's tilt (a first-order high-pass boost) changes the raw log-mel by
    several dB per band, but barely the normalised features once the statistics settle."""
    wave = voice(4.0)
    tilted = lfilter([1.0, -0.9], [1.0], wave) * 3.0
    warm = slice(50, None)  # after 2 s
    raw_change = np.mean(np.abs(raw_log_mel(tilted) - raw_log_mel(wave))) / 10.0  # bels
    change = np.mean(np.abs(features(tilted)[warm, MEL_MEAN] - features(wave)[warm, MEL_MEAN]))
    assert raw_change > 0.4 and change < 0.25 * raw_change


def test_pitch_is_relative_to_the_speaker():
    """The same intonation an octave higher gives the same relative pitch features."""
    low, high = features(voice(3.0, f0=110.0)), features(voice(3.0, f0=220.0))
    voiced = (low[:, VOICING] > 0.9) & (high[:, VOICING] > 0.9)
    assert voiced.mean() > 0.3
    warm = voiced & (np.arange(len(low)) >= 25)
    assert np.mean(np.abs(low[warm, PITCH] - high[warm, PITCH])) < 0.03
    assert np.std(low[warm, PITCH]) > 0.05  # ...and it does move with the intonation


# --- the analysis pieces ---------------------------------------------------------------

def test_mel_filterbank_matches_librosa():
    import librosa

    expected = librosa.filters.mel(sr=16000, n_fft=512, n_mels=80, fmin=40.0, fmax=8000.0,
                                   htk=True, norm=None)
    np.testing.assert_allclose(mel_filterbank(), expected, atol=1e-6)


def test_yin_finds_f0_and_periodicity():
    t = np.arange(1024) / SAMPLE_RATE
    freqs = [65.0, 110.0, 237.0, 440.0, 780.0]
    harmonic = [np.sin(2 * np.pi * f * t) + 0.4 * np.sin(4 * np.pi * f * t + 1) for f in freqs]
    noise = np.random.default_rng(5).standard_normal((1, 1024))
    f0, periodicity = yin(np.vstack([harmonic, noise, np.zeros((1, 1024))]), SAMPLE_RATE)
    np.testing.assert_allclose(f0[:5], freqs, rtol=0.005)
    assert np.all(periodicity[:5] > 0.95) and periodicity[5] < 0.5 and periodicity[6] == 0.0


def test_voicing_separates_tone_from_noise():
    rng = np.random.default_rng(6)
    wave = np.concatenate([tone(150, 1.0, SAMPLE_RATE), 0.3 * rng.standard_normal(SAMPLE_RATE)])
    feats = features(wave)
    assert np.all(feats[2:23, VOICING] > 0.95) and np.all(feats[27:48, VOICING] < 0.05)
    assert np.all(feats[27:48, PITCH] == 0.0)


# --- load_audio: arrays and rates --------------------------------------------------------

def test_440_hz_at_44100_resamples_correctly():
    wave = load_audio((tone(440, 2.0, 44100), 44100))
    assert wave.dtype == np.float32 and len(wave) == 32000
    inner = wave[100:-100]
    crossings = np.count_nonzero(np.diff(np.signbit(inner))) / len(inner) * SAMPLE_RATE
    assert abs(crossings - 880) < 2
    assert abs(dominant_hz(wave) - 440) < 1
    mel = log_mel(power_spectrum(wave[8000:8400]))
    centre_hz = np.argmax(mel_filterbank(), axis=1) * SAMPLE_RATE / 512
    assert abs(centre_hz[np.argmax(mel)] - 440) < 32  # the band peaking at 440 Hz
    assert abs(np.sqrt(2) * wave.std() - 0.5) < 0.005  # level kept


def test_resampling_rejects_aliases():
    """A 9 kHz tone at 44.1 kHz has no place at 16 kHz: it must not fold to 7 kHz."""
    wave = load_audio((tone(9000, 1.0, 44100), 44100))[1000:-1000]  # past the switch-on
    assert 20 * np.log10(np.sqrt(2) * wave.std() / 0.5) < -60


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 32000, 37800, 44100, 48000, 96000])
def test_any_rate_loads_at_16k(rate):
    source = tone(440, 1.5, rate)
    wave = load_audio((source, rate))
    assert len(wave) == int(np.ceil(len(source) * SAMPLE_RATE / rate))
    assert abs(dominant_hz(wave) - 440) < 1
    assert abs(np.sqrt(2) * wave[2000:-2000].std() - 0.5) < 0.01


def test_16k_float_passes_through_unchanged():
    wave = voice(0.5)
    np.testing.assert_array_equal(load_audio((wave, 16000)), wave)


def test_int_and_stereo_arrays():
    mono = tone(300, 0.5, 22050)
    expected = load_audio((mono, 22050))
    pcm16 = np.round(mono * 32767).astype(np.int16)
    pcm32 = (mono * 2**31 * 0.99999).astype(np.int32)
    for array in (np.stack([pcm16, pcm16], axis=1), np.stack([pcm32, pcm32], axis=1), pcm16,
                  np.stack([mono, mono, mono, mono], axis=1)):
        np.testing.assert_allclose(load_audio((array, 22050)), expected, atol=2e-4)
    uint8 = np.round(mono * 127 + 128).astype(np.uint8)
    np.testing.assert_allclose(load_audio((uint8, 22050)), expected, atol=1e-2)
    left_only = load_audio((np.stack([mono, np.zeros_like(mono)], 1), 22050))
    np.testing.assert_allclose(left_only, expected / 2, atol=1e-6)  # channels are averaged


def test_float_louder_than_full_scale_is_scaled_not_clipped():
    wave = load_audio((tone(300, 0.5, 16000, amp=20000.0), 16000))
    assert abs(np.max(np.abs(wave)) - 1.0) < 1e-3
    assert abs(dominant_hz(wave) - 300) < 3 and np.sqrt(2) * wave.std() > 0.99


# --- load_audio: files ---------------------------------------------------------------------

def encode_with_pyav(path: Path, wave: np.ndarray, rate: int, codec: str,
                     video_codec: str | None = None) -> Path:
    """Mux `wave` (mono float) as stereo `codec` audio, after a tiny video track if asked."""
    with av.open(str(path), "w") as out:
        audio = out.add_stream(codec, rate=rate, layout="stereo")
        video = out.add_stream(video_codec, rate=25) if video_codec else None
        if video is not None:
            video.width = video.height = 64
            video.pix_fmt = "yuv420p"
            images = [np.full((64, 64, 3), i * 8 % 256, np.uint8)
                      for i in range(int(len(wave) / rate * 25))]
            for image in images:
                out.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
            out.mux(video.encode(None))
        pcm = np.round(np.repeat(wave[:, None], 2, axis=1) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = rate
        out.mux(audio.encode(frame))
        out.mux(audio.encode(None))
    return path


@pytest.mark.parametrize("name,rate,subtype", [
    ("a.wav", 44100, "PCM_16"), ("b.wav", 48000, "PCM_24"), ("c.wav", 22050, "FLOAT"),
    ("d.flac", 48000, "PCM_16"), ("e.wav", 8000, "PCM_U8"), ("f.ogg", 44100, "VORBIS")])
def test_soundfile_formats_round_trip(tmp_path, name, rate, subtype):
    source = tone(440, 1.0, rate)
    sf.write(tmp_path / name, np.stack([source, source], 1), rate, subtype=subtype)
    wave = load_audio(tmp_path / name)
    if subtype == "VORBIS":  # lossy: ffmpeg's decoder trims ~3 ms of priming
        assert abs(len(wave) - SAMPLE_RATE) < 100 and abs(dominant_hz(wave) - 440) < 1
        assert abs(np.sqrt(2) * wave[2000:-2000].std() - 0.5) < 0.01
    else:
        np.testing.assert_allclose(wave, load_audio((source, rate)), atol=0.01)


@pytest.mark.parametrize("name,rate,codec,video_codec", [
    ("a.mp3", 44100, "libmp3lame", None), ("b.m4a", 44100, "aac", None),
    ("c.mp4", 48000, "aac", "libx264"), ("d.mov", 44100, "aac", "libx264"),
    ("e.webm", 48000, "libopus", "libvpx-vp9")])
def test_compressed_and_video_formats(tmp_path, name, rate, codec, video_codec):
    path = encode_with_pyav(tmp_path / name, tone(440, 1.0, rate), rate, codec, video_codec)
    wave = load_audio(path)
    assert abs(len(wave) / SAMPLE_RATE - 1.0) < 0.08  # codecs add some priming/padding
    assert abs(dominant_hz(wave) - 440) < 2
    assert abs(np.sqrt(2) * wave[4000:12000].std() - 0.5) < 0.05
    assert features(wave).shape == (num_frames(len(wave)), FEATURE_DIM)


def test_file_and_array_load_the_same(tmp_path):
    source = voice(1.0)
    sf.write(tmp_path / "v.wav", source, 16000, subtype="FLOAT")
    np.testing.assert_array_equal(load_audio(tmp_path / "v.wav"), load_audio((source, 16000)))
    np.testing.assert_array_equal(load_audio(str(tmp_path / "v.wav")), source)


# --- load_audio: every bad input ------------------------------------------------------------

def video_without_audio(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=25)
        video.width = video.height = 64
        video.pix_fmt = "yuv420p"
        black = np.zeros((64, 64, 3), np.uint8)
        for _ in range(5):
            out.mux(video.encode(av.VideoFrame.from_ndarray(black, format="rgb24")))
        out.mux(video.encode(None))
    return path


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path, a phrase the error message must contain)."""
    good = tmp_path / "good.wav"
    sf.write(good, tone(440, 1.0, 16000), 16000)
    files = {
        "text.wav": b"this is not audio\n" * 50,
        "random.mp3": np.random.default_rng(7).bytes(5000),
        "riff_junk.wav": b"RIFF" + np.random.default_rng(8).bytes(3000),
        "header_only.wav": good.read_bytes()[:30],
        "empty.wav": b"",
    }
    cases = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        cases[name] = (tmp_path / name, "could not decode")
    sf.write(tmp_path / "no_samples.wav", np.zeros(0), 16000)
    sf.write(tmp_path / "nan.wav", np.array([0.1, np.nan, -0.1] * 100, np.float32), 16000,
             subtype="FLOAT")
    sf.write(tmp_path / "inf.wav", np.array([0.1, np.inf, -0.1] * 100, np.float32), 16000,
             subtype="FLOAT")
    cases["no_samples.wav"] = (tmp_path / "no_samples.wav", "no audio samples")
    cases["nan.wav"] = (tmp_path / "nan.wav", "NaN")
    cases["inf.wav"] = (tmp_path / "inf.wav", "NaN or infinite")
    cases["silent.mp4"] = (video_without_audio(tmp_path / "silent.mp4"), "no audio stream")
    cases["missing.wav"] = (tmp_path / "missing.wav", "not found")
    cases["a_directory"] = (tmp_path, "directory")
    return cases


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


BAD_FILES = ["text.wav", "random.mp3", "riff_junk.wav", "header_only.wav", "empty.wav",
             "no_samples.wav", "nan.wav", "inf.wav", "silent.mp4", "missing.wav", "a_directory"]


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_raise_clear_errors_and_close_everything(tmp_path, name):
    path, phrase = bad_files(tmp_path)[name]
    before = open_fds()
    with pytest.raises(ValueError, match=phrase):
        load_audio(path)
    assert open_fds() == before


def test_too_long_files_are_refused_with_the_way_out(tmp_path):
    path = encode_with_pyav(tmp_path / "long.mp3", tone(440, 5.0, 16000), 16000, "libmp3lame")
    before = open_fds()
    for limit in (1.0, 4.5):
        with pytest.raises(ValueError, match=r"limit of .* max_seconds=") as err:
            load_audio(path, max_seconds=limit)
        assert f"limit of {limit:g} s" in str(err.value)
    assert open_fds() == before
    assert abs(len(load_audio(path, max_seconds=None)) - 5 * 16000) < 1000
    assert abs(len(load_audio(path, max_seconds=5.1)) - 5 * 16000) < 1000


def test_first_seconds_cuts_instead_of_refusing(tmp_path):
    wave = tone(440, 5.0, 16000)
    path = encode_with_pyav(tmp_path / "long.mp3", wave, 16000, "libmp3lame")
    head = load_audio(path, max_seconds=2.0, first_seconds=1.5)
    assert len(head) == 24000
    np.testing.assert_allclose(head, load_audio(path, max_seconds=None)[:24000], atol=1e-6)
    assert len(load_audio((wave, 16000), max_seconds=2.0, first_seconds=1.5)) == 24000
    with pytest.raises(ValueError, match="limit of 1 s"):
        load_audio(path, max_seconds=1.0, first_seconds=1.5)


@pytest.mark.parametrize("source,phrase", [
    ((np.array([0.0, np.nan, 0.1]), 16000), "NaN"),
    ((np.array([0.0, -np.inf]), 44100), "NaN or infinite"),
    ((np.zeros(0), 16000), "no audio samples"),
    ((np.zeros((0, 2)), 16000), "no audio samples"),
    ((np.zeros(48000 * 3), 48000), "max_seconds"),
    ((np.zeros((2, 48000)), 48000), r"array\.T"),
    ((np.zeros((10, 2, 2)), 16000), "samples, channels"),
    ((np.zeros(100, complex), 16000), "sample type"),
    ((np.zeros(100), 22050.5), "whole number"),
    ((np.zeros(100), 0), "whole number"),
    ((16000, np.zeros(100)), "array, sample_rate"),
    ((np.zeros(100),), "array, sample_rate"),
])
def test_bad_arrays_raise_clear_errors(source, phrase):
    with pytest.raises(ValueError, match=phrase):
        load_audio(source, max_seconds=2.0)


def test_wrong_source_type_is_a_type_error():
    with pytest.raises(TypeError, match="array, sample_rate"):
        load_audio(np.zeros(100))


# --- real recordings (shared assets, when present) -------------------------------------------

def shared_media() -> list[Path]:
    if ASSETS is None:
        return []
    suffixes = {".wav", ".mp3", ".m4a", ".ogg", ".flac", ".mp4", ".mov", ".webm"}
    return sorted(p for folder in ("speech", "videos") for p in (ASSETS / folder).glob("*")
                  if p.suffix.lower() in suffixes)


def declared_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return float(stream.duration * stream.time_base)


@pytest.mark.parametrize("path", shared_media() or [None], ids=lambda p: p.name if p else "absent")
def test_shared_recordings_load_and_featurise(path):
    if path is None:
        pytest.skip("shared/assets is not present")
    wave = load_audio(path)
    assert wave.dtype == np.float32 and wave.ndim == 1 and np.max(np.abs(wave)) <= 1.0
    assert abs(len(wave) / SAMPLE_RATE - declared_seconds(path)) < 0.05
    feats = features(wave)
    assert feats.shape == (int(np.ceil(len(wave) / SAMPLE_RATE * FPS)), FEATURE_DIM)
    assert np.all(np.isfinite(feats))
    assert 0.15 < np.mean(feats[:, VOICING] > 0.5) < 0.9  # speech is partly voiced
    assert np.max(np.abs(feats)) < 20.0


def test_shared_speech_streams_and_is_gain_invariant():
    if ASSETS is None:
        pytest.skip("shared/assets is not present")
    wave = load_audio(ASSETS / "speech" / "sadtalker_RD_Radio31_000.wav")
    offline = features(wave)
    np.testing.assert_allclose(stream(wave, chunk_sizes("random")), offline, atol=1e-4)
    np.testing.assert_allclose(features(0.05 * wave), offline, atol=1e-3)


@pytest.mark.parametrize("alpha", [0.9, 1.12])
def test_mel_warp_moves_a_tone_where_vtlp_puts_it(alpha):
    """The warped log-mel of a 900 Hz tone peaks (within a band) where the tone that a vocal
    tract 1 / alpha as long would make (vtlp_hz) peaks; the warp keeps level and Nyquist."""
    def peak_band(hz: float, warp=np.eye(80)) -> int:
        t = np.arange(400) / SAMPLE_RATE
        return int(np.argmax(warp @ log_mel(power_spectrum(np.sin(2 * np.pi * hz * t)))))

    moved = float(vtlp_hz(900.0, alpha))
    assert moved == pytest.approx(900.0 * alpha)
    warped, target, before = peak_band(900.0, mel_warp(alpha)), peak_band(moved), peak_band(900.0)
    assert abs(warped - target) <= 1  # bands are ~35 mel wide; the tone moves ~2.5 of them
    assert (warped - before) * np.sign(alpha - 1) >= 2
    np.testing.assert_allclose(mel_warp(alpha).sum(axis=1), 1.0)  # a level shift passes
    assert float(vtlp_hz(SAMPLE_RATE / 2, alpha)) == pytest.approx(SAMPLE_RATE / 2)
    np.testing.assert_array_equal(mel_warp(1.0), np.eye(80))


def test_mel_block_map_changes_both_log_mel_blocks_alike_and_nothing_else():
    """A (mel, mel) map applied through mel_block_map equals applying it to each log-mel
    block by hand; level, voicing and pitch pass untouched."""
    rng = np.random.default_rng(0)
    frames = rng.normal(size=(7, FEATURE_DIM))
    mel_map = rng.normal(size=(80, 80))
    out = frames @ mel_block_map(mel_map)
    np.testing.assert_allclose(out[:, MEL_MEAN], frames[:, MEL_MEAN] @ mel_map, atol=1e-12)
    np.testing.assert_allclose(out[:, MEL_SLOPE], frames[:, MEL_SLOPE] @ mel_map, atol=1e-12)
    np.testing.assert_array_equal(out[:, LEVEL:], frames[:, LEVEL:])
