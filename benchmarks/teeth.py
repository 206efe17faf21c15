"""Do our open mouths look like real ones? Teeth statistics of real and generated frames.

    python -m benchmarks.teeth [--videos ../shared/assets/videos] [--json out.json]

Method. In every frame whose mouth is open (MediaPipe's inner-lip gap over the outer eye
corners' distance >= OPEN), take the pixels inside the inner-lip contour; the "teeth" are
the brightest TEETH_SHARE of them. Per frame: their median luminance (HSV value) over the
median luminance of the cheeks (the skin beside the nose), and their median saturation
(HSV, 0-255). Real: every frame of every real talking video. Generated: every portrait at
hand rendered with its jaw at 0.6 and 1.0 (lips apart), so the interior fades in fully.
Printed per clip and per portrait, with the real range (5th-95th percentile over all real
open-mouth frames) that generated frames should fall inside.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from vasa_core.eval.metrics import opening_ratio
from vasa_core.face import topology as T
from vasa_core.face.analyze import default_detector
from vasa_core.io.examples import example_portrait_path, shared_assets_dir, shared_portraits
from vasa_core.io.media import find_videos, iter_video

OPEN = 0.12  # inner-lip gap / eye-corner distance of an open mouth
TEETH_SHARE = 0.25  # brightest share of the opening's pixels taken as teeth
CHEEKS = (50, 280, 101, 330, 205, 425)  # face-mesh points on both cheeks
INNER = list(T.LIPS_INNER)


def teeth_stats(frame: np.ndarray, pts: np.ndarray) -> tuple[float, float] | None:
    """(teeth luminance / cheek luminance, teeth saturation) of an open mouth, or None."""
    if opening_ratio(pts) < OPEN:
        return None
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [pts[INNER].round().astype(np.int32)], 1)
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
    inside = hsv[mask.astype(bool)].astype(np.float32)
    if len(inside) < 30:
        return None
    teeth = inside[inside[:, 2] >= np.quantile(inside[:, 2], 1 - TEETH_SHARE)]
    h, w = frame.shape[:2]
    xy = np.clip(pts[list(CHEEKS)].round().astype(int), 0, [w - 1, h - 1])
    cheeks = np.median(hsv[xy[:, 1], xy[:, 0], 2].astype(np.float32))
    return float(np.median(teeth[:, 2]) / max(cheeks, 1.0)), float(np.median(teeth[:, 1]))


def real_stats(video: Path, detector) -> list[tuple[float, float]]:
    detector.reset()
    frames, _ = iter_video(video)
    out = []
    for frame in frames:
        det = detector.detect(frame, retry=False)
        if det is not None and (s := teeth_stats(frame, det.landmarks[:, :2])) is not None:
            out.append(s)
    return out


def generated_stats(image: Path, detector) -> list[tuple[float, float]]:
    from vasa_core.face import analyze_image
    from vasa_core.latent import Motion
    from vasa_core.render import Renderer

    latent = analyze_image(image)
    m0 = latent.motion0()
    motion = Motion.concat([m0.set("jawOpen", j).set("mouthClose", 0.0) for j in (0.6, 1.0)])
    out = []
    for frame in Renderer(latent, size=512).render(motion):
        det = detector.detect(frame, retry=True)
        if det is not None and (s := teeth_stats(frame, det.landmarks[:, :2])) is not None:
            out.append(s)
    return out


def summary(stats: list[tuple[float, float]]) -> dict:
    a = np.asarray(stats)
    if not len(a):
        return {"frames": 0}
    return {"frames": len(a), "luma_ratio": round(float(np.median(a[:, 0])), 3),
            "saturation": round(float(np.median(a[:, 1])), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    assets = shared_assets_dir()
    ap.add_argument("--videos", type=Path, default=assets / "videos" if assets else None)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    static, tracking = default_detector(static=True), default_detector(static=False)
    real = {v.name: real_stats(v, tracking) for v in find_videos(args.videos)}
    pooled = np.asarray([s for stats in real.values() for s in stats])
    lo, hi = np.percentile(pooled, [5, 95], axis=0)
    report = {"real_range": {"luma_ratio": [round(lo[0], 3), round(hi[0], 3)],
                             "saturation": [round(lo[1], 1), round(hi[1], 1)]},
              "real": {k: summary(v) for k, v in real.items()},
              "generated": {Path(p).name: summary(generated_stats(Path(p), static))
                            for p in [example_portrait_path(), *shared_portraits()]}}
    for k, v in report["generated"].items():
        v["inside"] = bool(v.get("frames") and lo[0] <= v["luma_ratio"] <= hi[0]
                           and lo[1] <= v["saturation"] <= hi[1])
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
