"""Audio loading: any common file or array in, 16 kHz mono float32 in [-1, 1] out.

Files (wav, flac, ogg/opus, mp3, m4a/aac, and the audio track of mp4/mov/webm/mkv videos)
are decoded with PyAV, whose wheels bundle ffmpeg, so nothing else needs installing.
Encoded bytes (an upload, an HTTP body) are decoded like a file; arrays come as (samples,
sample_rate). Either way the channels are averaged to mono at the
source rate and the result is resampled once, by scipy's polyphase filter (`resample_poly`
at the exact rational ratio, so odd rates such as 11025 or 37800 Hz are as exact as 48 kHz)
with a sharper anti-alias filter than scipy's default (see `_anti_alias`). A file and the
same samples as an array load the same.

Levels are kept: samples louder than full scale (float data, or codec overshoot after an
mp3 or AAC decoder) scale the whole signal down to peak 1 rather than being clipped, and
the small overshoot of the resampling filter is clipped at the end.

Every problem with the input is a ValueError whose message says what went wrong and what
to do. Decoding stops as soon as the audio passes `max_seconds`, so a huge file costs no
more than decoding that much (tests/test_hostile_inputs.py bounds the time), and the container
is always closed.
"""
from __future__ import annotations

import functools
import io
import itertools
import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from scipy.signal import firwin, kaiserord, resample_poly

from ..io.limits import LIMITS
from ..grid import SAMPLE_RATE

MAX_SECONDS = LIMITS.max_audio_seconds
MAX_CHANNELS = 64  # more columns than this means the array is (channels, samples)
RATE_RANGE = (1000, 1_000_000)  # Hz; outside it the rate is surely a mistake
# Anti-alias filter: flat to 84 % of the lower Nyquist frequency, 80 dB down at it.
PASSBAND, STOPBAND_DB = 0.84, 80.0

AudioSource = str | Path | bytes | bytearray | memoryview | tuple[np.ndarray, int]


def load_audio(source: AudioSource, max_seconds: float | None = MAX_SECONDS, *,
               first_seconds: float | None = None) -> np.ndarray:
    """A path, encoded file bytes or (array, sample_rate) -> (N,) float32 mono at 16 kHz
    in [-1, 1].

        load_audio("speech.mp3")
        load_audio(open("speech.wav", "rb").read())        # bytes of any format a path takes
        load_audio((samples, 44100))

    Arrays are (N,) or (N, channels), int (full scale by dtype: int16 / 32768, ...) or
    float (full scale 1). Raises ValueError for a missing, corrupt or non-audio file, a
    file without an audio stream, an empty file, no samples, NaN or infinite samples (they
    are refused, not cleaned), and audio longer than `max_seconds` (None: no limit;
    default `limits.LIMITS.max_audio_seconds`). `first_seconds` keeps only the beginning (a
    file's decoding stops there), so long audio is cut instead of refused.
    """
    if isinstance(source, tuple):
        array, rate = _unpack(source)
        mono, name = _array_to_mono(array), "the audio array"
        mono = mono if first_seconds is None else mono[: int(first_seconds * rate)]
        _check_duration(len(mono), rate, name, max_seconds)
    elif isinstance(source, (str, Path)):
        mono, rate = _decode_file(Path(source), max_seconds, first_seconds)
        name = str(source)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        name = "the audio bytes"
        mono, rate = _decode_bytes(bytes(source), name, max_seconds, first_seconds)
    else:
        raise TypeError(f"load_audio takes a path, bytes or an (array, sample_rate) tuple, "
                        f"not {type(source).__name__}")
    _check_samples(mono, name)
    peak = float(np.max(np.abs(mono)))
    return _resample(mono / peak if peak > 1.0 else mono, rate)


