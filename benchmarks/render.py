"""Render speed: frames per second for the 512 face crop and the full image, as JSON.

    python benchmarks/render.py [--image P] [--frames 96] [--batch 16] [--device cpu|cuda]

Times `Renderer.render_iter` over a tour-like motion (head, jaw, blinks and gaze all
moving, so the mouth and eye painters run), after one warm-up batch; median of 3 runs. Analysis is not timed: it runs
once per portrait.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import torch


def moving_motion(latent, frames: int):
    t = np.linspace(0, 2 * np.pi, frames)
    m = latent.motion0(frames)
    m = m.set("yaw", latent.pose0.yaw + 12 * np.sin(t)).set("pitch", latent.pose0.pitch + 6 * np.sin(2 * t))
    m = m.set("jawOpen", 0.5 + 0.5 * np.sin(3 * t)).set("gaze_yaw", 15 * np.sin(t))
    return m.set("eyeBlinkLeft", (np.sin(5 * t) > 0.8).astype(float)).set(
        "eyeBlinkRight", (np.sin(5 * t) > 0.8).astype(float))


def bench(latent, crop: str, size: int, frames: int, batch: int, device: str,
          repeats: int = 3) -> dict:
    """Stream `frames` frames through `render_iter` (as the CLI and app do) `repeats`
    times; report the median run (this shared machine's timings vary by ~20%)."""
    from vasa_core.render import Renderer

    renderer = Renderer(latent, size=size, crop=crop, device=device)
    motion = moving_motion(latent, frames)
    renderer.render(motion[:batch], batch=batch)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for chunk in renderer.render_iter(motion, batch=batch):
            shape = chunk.shape[1:3]
        seconds.append(time.perf_counter() - start)
    s = float(np.median(seconds))
    return {"crop": crop, "size": list(shape), "frames": frames, "batch": batch,
            "fps": round(frames / s, 1), "ms_per_frame": round(1000 * s / frames, 2)}


def main() -> None:
    from vasa_core.io.examples import example_portrait_path
    from vasa_core.face import analyze_image

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", default=str(example_portrait_path()))
    ap.add_argument("--frames", type=int, default=96)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    latent = analyze_image(args.image)
    results = [bench(latent, "face", 512, args.frames, args.batch, args.device),
               bench(latent, "full", 512, args.frames, args.batch, args.device)]
    print(json.dumps({"machine": f"{platform.processor() or platform.machine()}, "
                                 f"{os.cpu_count()} cores, torch {torch.__version__}",
                      "device": args.device, "image": os.path.basename(args.image),
                      "image_size": list(latent.size), "results": results}, indent=2))


if __name__ == "__main__":
    main()
