"""The `vasa` command line: a thin layer over the package's functions. This file holds
`main`, the top-level parser and help; each command group lives in its own module.

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
import sys
from functools import partial
from typing import Callable

from .. import __version__
from .data import add_corpus, add_train, run_train
from .detect import add_detect
from .evaluate import add_eval
from .face import add_analyze, add_animate
from .generate import add_generate, add_motion
from .stream import add_bench, add_stream

__all__ = ["build_parser", "main"]

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
        return _guarded(partial(run_train, argv[1:]))
    args = parser.parse_args(argv)
    if args.command is None or getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    return _guarded(partial(args.run, args))


def _guarded(run: Callable[[], int]) -> int:
    """Run a command, mapping bad input to `error: ...` and exit status 2, and the
    pipeline's notices to `note: ...` lines."""
    from ..pipeline import notices

    try:
        with notices() as told:
            status = run()
        for message in told:
            print(f"note: {message}", file=sys.stderr)
        return status
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
    add_animate(commands)
    add_analyze(commands)
    add_generate(commands)
    add_motion(commands)
    add_stream(commands)
    add_bench(commands)
    add_corpus(commands)
    add_train(commands)
    add_eval(commands)
    add_detect(commands)
    return parser
