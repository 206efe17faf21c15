"""End to end: portrait + 10 s of speech from files -> finished mp4 at 512, as JSON.

    python benchmarks/end_to_end.py [--seconds 10] [--size 512] [--steps N]
                                    [--checkpoint DIR] [--image P] [--runs 1]

The same measurement as `vasa bench` (`vasa_core.eval.bench.end_to_end`; its docstring lists
the timed stages). With --runs N the pipeline is loaded once and the clip generated N
times; every run is printed, then the median wall time. The first run includes the face
analyzer's first use (MediaPipe start-up); later runs analyse the portrait again too
(the pipeline's cache is cleared), so they differ only by warm caches.
"""
from __future__ import annotations

import argparse
import json
import statistics

from vasa_core.eval.bench import end_to_end
from vasa_core.pipeline import TalkingFacePipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--checkpoint")
    parser.add_argument("--image")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    pipe = TalkingFacePipeline.from_pretrained(args.checkpoint)
    reports = []
    for _ in range(args.runs):
        pipe._face_cache.clear()  # every run analyses the portrait, as a fresh call would
        reports.append(end_to_end(pipe, args.image, seconds=args.seconds, size=args.size,
                                  steps=args.steps))
        print(json.dumps(reports[-1]))
    if len(reports) > 1:
        walls = [r["wall_s"] for r in reports]
        print(json.dumps({"median_wall_s": statistics.median(walls),
                          "median_realtime_factor": round(
                              reports[0]["seconds_of_audio"] / statistics.median(walls), 3)}))


if __name__ == "__main__":
    main()
