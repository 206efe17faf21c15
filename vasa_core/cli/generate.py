"""`vasa generate` (one video, or a batch from a manifest, split between processes
under Accelerate) and `vasa motion` (speech-driven motion as a CSV).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import (add_generation_options, add_render_options, generation_options,
                      load_pipeline, render_options)


_GENERATE_EPILOG = """examples:
  vasa generate --image me.jpg --audio hi.wav --out talk.mp4 --emotion happy --seed 3
  vasa generate --manifest jobs.csv --out-dir videos/ --size 384
  accelerate launch -m vasa_core.cli generate --manifest jobs.jsonl --out-dir videos/

manifest (CSV with a header, or JSON Lines: one object per line):
  image,audio,out,emotion,seed
  alice.jpg,hello.wav,alice.mp4,happy,1
  bob.png,speech/intro.mp3,,,2
  Required: image, audio (relative to the manifest's folder). Optional: out (relative to
  --out-dir; default <audio name>.mp4) and one column per control:
  {columns}; an empty cell takes the command line's value.
  Written paths are printed on stdout, failing rows on stderr.

exit status: 0 every video written; 1 some rows failed (the others are written);
2 bad input (single mode) or an unreadable manifest (batch).
"""


def add_generate(commands) -> None:
    from textwrap import fill

    from .batch import OPTION_TYPES

    columns = fill(", ".join(OPTION_TYPES), width=86, subsequent_indent="  ")
    p = commands.add_parser(
        "generate", help="a talking-face video of a portrait speaking an audio clip (or a "
                         "batch from a manifest)",
        epilog=_GENERATE_EPILOG.format(columns=columns),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    add_generation_options(p)
    add_render_options(p)
    p.set_defaults(run=_generate)


def add_motion(commands) -> None:
    p = commands.add_parser(
        "motion", help="speech-driven motion as an ARKit / Live Link Face CSV",
        description="Generate head pose, expressions and gaze from speech and write them as "
                    "an ARKit / Live Link Face CSV (for 3-D avatars, or `vasa animate "
                    "--motion`). Without --image the motion is in the model's own frame.")
    p.add_argument("--audio", type=Path, required=True, metavar="PATH", help="speech file")
    p.add_argument("--out", type=Path, required=True, metavar="CSV", help="motion CSV to write")
    p.add_argument("--image", type=Path, metavar="PATH",
                   help="retarget the motion onto this portrait's own pose and expression")
    add_generation_options(p)
    p.set_defaults(run=_motion)


def _generate(args: argparse.Namespace) -> int:
    from ..io.examples import example_portrait_path

    if args.manifest is not None:
        return _generate_batch(args)
    if args.out_dir is not None:
        raise ValueError("--out-dir is for batch mode, with --manifest; give --out for "
                         "one video")
    if args.audio is None:
        raise ValueError("give --audio PATH (one video) or --manifest M --out-dir DIR (batch)")
    image = args.image or example_portrait_path()
    pipe = load_pipeline(args.checkpoint)
    written = pipe.write(image, args.audio, args.out, **generation_options(args),
                         **render_options(args))
    frames = len(written.motion)
    print(f"rendered {frames} frames ({frames / written.fps:.1f} s) of {image}",
          file=sys.stderr)
    print(written.path)
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
    pipe = load_pipeline(args.checkpoint, device=str(state.device))
    defaults = {**generation_options(args), **render_options(args)}
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


def _motion(args: argparse.Namespace) -> int:
    from ..io.arkit import motion_to_csv

    motion = load_pipeline(args.checkpoint).motion(args.audio, image=args.image,
                                               **generation_options(args))
    print(f"{len(motion)} frames at {motion.fps:g} fps", file=sys.stderr)
    print(motion_to_csv(motion, args.out))
    return 0
