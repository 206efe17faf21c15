"""The `vasa` command line: a thin layer over the package's functions.

    vasa animate [--image P] [--out tour.mp4] [--motion motion.csv] [--size 512] ...
    vasa analyze [--image P | --video V --out motion.csv] [--json]
    vasa generate --audio A [--image P] [--out talk.mp4] [generation options] [--size --crop]
    vasa generate --manifest M.csv|M.jsonl --out-dir DIR [generation options]   (batch)
    vasa stream --audio A [--image P] --out live.mp4 | --frames-dir DIR [--as-fast-as-possible]
    vasa bench [--seconds 10] [--size 512] [--json]
    vasa motion --audio A --out motion.csv [--image P] [generation options]
    vasa detect VIDEO... [--json] [--frames N]
    vasa corpus build --hours H --out DIR [--seed S] [--workers N]
    vasa corpus extract --videos DIR --out DIR [--max-seconds S] [--shard-seconds S]
    vasa train ...   (forwarded to vasa_core.train)

Bad input (a missing or corrupt file, no face found, a malformed CSV) is a ValueError
anywhere in the package; it is printed as `error: ...` and the exit status is 2. A batch
(`generate --manifest`) reports failing rows and goes on; its status is 1 when any row
failed (see _EXIT_STATUS).
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
  vasa detect clip.mp4                         was this video made by vasa_core?
  vasa generate --manifest jobs.csv --out-dir videos/
                                               one video per manifest row (batch)
  accelerate launch -m vasa_core.cli generate --manifest jobs.csv --out-dir videos/
                                               the same batch split across processes / GPUs
  vasa stream --audio hi.wav --out live.mp4    real-time streaming into a growing mp4
  vasa bench --json                            seconds and real-time factor of a 10 s clip
"""
_EXIT_STATUS = """
exit status:
  0  success
  1  partial failure: some manifest rows of a batch failed (the others were written),
     or a broken installation
  2  bad input or usage: a missing or corrupt file, no face found, a bad option value,
     an unreadable manifest
  130 interrupted (Ctrl-C)
"""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 some batch rows failed or a broken
    installation, 2 bad input or usage)."""
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
        prog="vasa", epilog=_EPILOG + _EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Animate a single portrait: an explicit face latent (head pose, named\n"
                    "ARKit expressions, gaze) read by MediaPipe, and a warping renderer.\n"
                    "Every output is marked as AI-generated.")
    parser.add_argument("--version", action="version", version=f"vasa_core {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_animate(commands)
    _add_analyze(commands)
    _add_generate(commands)
    _add_motion(commands)
    _add_stream(commands)
    _add_bench(commands)
    _add_corpus(commands)
    _add_train(commands)
    _add_eval(commands)
    _add_detect(commands)
    return parser


def _add_detect(commands) -> None:
    p = commands.add_parser(
        "detect", help="tell whether videos carry vasa_core's invisible watermark",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Look for the invisible watermark that every vasa_core output carries "
                    "(it survives an H.264\nre-encode and resizing, not cropping) in frames "
                    "spread over each video, and report\nthe AI-generated metadata tag too "
                    "(informative only: it is easily stripped or forged).\n"
                    "The score is ~N(0, 1) for videos we did not make; the watermark is "
                    "found at >= 6.\n\n"
                    "exit status: 0 the watermark was found (in every file), 1 not found (in "
                    "at least one),\n2 a file could not be read; with several files, the "
                    "worst of these (2 > 1 > 0).")
    p.add_argument("videos", type=Path, nargs="+", metavar="VIDEO", help="video files")
    p.add_argument("--json", action="store_true", help="print one JSON object per file")
    p.add_argument("--frames", type=_positive_int, default=50, metavar="N",
                   help="frames to read, spread over each video (default: %(default)s)")
    p.set_defaults(run=_detect)


def _detect(args: argparse.Namespace) -> int:
    from .watermark import THRESHOLD, detect_video

    status = 0
    for path in args.videos:
        try:
            found = detect_video(path, max_frames=args.frames)
        except ValueError as err:
            if args.json:
                print(json.dumps({"path": str(path), "error": str(err)}))
            else:
                print(f"error: {err}", file=sys.stderr)
            status = 2
            continue
        if args.json:
            print(json.dumps(found.to_dict()))
        else:
            verdict = "made by vasa_core" if found.found else "no vasa_core watermark"
            tag = "AI-generated tag present" if found.metadata_tag else "no metadata tag"
            print(f"{path}: {verdict} (score {found.score:.1f}, threshold {THRESHOLD:g}, "
                  f"{found.frames_read} frames; {tag})")
        status = max(status, 0 if found.found else 1)
    return status


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


_GENERATE_EPILOG = """examples:
  vasa generate --image me.jpg --audio hi.wav --out talk.mp4 --emotion happy --seed 3
  vasa generate --manifest jobs.csv --out-dir videos/ --size 384
  accelerate launch -m vasa_core.cli generate --manifest jobs.jsonl --out-dir videos/