def _unpack(source: tuple) -> tuple[np.ndarray, int]:
    """(array, whole-number sample rate) from an (array, sample_rate) tuple."""
    if len(source) != 2:
        raise ValueError(f"pass audio as (array, sample_rate), got a tuple of {len(source)}")
    array, rate = source
    low, high = RATE_RANGE
    valid = (isinstance(rate, numbers.Real) and not isinstance(rate, bool)
             and math.isfinite(rate) and rate == int(rate) and low <= rate <= high)
    if not valid:
        got = repr(rate) if isinstance(rate, numbers.Number) else f"a {type(rate).__name__}"
        raise ValueError(f"the sample rate must be a whole number of Hz between {low} and "
                         f"{high}, got {got}; pass audio as (array, sample_rate)")
    return np.asarray(array), int(rate)


def _array_to_mono(array: np.ndarray) -> np.ndarray:
    """(N,) or (N, C) int or float array -> (N,) float32 at full scale 1."""
    if array.ndim == 2 and array.shape[1] > MAX_CHANNELS >= array.shape[0]:
        raise ValueError(f"audio arrays are (samples, channels), but {array.shape} looks like "
                         "(channels, samples); pass array.T")
    if array.ndim not in (1, 2):
        raise ValueError(f"audio arrays must be (samples,) or (samples, channels), "
                         f"got shape {array.shape}")
    samples = _to_unit_float(array)
    return samples.mean(axis=1, dtype=np.float32) if samples.ndim == 2 else samples


def _to_unit_float(array: np.ndarray) -> np.ndarray:
    """Samples as float32 with full scale 1: signed ints / 2^(bits-1), unsigned ints
    centred first (8-bit wav is unsigned), floats as they are."""
    if np.issubdtype(array.dtype, np.signedinteger):
        return (array / 2.0 ** (8 * array.itemsize - 1)).astype(np.float32)
    if np.issubdtype(array.dtype, np.unsignedinteger):
        half = 2.0 ** (8 * array.itemsize - 1)
        return ((array - half) / half).astype(np.float32)
    if np.issubdtype(array.dtype, np.floating):
        return array.astype(np.float32)
    raise ValueError(f"unsupported audio sample type {array.dtype}; pass int16, int32 or "
                     "float samples")


