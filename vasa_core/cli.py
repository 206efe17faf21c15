"""The `vasa` command line: a thin layer over the package's functions.

    vasa animate [--image P] [--out tour.mp4] [--motion motion.csv] [--size 512] ...
    vasa analyze [--image P | --video V --out motion.csv] [--json]
    vasa generate --audio A [--image P] [--out talk.mp4] [generation options] [--size --crop]
    vasa motion --audio A --out motion.csv [--image P] [generation options]
    vasa corpus build --hours H --out DIR [--seed S] [--workers N]
    vasa corpus extract --videos DIR --out DIR [--max-seconds S] [--shard-seconds S]
    vasa train ...   (forwarded to vasa_core.train)

Bad input (a missing or corrupt file, no face found, a malformed CSV) is a ValueError
anywhere in the package; it is printed as `error: ...` and the exit status is 2.
The face analyzer and renderer are imported only when a command needs them, so `--help`
is instant.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path
from typing import Callable

from . import __version__

_EPILOG = """examples:
  vasa animate --out tour.mp4                  tour of the latent space on the example portrait
  vasa animate --image me.jpg --motion m.csv   drive a portrait with an ARKit/Live Link CSV
  vasa analyze --image me.jpg                  print the portrait's pose, expression and gaze
  vasa analyze --video talk.mp4 --out m.csv    extract a video's motion as a Live Link CSV
  vasa eval --videos DIR                       lip sync etc. against real talking videos
  vasa eval --controls --audio hi.wav          do gaze, distance, emotion, cfg_audio work?
  vasa generate --image me.jpg --audio hi.wav --out talk.mp4 --emotion happy
                                               a talking-face video with its sound
  vasa motion --audio hi.wav --out m.csv       speech-driven motion for a 3-D avatar
