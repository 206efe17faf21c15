"""Motion generator speed: sampling time per second of audio and streaming latency, as JSON.

    python benchmarks/motion.py [--checkpoint DIR] [--seconds 20] [--steps 8] [--hop 10]

Without a checkpoint, times a randomly initialised network of the default size (timings
do not depend on the weights). Offline: `sample_motion` over `--seconds` of random audio
features, without guidance and with guidance on audio and gaze (the batch grows to 3).
Window: one full window (W frames). Streaming: `stream_motion` fed one hop of audio at a
time; "first_frame_ms" is the compute between the first hop's arrival and the first
motion frames (add hop / fps of audio buffering for the end-to-end latency). Median of 3
runs after a warm-up (this shared machine's timings vary by ~20%).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import torch

from timing import median_seconds
from vasa_core.motion import (DEFAULT_STEPS, Controls, MotionDiT, MotionDiTConfig,
                              load_pretrained, sample_motion, stream_motion)

GUIDED = {"audio": 1.0, "gaze": 1.0}


def first_frame_seconds(model: MotionDiT, audio: np.ndarray, hop: int, steps: int) -> float:
    """Compute time from the first hop of audio arriving to the first motion frames."""
    arrived = []

    def chunks():
        for i in range(0, len(audio), hop):
            arrived.append(time.perf_counter())
            yield audio[i:i + hop]

    next(stream_motion(model, chunks(), Controls(gaze=(0.0, 0.0)), hop=hop, steps=steps,
                       cfg_scales=GUIDED))
    return time.perf_counter() - arrived[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--audio-dim", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    ap.add_argument("--hop", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = (load_pretrained(args.checkpoint) if args.checkpoint
             else MotionDiT(MotionDiTConfig(audio_dim=args.audio_dim)).eval())
    cfg, steps = model.config, args.steps
    frames = int(args.seconds * cfg.fps)
    audio = np.random.default_rng(0).standard_normal((frames, cfg.audio_dim)).astype(np.float32)
    gaze = Controls(gaze=(0.0, 0.0))

    plain = median_seconds(lambda: sample_motion(model, audio, steps=steps))
    guided = median_seconds(lambda: sample_motion(model, audio, gaze, steps=steps,
                                                  cfg_scales=GUIDED))
    window = median_seconds(lambda: sample_motion(model, audio[:cfg.window], gaze, steps=steps,
                                                  cfg_scales=GUIDED))
    streamed = median_seconds(lambda: list(stream_motion(
        model, np.array_split(audio, frames // args.hop), gaze, hop=args.hop, steps=steps,
        cfg_scales=GUIDED)))
    first = float(np.median([first_frame_seconds(model, audio, args.hop, steps) for _ in range(5)]))
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"torch {torch.__version__}, {torch.get_num_threads()} threads",
        "params": model.num_params(),
        "config": {"window": cfg.window, "context": cfg.context, "width": cfg.width,
                   "layers": cfg.layers, "heads": cfg.heads, "audio_dim": cfg.audio_dim},
        "steps": steps, "audio_seconds": args.seconds,
        "offline_s_per_audio_s": round(plain / args.seconds, 4),
        "offline_guided_s_per_audio_s": round(guided / args.seconds, 4),
        "window_ms_guided": round(1000 * window, 1),
        "stream_hop_frames": args.hop,
        "stream_s_per_audio_s_guided": round(streamed / args.seconds, 4),
        "stream_first_frame_ms_guided": round(1000 * first, 1),
        "stream_buffering_ms": round(1000 * args.hop / cfg.fps, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