def _decode_file(path: Path, max_seconds: float | None,
                 first_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """(mono float32 samples, sample rate) of a file's first audio stream."""
    import av

    if not path.exists():
        raise ValueError(f"audio file not found: {path}; check the path")
    if path.is_dir():
        raise ValueError(f"{path} is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise ValueError(f"could not decode {path} as audio: it is empty (0 bytes); pass an "
                         "audio or video file with sound")
    with _decoding(path), av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError(f"{path} has no audio stream (a silent video, or not an audio "
                             "file); pass a file with sound")
        return _decode_stream(container, container.streams.audio[0], path, max_seconds,
                              first_seconds)


def _decode_bytes(data: bytes, name: str, max_seconds: float | None,
                  first_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """(mono float32 samples, sample rate) of an encoded file held in memory."""
    import av

    if not data:
        raise ValueError(f"{name} are empty; pass the contents of an audio file")
    with _decoding(name, hint=False), av.open(io.BytesIO(data)) as container:
        if not container.streams.audio:
            raise ValueError(f"{name} hold no audio stream (a silent video, or not an audio "
                             "file); pass a file with sound")
        return _decode_stream(container, container.streams.audio[0], name, max_seconds,
                              first_seconds)


@contextmanager
def _decoding(path: Path | str, hint: bool = True) -> Iterator[None]:
    """Turn whatever PyAV raises on bad input into one clear ValueError."""
    import av

    try:
        yield
    except av.FFmpegError as err:
        raise ValueError(_unreadable(path, err, hint)) from err
    except ValueError:
        raise
    except Exception as err:  # noqa: BLE001 - demuxers and decoders raise many types
        raise ValueError(_unreadable(path, err, hint)) from err


def _unreadable(path: Path | str, err: Exception, hint: bool = True) -> str:
    return (f"could not decode {path} as audio ({type(err).__name__}: {err}); is it a "
            "complete audio or video file (wav, mp3, m4a, ogg, flac, mp4, ...)?"
            + (f" Try converting it: ffmpeg -i '{path}' out.wav" if hint else ""))


def _decode_stream(container, stream, path: Path | str, max_seconds: float | None,
                   first_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """(mono samples, rate), cut at `first_seconds`, refused as soon as they pass
    `max_seconds`. Header durations are not trusted for this: for VBR mp3 they are
    estimates, sometimes far off."""
    chunks, total, rate = [], 0, stream.sample_rate or SAMPLE_RATE
    for mono, rate in _mono_chunks(container, stream):
        _check_rate(rate, path)
        chunks.append(mono)
        total += len(mono)
        kept = total if first_seconds is None else min(total, int(first_seconds * rate))
        _check_duration(kept, rate, str(path), max_seconds)
        if kept < total:
            break
    mono = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return (mono if first_seconds is None else mono[: int(first_seconds * rate)]), rate


def _mono_chunks(container, stream) -> Iterator[tuple[np.ndarray, int]]:
    """(n,) float32 mono chunks and their rate, as decoded: frames are converted to float
    planar at their own rate and layout, then their channels averaged."""
    import av

    resampler = av.AudioResampler(format="fltp")
    for frame in itertools.chain(container.decode(stream), [None]):  # None flushes
        for out in resampler.resample(frame):
            yield out.to_ndarray().mean(axis=0, dtype=np.float32), out.sample_rate


def _check_rate(rate: int, name: Path | str) -> None:
    """A damaged header can claim any rate; resampling from 1 Hz would blow up 16000x."""
    low, high = RATE_RANGE
    if not low <= rate <= high:
        raise ValueError(f"{name} claims a sample rate of {rate} Hz, outside {low}-{high} Hz; "
                         "the file is probably damaged. Re-export it")


def _check_duration(num_samples: int, rate: int, name: str, max_seconds: float | None) -> None:
    if max_seconds is not None and num_samples > max_seconds * rate:
        raise ValueError(f"{name} is longer than the limit of {max_seconds:g} s; cut it into "
                         "shorter pieces, or raise the limit with load_audio(..., "
                         "max_seconds=...) (None for no limit)")


def _check_samples(mono: np.ndarray, name: str) -> None:
    if mono.size == 0:
        raise ValueError(f"{name} contains no audio samples; pass a recording with sound")
    if not np.all(np.isfinite(mono)):
        raise ValueError(f"{name} contains NaN or infinite samples; clean the signal "
                         "(e.g. np.nan_to_num) or re-export the file")


def _resample(mono: np.ndarray, rate: int) -> np.ndarray:
    """(N,) float32 at `rate` -> (ceil(N * 16000 / rate),) float32 at 16 kHz in [-1, 1]."""
    if rate != SAMPLE_RATE:
        common = math.gcd(rate, SAMPLE_RATE)
        up, down = SAMPLE_RATE // common, rate // common
        mono = resample_poly(mono, up, down, window=_anti_alias(up, down))
    return np.clip(mono, -1.0, 1.0).astype(np.float32)


@functools.lru_cache(maxsize=4)
def _anti_alias(up: int, down: int) -> np.ndarray:
    """Low-pass FIR for `resample_poly`, at the intermediate rate (up x the input rate).

    scipy's default (a 20 x max(up, down) tap Kaiser sinc cut at the Nyquist frequency)
    lets a 9 kHz tone alias into 7 kHz at -30 dB when 44.1 kHz goes to 16 kHz; sibilants
    live there. This one spends ~3x the taps to keep aliases under -80 dB.
    """
    nyquist = 1.0 / max(up, down)  # the lower of the two Nyquist frequencies, in firwin units
    taps, beta = kaiserord(STOPBAND_DB, (1.0 - PASSBAND) * nyquist)
    taps |= 1  # odd length: linear phase with an integer delay
    return firwin(taps, (1.0 + PASSBAND) / 2.0 * nyquist, window=("kaiser", beta))
