"""The benchmark suite against VASA-1's real-time claims, as one JSON document.

    python benchmarks/suite.py [--quick] [--out results.json]      (`make bench`)

Sections (each also runs alone: render.py, motion.py, streaming.py, `vasa bench`):

* render: frames per second of `Renderer.render_iter` for the 512 face crop, a 1024 face
  crop and the full original image (the built-in portrait, 512 x 600);
* motion: `sample_motion` compute per second of audio at 1 / 5 / 10 / 50 steps, with the
  pipeline's default guidance (audio on the articulators, gaze control), 10 s of speech;
* offline: one 10 s clip at 512 from files to mp4 (`vasa_core.eval.bench.end_to_end`), its
  real-time factor, and the offline frame rate without encoding (frames / (motion +
  render)), VASA-1's "45 fps offline" figure;
* streaming: microphone-paced 20 ms chunks through `pipe.stream` (streaming.run), three
  runs: first frame latency (VASA-1: 170 ms; median and worst run), frame latency, and the
  sustained frame rate the compute allows (frames / compute seconds; 25 keeps up);
* memory: the process's peak resident set size.

VASA-1's figures are from an RTX 4090 (45 fps offline, 40 fps online, 170 ms first
frame); these are from whatever machine runs this, reported under "machine".
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmark scripts

import render as render_bench  # noqa: E402
import streaming as streaming_bench  # noqa: E402
from vasa_core.audio import SAMPLE_RATE, features  # noqa: E402
from vasa_core.eval.bench import end_to_end  # noqa: E402
from vasa_core.io.examples import example_portrait_path  # noqa: E402
from vasa_core.face import analyze_image  # noqa: E402
from vasa_core.motion import sample_motion  # noqa: E402
from vasa_core.motion.conditions import Controls, guidance_scales  # noqa: E402
from vasa_core.pipeline import FPS, STREAM_HOP, STREAM_STEPS, TalkingFacePipeline  # noqa: E402
from vasa_core.settings import Settings  # noqa: E402

VASA1_RTX4090 = {"offline_fps": 45, "online_fps": 40, "first_frame_ms": 170}
TARGETS_CPU = {"offline_fps_512": 45, "stream_fps": 25, "first_frame_ms": 170}


def render_section(frames: int) -> list[dict]:
    latent = analyze_image(str(example_portrait_path()))
    return [render_bench.bench(latent, crop, size, frames, 16, "cpu")
            for crop, size in (("face", 512), ("face", 1024), ("full", 512))]


def motion_section(pipe: TalkingFacePipeline, audio: np.ndarray, steps: list[int]) -> dict:
    """Seconds of compute per second of audio, by sampler steps (median of 3)."""
    feats = features(audio)
    settings = Settings(gaze=(0.0, 0.0))
    out = {}
    for n in steps:
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            sample_motion(pipe.model, feats, Controls.of(settings), steps=n,
                          cfg_scales=guidance_scales(settings), seed=0)
            runs.append(time.perf_counter() - start)
        out[str(n)] = round(float(np.median(runs)) / (len(audio) / SAMPLE_RATE), 4)
    return out


def offline_section(pipe: TalkingFacePipeline, seconds: float) -> dict:
    report = end_to_end(pipe, seconds=seconds, size=512)
    parts = report["parts_s"]
    report["offline_fps_no_encoding"] = round(
        report["frames"] / (parts["motion"] + parts["render"]), 1)
    return report


def streaming_section(pipe: TalkingFacePipeline, seconds: float, runs: int = 3) -> dict:
    """`runs` microphone-paced streams: each run's figures, and the worst first frame."""
    audio = streaming_bench.test_audio(seconds, None)
    reports = [streaming_bench.run(pipe, audio, STREAM_HOP, 20.0, STREAM_STEPS)
               for _ in range(runs)]
    for report in reports:
        # realtime_factor here is compute per second of audio: 25 fps / it is the frame
        # rate the compute sustains
        report["sustained_fps"] = round(FPS / report["realtime_factor"], 1)
    first = [r["first_frame_ms"] for r in reports]
    return {"runs": reports, "first_frame_ms_median": float(np.median(first)),
            "first_frame_ms_max": max(first),
            "sustained_fps_min": min(r["sustained_fps"] for r in reports)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    args = ap.parse_args()
    seconds = 3.0 if args.quick else 10.0
    pipe = TalkingFacePipeline.from_pretrained()
    audio = streaming_bench.test_audio(seconds, None)
    report = {
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "cuda": torch.cuda.is_available()},
        "vasa1_rtx4090": VASA1_RTX4090, "targets_cpu": TARGETS_CPU,
        "render": render_section(32 if args.quick else 96),
        "motion_s_per_audio_s": motion_section(pipe, audio, [1, 5] if args.quick
                                               else [1, 5, 10, 50]),
        "offline": offline_section(pipe, seconds),
        "streaming": streaming_section(pipe, seconds),
    }
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
