"""`vasa animate` and `vasa analyze`: drive a portrait with a motion, read a portrait's
latent or a video's motion.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..grid import FPS
from .common import positive_float
from .options import add_render_options


def add_animate(commands) -> None:
    p = commands.add_parser(
        "animate", help="render a portrait moving through a motion (default: a latent tour)",
        description="Render a portrait driven by a motion: by default a scripted tour of "
                    "every latent dimension (each expression, gaze, head turns, distance), "
                    "or the motion in an ARKit / Live Link Face CSV.")
    p.add_argument("--image", type=Path, metavar="PATH",
                   help="portrait image (default: the built-in example photo of Grace Hopper)")
    p.add_argument("--out", type=Path, default=Path("tour.mp4"), metavar="MP4",
                   help="output mp4 (default: %(default)s)")
    p.add_argument("--motion", type=Path, metavar="CSV",
                   help="motion CSV (ARKit / Live Link Face layout, as written by "
                        "`vasa analyze --video`) instead of the tour")
    add_render_options(p)
    p.add_argument("--fps", type=positive_float,
                   help="frame rate (default: 25 for the tour, the CSV's own rate for --motion)")
    p.add_argument("--seconds-per-move", type=positive_float, default=1.2, metavar="S",
                   help="duration of each tour move (default: %(default)s)")
    p.set_defaults(run=_animate)


def add_analyze(commands) -> None:
    p = commands.add_parser(
        "analyze", help="read the latent of a portrait, or the motion of a video",
        description="With --image: print the portrait's head pose, its non-zero expression "
                    "coefficients and gaze. With --video: write the video's motion, frame by "
                    "frame, as an ARKit / Live Link Face CSV.")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--image", type=Path, metavar="PATH",
                        help="portrait image (default: the example)")
    source.add_argument("--video", type=Path, metavar="PATH", help="video of a face (needs --out)")
    p.add_argument("--out", type=Path, metavar="CSV", help="motion CSV to write for --video")
    p.add_argument("--json", action="store_true",
                   help="print JSON (all coefficients) instead of a table")
    p.set_defaults(run=_analyze)


def _animate(args: argparse.Namespace) -> int:
    from ..io.arkit import motion_from_csv
    from ..io.examples import example_portrait_path
    from ..animate.tour import tour_motion
    from ..io.media import load_image, write_video
    from ..provenance.stamp import stamped

    image_path = args.image or example_portrait_path()
    image = load_image(image_path)
    motion = motion_from_csv(args.motion, fps=args.fps) if args.motion else None
    from ..face import analyze_image
    from ..render import Renderer

    latent = analyze_image(image)
    if motion is None:
        motion = tour_motion(latent.motion0(), fps=args.fps or FPS,
                             seconds_per_move=args.seconds_per_move)
    print(f"rendering {len(motion)} frames ({motion.duration:.1f} s at {motion.fps:g} fps) "
          f"of {image_path}", file=sys.stderr)
    batches = Renderer(latent, size=args.size, crop=args.crop).render_iter(motion)
    print(write_video(args.out, stamped(batches, args.mark), motion.fps))
    return 0


def _analyze(args: argparse.Namespace) -> int:
    if args.video is not None:
        return _analyze_video(args)
    from ..io.examples import example_portrait_path
    from ..io.media import load_image

    image_path = args.image or example_portrait_path()
    image = load_image(image_path)
    from ..face import analyze_image

    report = _latent_report(analyze_image(image), image_path)
    print(json.dumps(report, indent=2) if args.json else _format_report(report))
    return 0


def _analyze_video(args: argparse.Namespace) -> int:
    if args.out is None:
        raise ValueError("analyze --video needs --out FILE.csv for the motion")
    from ..io.arkit import motion_to_csv
    from ..face import analyze_video

    motion = analyze_video(args.video)
    print(f"{len(motion)} frames at {motion.fps:g} fps", file=sys.stderr)
    print(motion_to_csv(motion, args.out))
    return 0


def _latent_report(latent, image_path) -> dict:
    """JSON-ready summary: pose, every expression coefficient and gaze of a FaceLatent."""
    from ..latent import EXPRESSION_NAMES, GAZE_NAMES, POSE_NAMES

    height, width = latent.size
    pose = latent.pose0.to_array()
    return {
        "image": str(image_path), "width": width, "height": height,
        "pose": {n: round(float(v), 4) for n, v in zip(POSE_NAMES, pose)},
        "expression": {n: round(float(v), 4)
                       for n, v in zip(EXPRESSION_NAMES, latent.expression0)},
        "gaze": {n: round(float(v), 4) for n, v in zip(GAZE_NAMES, latent.gaze0)},
    }


def _format_report(report: dict) -> str:
    """Human-readable table of a `_latent_report`; expression rows only where non-zero."""
    from ..latent import UNITS

    lines = [f"portrait    {report['image']} ({report['width']}x{report['height']})", "pose"]
    lines += [f"  {n:<22}{v:+9.3f}  {UNITS[n]}" for n, v in report["pose"].items()]
    lines.append("gaze")
    lines += [f"  {n:<22}{v:+9.3f}  {UNITS[n]}" for n, v in report["gaze"].items()]
    active = {n: v for n, v in report["expression"].items() if abs(v) >= 0.005}
    lines.append("expression (non-zero)" if active else "expression  (all zero: neutral)")
    lines += [f"  {n:<22}{v:9.3f}" for n, v in active.items()]
    return "\n".join(lines)