"""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 broken installation, 2 bad input)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if argv[:1] == ["train"]:  # its own parser lives in vasa_core.train
        return _guarded(partial(_train, argv[1:]))
    args = parser.parse_args(argv)
    if args.command is None or getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    return _guarded(partial(args.run, args))


def _guarded(run: Callable[[], int]) -> int:
    """Run a command, mapping bad input to `error: ...` and exit status 2."""
    try:
        return run()
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ImportError as err:
        print(f"error: a component of vasa_core could not be imported ({err}); "
              "is the package installed with its dependencies (make .venv)?", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vasa", epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Animate a single portrait: an explicit face latent (head pose, named\n"
                    "ARKit expressions, gaze) read by MediaPipe, and a warping renderer.\n"
                    "Every output is marked as AI-generated.")
    parser.add_argument("--version", action="version", version=f"vasa_core {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_animate(commands)
    _add_analyze(commands)
    _add_generate(commands)
    _add_motion(commands)
    _add_corpus(commands)
    _add_train(commands)
    _add_eval(commands)
    return parser


def _add_eval(commands) -> None:
    p = commands.add_parser(
        "eval", help="lip sync, head motion, blinks and controls, measured on pixels",
        description="--videos: for each real talking video, drive a portrait with its audio, "
                    "re-read both videos with the face analyzer and print JSON: lip-sync r "
                    "and AV offset, dP (deg/frame), blinks per minute, window-join jitter. "
                    "--audio: the rendered mouth against each clip's loudness. --controls "
                    "--audio A: gaze, distance, emotion and cfg_audio commands rendered with "
                    "the first audio and re-read (vasa_core.eval.controls).")
    p.add_argument("--videos", type=Path, metavar="DIR", help="folder of .mp4")
    p.add_argument("--audio", type=Path, nargs="+", metavar="PATH",
                   help="speech clips (with --controls: the first drives every command)")
    p.add_argument("--controls", action="store_true",
                   help="measure whether gaze, distance, emotion and cfg_audio do what they say")
    p.add_argument("--portrait", type=Path, metavar="PATH",
                   help="portrait to drive (default: the built-in example)")
    p.add_argument("--checkpoint", type=Path, metavar="DIR", help="motion checkpoint")
    p.add_argument("--seconds", type=float, default=None,
                   help="at most this much of each clip (default: 30; 4 with --controls)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=_eval)


def _add_animate(commands) -> None:
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
    _add_render_options(p)
    p.add_argument("--fps", type=_positive_float,
                   help="frame rate (default: 25 for the tour, the CSV's own rate for --motion)")
    p.add_argument("--seconds-per-move", type=_positive_float, default=1.2, metavar="S",
                   help="duration of each tour move (default: %(default)s)")
    p.set_defaults(run=_animate)


def _add_render_options(p: argparse.ArgumentParser) -> None:
    """--size, --crop and --no-mark, shared by the commands that write video."""
    p.add_argument("--size", type=_positive_int, default=512, metavar="PX",
                   help="output side in pixels for --crop face (default: %(default)s)")
    p.add_argument("--crop", choices=("face", "full"), default="face",
                   help="'face': square crop around the head; 'full': the whole portrait "
                        "(default: %(default)s)")
    p.add_argument("--no-mark", action="store_true",
                   help="leave out the visible 'AI-generated' label (the metadata tag stays)")


def _add_analyze(commands) -> None:
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


def _add_generate(commands) -> None:
    p = commands.add_parser(
        "generate", help="a talking-face video of a portrait speaking an audio clip",
        description="Animate a portrait with motion generated from speech (head pose, lips, "
                    "expressions, gaze) and write an mp4 with the sound.")
    p.add_argument("--image", type=Path, metavar="PATH",
                   help="portrait image (default: the built-in example photo of Grace Hopper)")
    p.add_argument("--audio", type=Path, required=True, metavar="PATH",
                   help="speech: wav, mp3, m4a, ogg, flac, or a video's sound track")
    p.add_argument("--out", type=Path, default=Path("talk.mp4"), metavar="MP4",
                   help="output mp4 (default: %(default)s)")
    _add_generation_options(p)
    _add_render_options(p)
    p.set_defaults(run=_generate)


def _add_motion(commands) -> None:
    p = commands.add_parser(
        "motion", help="speech-driven motion as an ARKit / Live Link Face CSV",
        description="Generate head pose, expressions and gaze from speech and write them as "
                    "an ARKit / Live Link Face CSV (for 3-D avatars, or `vasa animate "
                    "--motion`). Without --image the motion is in the model's own frame.")
    p.add_argument("--audio", type=Path, required=True, metavar="PATH", help="speech file")
    p.add_argument("--out", type=Path, required=True, metavar="CSV", help="motion CSV to write")
    p.add_argument("--image", type=Path, metavar="PATH",
                   help="retarget the motion onto this portrait's own pose and expression")
    _add_generation_options(p)
    p.set_defaults(run=_motion)


def _add_generation_options(p: argparse.ArgumentParser) -> None:
    """The options `generate` and `motion` share: checkpoint, controls and sampling."""
    from .pipeline import (DEFAULT_BLINK_RATE, DEFAULT_CFG_AUDIO, DEFAULT_CFG_CONTROL,
                           DEFAULT_STEPS)

    p.add_argument("--checkpoint", type=Path, metavar="DIR",
                   help="motion checkpoint directory (default: checkpoints/vasa-motion-s)")
    p.add_argument("--emotion", metavar="NAME",
                   help="neutral, happy, sad, surprised, fearful, disgusted, angry or contempt "
                        "(default: whatever the voice suggests)")
    p.add_argument("--emotion-strength", type=float, default=1.0, metavar="S",
                   help="scale of the emotion (default: %(default)s)")
    p.add_argument("--gaze", type=float, nargs=2, metavar=("YAW", "PITCH"),
                   help="main gaze in degrees, > 0 towards the image's right / up "
                        "(default: the portrait's own)")
    p.add_argument("--distance", type=float, metavar="D",
                   help="head distance as a log-scale offset from the portrait's own; "
                        "+0.1 is a face about 10%% larger (default: the model's choice)")
    p.add_argument("--head-motion", type=float, default=1.0, metavar="S",
                   help="scale of the head movement, 0 keeps the portrait's pose "
                        "(default: %(default)s)")
    p.add_argument("--steps", type=_positive_int, default=DEFAULT_STEPS,
                   help="sampler steps (default: %(default)s)")
    p.add_argument("--blink-rate", type=float, default=DEFAULT_BLINK_RATE, metavar="N",
                   help="blinks per minute, the model's own included; 0 adds none "
                        "(default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default: %(default)s)")
    p.add_argument("--cfg-audio", type=float, default=DEFAULT_CFG_AUDIO, metavar="S",
                   help="guidance scale of the audio (default: %(default)s)")
    p.add_argument("--cfg-control", type=float, default=DEFAULT_CFG_CONTROL, metavar="S",
                   help="guidance scale of gaze, distance and emotion (default: %(default)s)")


def _add_corpus(commands) -> None:
    p = commands.add_parser("corpus", help="build the training corpus (synthetic or from videos)",
                            description="Build the speech + motion corpus that the motion "
                                        "generator is trained on: synthetic (build) or from "
                                        "real talking-face videos (extract).")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    build = actions.add_parser("build", help="write about HOURS of clips to DIR")
    build.add_argument("--hours", type=_positive_float, required=True, metavar="H")
    build.add_argument("--out", type=Path, required=True, metavar="DIR")
    build.add_argument("--seed", type=int, default=0, help="(default: %(default)s)")
    build.add_argument("--workers", type=_positive_int, default=1,
                       help="processes building shards side by side (default: %(default)s)")
    build.add_argument("--festival", type=float, default=0.0, metavar="SHARE",
                       help="share of the speech spoken by installed Festival voices "
                            "(Debian's festival + festvox-*: real speakers' recordings); "
                            "0..1 (default: %(default)s)")
    build.set_defaults(run=_corpus_build)
    extract = actions.add_parser(
        "extract", help="turn a folder of real talking-face videos into shards in DIR",
        description="Read every video under --videos (mp4, mov, webm, mkv, avi; recursive): "
                    "face motion at 25 fps and 16 kHz sound, one clip per stretch with a "
                    "face, written in the synthetic corpus' layout so `vasa train --corpus "
                    "DIR` trains on it. Unusable files are skipped and listed.")
    extract.add_argument("--videos", type=Path, required=True, metavar="DIR")
    extract.add_argument("--out", type=Path, required=True, metavar="DIR")
    extract.add_argument("--max-seconds", type=_positive_float, default=600.0, metavar="S",
                         help="read at most this much of each video (default: %(default)s)")
    extract.add_argument("--shard-seconds", type=_positive_float, default=300.0, metavar="S",
                         help="audio per shard file (default: %(default)s)")
    extract.set_defaults(run=_corpus_extract)


def _add_train(commands) -> None:
    commands.add_parser("train", add_help=False, help="train the motion generator "
                        "(options: `vasa train --help`)")


def _generate(args: argparse.Namespace) -> int:
    from .examples import example_portrait_path

    image = args.image or example_portrait_path()
    pipe = _pipeline(args.checkpoint)
    output = pipe(image, args.audio, **_generation_options(args), size=args.size,
                  crop=args.crop, mark=not args.no_mark)
    print(f"rendered {len(output.frames)} frames ({len(output.frames) / output.fps:.1f} s) "
          f"of {image}", file=sys.stderr)
    print(output.save(args.out))
    return 0


def _motion(args: argparse.Namespace) -> int:
    from .arkit import motion_to_csv

    motion = _pipeline(args.checkpoint).motion(args.audio, image=args.image,
                                               **_generation_options(args))
    print(f"{len(motion)} frames at {motion.fps:g} fps", file=sys.stderr)
    print(motion_to_csv(motion, args.out))
    return 0


def _pipeline(checkpoint: Path | None):
    from .pipeline import TalkingFacePipeline

    return TalkingFacePipeline.from_pretrained(checkpoint)


def _generation_options(args: argparse.Namespace) -> dict:
    """The pipeline's keyword arguments from the shared options."""
    return dict(gaze=args.gaze, distance=args.distance, emotion=args.emotion,
                emotion_strength=args.emotion_strength, head_motion=args.head_motion,
                steps=args.steps, cfg_audio=args.cfg_audio, cfg_control=args.cfg_control,
                seed=args.seed, blink_rate=args.blink_rate)


