"""Does fine-tuning on a little real video help lip sync? Leave-one-out, as JSON.

    python benchmarks/finetune_loo.py --videos ../shared/assets/videos --work /tmp/loo \
        [--steps 300] [--lr 1e-4] [--match] [--seeds 0 1 2]

For each real talking video: `vasa corpus extract` reads it into its own corpus; the
shipped checkpoint is fine-tuned (`TrainConfig.init`) on the other videos' corpora; the
held-out video is scored with `evaluate_video` (lip-sync r on pixels, Obama portrait) at
each seed, for the fine-tuned model and the shipped one. Prints per-video r, the mean
loss of the first and last 20 steps, and the means (docs/experiments.md, "Fine-tuning on
a few seconds of real video").

The extracted motion is adapted before training because the analyzer's reading of real
faces and the teacher's units differ (docs/experiments.md, same section):
  * mouthRollUpper, which the synthetic corpus never moves (std 0.001, so a real clip's
    values sit ~300 std away), is held at the checkpoint's mean;
  * with --match, each clip's per-dimension median and spread are also set to the
    checkpoint's normalisation (mean, std), so only the timing is new to the model.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from vasa_core.audio import FPS
from vasa_core.data.corpus import Clip, write_manifest, write_shard
from vasa_core.data.extract import find_videos, video_clips
from vasa_core.eval import evaluate_video
from vasa_core.latent import MOTION_INDEX, Motion
from vasa_core.motion import load_pretrained
from vasa_core.pipeline import TalkingFacePipeline
from vasa_core.train import TrainConfig, train

SHIPPED = Path(__file__).resolve().parents[1] / "checkpoints" / "vasa-motion-s"
PORTRAIT = Path(__file__).resolve().parents[2] / "shared" / "assets" / "portraits" / \
    "face_recognition_obama.jpg"
HELD = MOTION_INDEX["mouthRollUpper"]


def adapt(clip: Clip, mean: np.ndarray, std: np.ndarray, match: bool) -> Clip:
    """The clip with its motion (T, D) brought towards the checkpoint's units (module doc)."""
    values = clip.motion.values.copy()
    if match:
        spread = np.maximum(values.std(0), 1e-3)
        values = mean + (values - np.median(values, 0)) * std / spread
    values[:, HELD] = mean[HELD]
    return Clip(clip.audio, Motion(values, clip.motion.fps), clip.labels, clip.language,
                clip.text, clip.meta)


def video_corpus(video: Path, out: Path, mean: np.ndarray, std: np.ndarray,
                 match: bool) -> Path:
    """One video's adapted clips as a one-shard corpus in `out`."""
    out.mkdir(parents=True, exist_ok=False)
    clips = [adapt(c, mean, std, match) for c in video_clips(video, video.name)]
    write_manifest(out, [write_shard(out / "shard-00000.safetensors", clips)], FPS,
                   source="videos")
    return out


def held_out_r(checkpoint: Path, video: Path, seeds: list[int]) -> list[float]:
    pipe = TalkingFacePipeline.from_pretrained(checkpoint)
    return [round(evaluate_video(pipe, video, PORTRAIT, seed=s, references=False)["r"], 4)
            for s in seeds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="an empty folder")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--match", action="store_true")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()

    shipped = load_pretrained(SHIPPED)
    mean, std = shipped.motion_mean.numpy(), shipped.motion_std.numpy()
    videos = find_videos(args.videos)
    corpora = [video_corpus(v, args.work / "corpus" / v.stem, mean, std, args.match)
               for v in videos]
    report = []
    for i, video in enumerate(videos):
        out = args.work / f"tuned-{video.stem}"
        others = os.pathsep.join(str(c) for j, c in enumerate(corpora) if j != i)
        losses = train(TrainConfig(corpus=others, out=str(out), init=str(SHIPPED),
                                   steps=args.steps, batch=16, lr=args.lr, warmup=20,
                                   ema_decay=0.99, save_every=args.steps))
        report.append({"video": video.name,
                       "loss_first_last": [float(np.mean([r["loss"] for r in part]))
                                           for part in (losses[:20], losses[-20:])],
                       "shipped_r": held_out_r(SHIPPED, video, args.seeds),
                       "tuned_r": held_out_r(out, video, args.seeds)})
    means = {k: float(np.mean([r[k] for r in report])) for k in ("shipped_r", "tuned_r")}
    print(json.dumps({"videos": report, "mean": means}, indent=2))


if __name__ == "__main__":
    main()
