"""End-to-end streaming latency: microphone-paced audio in, rendered frames out, as JSON.

    python benchmarks/streaming.py [--checkpoint DIR] [--hop 2] [--chunk-ms 20]
                                   [--seconds 10] [--steps 4] [--audio PATH]

Audio (a shared speech file when present, else a synthetic vowel-like signal) is fed to
`TalkingFacePipeline.stream` in `--chunk-ms` chunks at real-time pace, as a microphone
would deliver them: chunk k is handed over when its last sample has been "recorded", i.e.
k * chunk_ms after the first chunk. For every frame batch the stream yields we note the
wall time. Figures:

* first_frame_ms: from the first chunk's hand-over to the first rendered frame (the
  VASA-1 figure: 170 ms on an RTX 4090); it includes `hop` frames of audio buffering,
  the features' 12 ms look-ahead, one window of motion sampling and rendering `hop` frames;
* frame_latency_ms p50 / p95 / max: for every frame, the time from when the chunk that
  completes its audio (plus look-ahead) was recorded (its due time, even if the stream
  took it later) to its frame being rendered; a stream that keeps up has a flat latency,
  one that falls behind grows along the clip;
* realtime_factor: compute (wall time minus time spent waiting for audio) per second of
  audio; < 1 keeps up.

The portrait is the built-in example; guidance as the pipeline's defaults with a gaze
control, so the guidance batch is full (audio + gaze).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from vasa_core.audio import SAMPLE_RATE, load_audio
from vasa_core.audio.features import LOOKAHEAD_SAMPLES
from vasa_core.io.examples import example_portrait_path
from vasa_core.settings import STREAM_LIP_LOOKAHEAD
from vasa_core.pipeline import (FPS, STREAM_HOP, STREAM_STEPS,
                                TalkingFacePipeline)

SPEECH = (Path(__file__).resolve().parents[2] / "shared" / "assets" / "speech"
          / "sadtalker_RD_Radio31_000.wav")


def test_audio(seconds: float, path: str | None) -> np.ndarray:
    """(N,) float32 16 kHz: the given or shared speech file, else a syllable-like signal."""
    source = Path(path) if path else SPEECH
    if source.is_file():
        return load_audio(source)[: int(seconds * SAMPLE_RATE)]
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)  # ~4 syllables a second
    return (0.3 * envelope * np.sin(2 * np.pi * 160 * t)).astype(np.float32)


def run(pipe: TalkingFacePipeline, audio: np.ndarray, hop: int, chunk_ms: float,
        steps: int, lip_lookahead: int = STREAM_LIP_LOOKAHEAD) -> dict:
    """Feed `audio` at real-time pace; return the latency figures (module docstring)."""
    chunk = int(SAMPLE_RATE * chunk_ms / 1000)
    handed: list[float] = []  # wall time each chunk was recorded (due), even if taken late
    waited = [0.0]

    def microphone():
        start = time.perf_counter()
        for k, i in enumerate(range(0, len(audio), chunk)):
            due = start + k * chunk_ms / 1000
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
                waited[0] += delay
            handed.append(due)  # a stream that lags takes it late: that counts as latency
            yield audio[i:i + chunk]

    done: list[float] = []  # wall time each frame was rendered
    began = time.perf_counter()
    for frames in pipe.stream(example_portrait_path(), microphone(), hop=hop, steps=steps,
                              gaze=(0.0, 0.0), lip_lookahead=lip_lookahead):
        done.extend([time.perf_counter()] * len(frames))
    total = time.perf_counter() - began
    per_frame = SAMPLE_RATE / FPS
    needed = [min(int(np.ceil(((i + 1) * per_frame + LOOKAHEAD_SAMPLES) / chunk)) - 1,
                  len(handed) - 1) for i in range(len(done))]  # chunk completing frame i
    latency = 1000 * (np.asarray(done) - np.asarray(handed)[needed])
    return {"first_frame_ms": round(1000 * (done[0] - handed[0]), 1),
            "frame_latency_ms": {"p50": round(float(np.percentile(latency, 50)), 1),
                                 "p95": round(float(np.percentile(latency, 95)), 1),
                                 "max": round(float(latency.max()), 1)},
            "realtime_factor": round((total - waited[0]) / (len(audio) / SAMPLE_RATE), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--hop", type=int, default=STREAM_HOP)
    ap.add_argument("--chunk-ms", type=float, default=20.0)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--steps", type=int, default=STREAM_STEPS)
    ap.add_argument("--audio", default=None)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lip-lookahead", type=int, default=STREAM_LIP_LOOKAHEAD)
    args = ap.parse_args()
    pipe = TalkingFacePipeline.from_pretrained(args.checkpoint)
    audio = test_audio(args.seconds, args.audio)
    # no warm-up run: the first run is a fresh process's first stream, as a user's is
    # (`stream` warms its sampler and renderer before reading the first chunk)
    runs = [run(pipe, audio, args.hop, args.chunk_ms, args.steps, args.lip_lookahead)
            for _ in range(args.runs)]
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"torch {torch.__version__}, {torch.get_num_threads()} threads",
        "hop_frames": args.hop, "chunk_ms": args.chunk_ms, "steps": args.steps,
        "lip_lookahead": args.lip_lookahead,
        "audio_seconds": round(len(audio) / SAMPLE_RATE, 2), "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