def _eval(args: argparse.Namespace) -> int:
    from .eval import evaluate_controls, evaluate_speech, evaluate_video
    from .examples import example_portrait_path

    if args.controls and not args.audio:
        raise ValueError("--controls needs --audio PATH (the speech that drives every command)")
    if args.controls and args.videos is not None:
        raise ValueError("--controls and --videos are separate runs; give one of them")
    if args.videos is None and not args.audio:
        raise ValueError("give --videos DIR, --audio PATH ... or --controls --audio PATH")
    videos = []
    if args.videos is not None:
        videos = sorted(args.videos.glob("*.mp4")) if args.videos.is_dir() else []
        if not videos:
            raise ValueError(f"no .mp4 videos in {args.videos}")
    pipe = _pipeline(args.checkpoint)
    portrait = str(args.portrait or example_portrait_path())
    if args.controls:
        report = evaluate_controls(pipe, portrait, args.audio[0], seed=args.seed,
                                   seconds=args.seconds or 4.0)
        print(json.dumps(report, indent=2))
        return 0
    seconds = args.seconds or 30.0
    reports = [evaluate_video(pipe, v, portrait, seed=args.seed, max_seconds=seconds)
               for v in videos]
    reports += [evaluate_speech(pipe, a, portrait, seed=args.seed, max_seconds=seconds)
                for a in args.audio or []]
    print(json.dumps(reports, indent=2))
    return 0


