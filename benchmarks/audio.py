"""Audio speed: loading and feature extraction per second of audio, and streaming latency.

    python benchmarks/audio.py [--seconds 60]

Times, on a deterministic speech-like signal (harmonics with a gliding pitch, syllable
envelope and noise): `load_audio` of a 44.1 kHz stereo 16-bit wav (decode, downmix,
resample), offline `features` over the whole signal, and `StreamingFeatures.push` fed
40 ms (640-sample) chunks as a live microphone would. Offline figures are the median
of 3 runs; push latencies are over every chunk of one run. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from timing import median_seconds
from vasa_core.audio import SAMPLE_RATE, SAMPLES_PER_FRAME, StreamingFeatures, features, load_audio


def speech_like(seconds: float, rate: int) -> np.ndarray:
    """(N,) float32: 10 harmonics of a 100-160 Hz glide in 4 Hz syllables, over noise."""
    t = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * np.cumsum(130 + 30 * np.sin(2 * np.pi * 0.3 * t)) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 11))
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None)
    noise = 0.01 * np.random.default_rng(0).standard_normal(len(t))
    return (0.2 * voiced * envelope + noise).astype(np.float32)


def push_latencies_ms(wave: np.ndarray) -> np.ndarray:
    """Wall time of each 40 ms push over the whole wave, in ms."""
    streamer, times = StreamingFeatures(), []
    for start in range(0, len(wave), SAMPLES_PER_FRAME):
        chunk = wave[start:start + SAMPLES_PER_FRAME]
        began = time.perf_counter()
        streamer.push(chunk)
        times.append(time.perf_counter() - began)
    streamer.flush()
    return 1000 * np.array(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    wave = speech_like(args.seconds, SAMPLE_RATE)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech_44k.wav"
        stereo = speech_like(args.seconds, 44100)
        sf.write(path, np.stack([stereo, stereo], axis=1), 44100, subtype="PCM_16")
        load_s = median_seconds(lambda: load_audio(path))
    features(wave[:SAMPLE_RATE])  # warm-up
    offline_s = median_seconds(lambda: features(wave))
    push_ms = push_latencies_ms(wave)
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"numpy {np.__version__}",
        "audio_seconds": args.seconds,
        "load_wav_44k_stereo_s_per_audio_s": round(load_s / args.seconds, 5),
        "features_offline_s_per_audio_s": round(offline_s / args.seconds, 5),
        "features_offline_x_realtime": round(args.seconds / offline_s, 1),
        "push_40ms_chunk_ms": {"median": round(float(np.median(push_ms)), 3),
                               "p95": round(float(np.percentile(push_ms, 95)), 3),
                               "max": round(float(push_ms.max()), 3)},
        "lookahead_ms": 12.0,
    }, indent=2))


if __name__ == "__main__":
    main()