manifest (CSV with a header, or JSON Lines: one object per line):
  image,audio,out,emotion,seed
  alice.jpg,hello.wav,alice.mp4,happy,1
  bob.png,speech/intro.mp3,,,2
  Required: image, audio (relative to the manifest's folder). Optional: out (relative to
  --out-dir; default <audio name>.mp4) and per-row emotion, emotion_strength, gaze_yaw,
  gaze_pitch, distance, head_motion, steps, seed, blink_rate, cfg_audio, cfg_control,
  size, crop, mark; an empty cell takes the command line's value. Written paths are
  printed on stdout, failing rows on stderr.

exit status: 0 every video written; 1 some rows failed (the others are written);
2 bad input (single mode) or an unreadable manifest (batch).
"""


def _add_generate(commands) -> None:
    p = commands.add_parser(
        "generate", help="a talking-face video of a portrait speaking an audio clip (or a "
                         "batch from a manifest)",
        epilog=_GENERATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Animate a portrait with motion generated from speech (head pose, lips, "
                    "expressions, gaze) and write an mp4 with the sound. With --manifest, "
                    "one video per row; under `accelerate launch` the rows are split "
                    "between the processes, each on its own device.")
    p.add_argument("--image", type=Path, metavar="PATH",
                   help="portrait image (default: the built-in example photo of Grace Hopper)")
    p.add_argument("--audio", type=Path, metavar="PATH",
                   help="speech: wav, mp3, m4a, ogg, flac, or a video's sound track "
                        "(required without --manifest)")
    p.add_argument("--out", type=Path, default=Path("talk.mp4"), metavar="MP4",
                   help="output mp4 (default: %(default)s)")
    p.add_argument("--manifest", type=Path, metavar="CSV|JSONL",
                   help="batch mode: a manifest of image, audio [, out, options] rows")
    p.add_argument("--out-dir", type=Path, metavar="DIR",
                   help="batch mode: folder for the videos (required with --manifest)")
    p.add_argument("--no-progress", action="store_true",
                   help="batch mode: no progress bar")
    _add_generation_options(p)
    _add_render_options(p)
    p.set_defaults(run=_generate)


def _add_stream(commands) -> None:
    p = commands.add_parser(
        "stream", help="stream a talking face in real time into a growing mp4 or PNG frames",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Feed an audio file to the streaming pipeline in small chunks, paced as "
                    "a microphone delivers them (or as fast as possible), and write the frames "
                    "as they come: a fragmented mp4 with its sound that players can open while "
                    "it grows, and/or numbered PNG frames. Prints the first-frame latency and "
                    "the real-time factor on stderr.",
        epilog="examples:\n"
               "  vasa stream --image me.jpg --audio hi.wav --out live.mp4\n"
               "  vasa stream --audio hi.wav --frames-dir frames/ --as-fast-as-possible --json\n"
               "  ffplay live.mp4                                (while it is being written)\n\n"
               "real-time factor = audio seconds / wall seconds: paced streams stay near 1; "
               "'compute' is the\ntime not spent waiting for audio per second of audio "
               "(< 1 keeps up with a live source).")
    p.add_argument("--image", type=Path, metavar="PATH",
                   help="portrait image (default: the built-in example photo of Grace Hopper)")
    p.add_argument("--audio", type=Path, required=True, metavar="PATH",
                   help="speech file, read chunk by chunk")
    p.add_argument("--out", type=Path, metavar="MP4",
                   help="fragmented mp4 (H.264 + AAC) written as the frames come")
    p.add_argument("--frames-dir", type=Path, metavar="DIR",
                   help="write frame_000000.png, ... to DIR as the frames come")
    p.add_argument("--as-fast-as-possible", action="store_true",
                   help="do not pace the audio at real time")
    p.add_argument("--chunk-ms", type=_positive_float, default=20.0, metavar="MS",
                   help="audio chunk length (default: %(default)s)")
    p.add_argument("--hop", type=_positive_int, metavar="N",
                   help="frames per streamed window (default: the pipeline's STREAM_HOP)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    _add_generation_options(p, steps=None)
    _add_render_options(p)
    p.set_defaults(run=_stream)


def _add_bench(commands) -> None:
    p = commands.add_parser(
        "bench", help="end-to-end speed: a 10 s clip at 512 from files to mp4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Generate a clip from files (the example portrait, or --image, and "
                    "SECONDS of speech: a shared speech recording when present, else eSpeak "
                    "NG) including the mp4 encoding, and report the wall time, the real-time "
                    "factor (audio seconds / wall seconds) and the time per stage (audio "
                    "load, face analysis, motion, rendering, encoding). Model loading is "
                    "reported apart.",
        epilog="examples:\n  vasa bench\n  vasa bench --json --size 256 --steps 4\n"
               "  python benchmarks/end_to_end.py          (the same measurement)")
    p.add_argument("--image", type=Path, metavar="PATH", help="portrait (default: the example)")
    p.add_argument("--seconds", type=_positive_float, default=10.0, metavar="S",
                   help="seconds of speech (default: %(default)s)")
    p.add_argument("--size", type=_positive_int, default=512, metavar="PX",
                   help="output side (default: %(default)s)")
    p.add_argument("--steps", type=_positive_int, metavar="N",
                   help="sampler steps (default: the pipeline's, 8)")
    p.add_argument("--checkpoint", type=Path, metavar="DIR", help="motion checkpoint")
    p.add_argument("--out", type=Path, metavar="MP4", help="keep the mp4 here")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_bench)


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


def _add_generation_options(p: argparse.ArgumentParser, steps: int | None = -1) -> None:
    """The options `generate`, `motion` and `stream` share: checkpoint, controls and
    sampling (`steps`: the --steps default; -1 for the pipeline's)."""
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
    p.add_argument("--steps", type=_positive_int,
                   default=DEFAULT_STEPS if steps == -1 else steps,
                   help="sampler steps (default: %s)" % (
                       DEFAULT_STEPS if steps == -1 else steps or "the pipeline's"))
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

    if args.manifest is not None:
        return _generate_batch(args)
    if args.out_dir is not None:
        raise ValueError("--out-dir is for batch mode, with --manifest; give --out for "
                         "one video")
    if args.audio is None:
        raise ValueError("give --audio PATH (one video) or --manifest M --out-dir DIR (batch)")
    image = args.image or example_portrait_path()
    pipe = _pipeline(args.checkpoint)
    output = pipe(image, args.audio, **_generation_options(args), size=args.size,
                  crop=args.crop, mark=not args.no_mark)
    print(f"rendered {len(output.frames)} frames ({len(output.frames) / output.fps:.1f} s) "
          f"of {image}", file=sys.stderr)
    print(output.save(args.out))
    return 0


def _generate_batch(args: argparse.Namespace) -> int:
    """One video per manifest row; this process's share of the rows under Accelerate."""
    from .batch import read_manifest, run_batch

    if args.out_dir is None:
        raise ValueError("--manifest needs --out-dir DIR for the videos")
    if args.audio is not None or args.image is not None:
        raise ValueError("--manifest takes the image and audio from its rows; leave out "
                         "--image and --audio")
    rows = read_manifest(args.manifest, args.out_dir)
    import torch
    from accelerate import PartialState

    # cpu=True on a machine without CUDA: Accelerate only splits CPU processes (torchrun,
    # MPI) when told so; a single process is unaffected.
    state = PartialState(cpu=not torch.cuda.is_available())
    with state.split_between_processes(rows) as mine:
        mine = list(mine)
    pipe = _pipeline(args.checkpoint, device=str(state.device))
    defaults = dict(_generation_options(args), size=args.size, crop=args.crop,
                    mark=not args.no_mark)
    several = state.num_processes > 1
    result = run_batch(pipe, mine, defaults, progress=not args.no_progress,
                       position=state.process_index if several else 0,
                       desc=f"generate [{state.process_index}]" if several else "generate")
    for path in result.written:
        print(path)
    who = f"process {state.process_index}: " if several else ""
    print(f"{who}{len(result.written)} of {len(mine)} videos written to {args.out_dir}"
          + (f", {len(result.failed)} failed: rows "
             + ", ".join(str(row.number) for row, _ in result.failed) if result.failed else ""),
          file=sys.stderr)
    return 1 if result.failed else 0


def _stream(args: argparse.Namespace) -> int:
    from .examples import example_portrait_path
    from .stream_writer import stream_file

    if args.out is None and args.frames_dir is None:
        raise ValueError("give --out live.mp4 and/or --frames-dir DIR")
    options = _generation_options(args)
    if options["steps"] is None:
        del options["steps"]  # the pipeline's streaming default
    image = args.image or example_portrait_path()
    stats = stream_file(_pipeline(args.checkpoint), image, args.audio, out=args.out,
                        frames_dir=args.frames_dir, paced=not args.as_fast_as_possible,
                        chunk_ms=args.chunk_ms, hop=args.hop, size=args.size,
                        crop=args.crop, mark=not args.no_mark, **options)
    print(f"{stats.frames} frames ({stats.audio_s:.2f} s of audio) in {stats.wall_s:.2f} s: "
          f"first frame after {1000 * stats.first_frame_s:.0f} ms, real-time factor "
          f"{stats.realtime_factor:.2f} (audio s / wall s), compute "
          f"{stats.compute_per_audio_s:.2f} s per s of audio"
          + ("" if args.as_fast_as_possible else " (paced at real time)"), file=sys.stderr)
    if args.json:
        print(json.dumps(stats.as_dict(), indent=2))
    else:
        print("\n".join(str(p) for p in (args.out, args.frames_dir) if p is not None))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from .bench import end_to_end, format_report

    report = end_to_end(image=args.image, seconds=args.seconds, size=args.size,
                        steps=args.steps, checkpoint=args.checkpoint, out=args.out)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _motion(args: argparse.Namespace) -> int:
    from .arkit import motion_to_csv

    motion = _pipeline(args.checkpoint).motion(args.audio, image=args.image,
                                               **_generation_options(args))
    print(f"{len(motion)} frames at {motion.fps:g} fps", file=sys.stderr)
    print(motion_to_csv(motion, args.out))
    return 0


def _pipeline(checkpoint: Path | None, device: str = "cpu"):
    from .pipeline import TalkingFacePipeline

    return TalkingFacePipeline.from_pretrained(checkpoint, device=device)


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
    from .watermark import embed

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
    batches = (embed(batch) for batch in batches)  # the invisible watermark, always
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


if __name__ == "__main__":  # `python -m vasa_core.cli`, as `accelerate launch -m` runs it
    sys.exit(main())