def _corpus_build(args: argparse.Namespace) -> int:
    from .data.corpus import build_corpus

    manifest = build_corpus(args.out, args.hours, seed=args.seed, workers=args.workers,
                            festival=args.festival)
    print(f"{manifest['clips']} clips, {manifest['seconds'] / 3600:.2f} h in {args.out}",
          file=sys.stderr)
    print(args.out)
    return 0


def _corpus_extract(args: argparse.Namespace) -> int:
    from .data.extract import ExtractConfig, extract_corpus

    config = ExtractConfig(max_seconds=args.max_seconds, shard_seconds=args.shard_seconds)
    manifest = extract_corpus(args.videos, args.out, config)
    print(f"{manifest['clips']} clips, {manifest['seconds'] / 3600:.2f} h from "
          f"{manifest['videos']} videos, {len(manifest['skipped'])} skipped, in {args.out}",
          file=sys.stderr)
    if not manifest["clips"]:
        raise ValueError(f"no clip could be extracted from {args.videos} (reasons above)")
    print(args.out)
    return 0


def _train(argv: list[str]) -> int:
    try:
        from . import train
    except ModuleNotFoundError as err:
        if err.name != "vasa_core.train":
            raise
        raise ValueError("vasa_core.train is not part of this installation yet; "
                         "training is not available") from err
    status = train.main(argv)
    return 0 if status is None else int(status)


def _animate(args: argparse.Namespace) -> int:
    from .arkit import motion_from_csv
    from .examples import example_portrait_path
    from .mark import add_visible_mark
    from .media import load_image, write_video
    from .tour import tour_motion

    image_path = args.image or example_portrait_path()
    image = load_image(image_path)
    motion = motion_from_csv(args.motion, fps=args.fps) if args.motion else None
    from .face import analyze_image
    from .render import Renderer

    latent = analyze_image(image)
    if motion is None:
        motion = tour_motion(latent.motion0(), fps=args.fps or 25.0,
                             seconds_per_move=args.seconds_per_move)
    print(f"rendering {len(motion)} frames ({motion.duration:.1f} s at {motion.fps:g} fps) "
          f"of {image_path}", file=sys.stderr)
    batches = Renderer(latent, size=args.size, crop=args.crop).render_iter(motion)
    if not args.no_mark:
        batches = (add_visible_mark(batch) for batch in batches)
    print(write_video(args.out, batches, motion.fps))
    return 0


def _analyze(args: argparse.Namespace) -> int:
    if args.video is not None:
        return _analyze_video(args)
    from .examples import example_portrait_path
    from .media import load_image

    image_path = args.image or example_portrait_path()
    image = load_image(image_path)
    from .face import analyze_image

    report = _latent_report(analyze_image(image), image_path)
    print(json.dumps(report, indent=2) if args.json else _format_report(report))
    return 0


def _analyze_video(args: argparse.Namespace) -> int:
    if args.out is None:
        raise ValueError("analyze --video needs --out FILE.csv for the motion")
    from .arkit import motion_to_csv
    from .face import analyze_video

    motion = analyze_video(args.video)
    print(f"{len(motion)} frames at {motion.fps:g} fps", file=sys.stderr)
    print(motion_to_csv(motion, args.out))
    return 0


def _latent_report(latent, image_path) -> dict:
    """JSON-ready summary: pose, every expression coefficient and gaze of a FaceLatent."""
    from .latent import EXPRESSION_NAMES, GAZE_NAMES, POSE_NAMES

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
    from .latent import UNITS

    lines = [f"portrait    {report['image']} ({report['width']}x{report['height']})", "pose"]
    lines += [f"  {n:<22}{v:+9.3f}  {UNITS[n]}" for n, v in report["pose"].items()]
    lines.append("gaze")
    lines += [f"  {n:<22}{v:+9.3f}  {UNITS[n]}" for n, v in report["gaze"].items()]
    active = {n: v for n, v in report["expression"].items() if abs(v) >= 0.005}
    lines.append("expression (non-zero)" if active else "expression  (all zero: neutral)")
    lines += [f"  {n:<22}{v:9.3f}" for n, v in active.items()]
    return "\n".join(lines)


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value
