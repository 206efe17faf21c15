"""`vasa corpus build|extract` (the training corpus) and `vasa train` (forwarded to
vasa_core.train, which has its own parser).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import positive_float, positive_int


def add_corpus(commands) -> None:
    p = commands.add_parser("corpus", help="build the training corpus (synthetic or from videos)",
                            description="Build the speech + motion corpus that the motion "
                                        "generator is trained on: synthetic (build) or from "
                                        "real talking-face videos (extract).")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    build = actions.add_parser("build", help="write about HOURS of clips to DIR")
    build.add_argument("--hours", type=positive_float, required=True, metavar="H")
    build.add_argument("--out", type=Path, required=True, metavar="DIR")
    build.add_argument("--seed", type=int, default=0, help="(default: %(default)s)")
    build.add_argument("--workers", type=positive_int, default=1,
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
    extract.add_argument("--max-seconds", type=positive_float, default=600.0, metavar="S",
                         help="read at most this much of each video (default: %(default)s)")
    extract.add_argument("--shard-seconds", type=positive_float, default=300.0, metavar="S",
                         help="audio per shard file (default: %(default)s)")
    extract.set_defaults(run=_corpus_extract)


def add_train(commands) -> None:
    commands.add_parser("train", add_help=False, help="train the motion generator "
                        "(options: `vasa train --help`)")


def _corpus_build(args: argparse.Namespace) -> int:
    from ..data.corpus import build_corpus

    manifest = build_corpus(args.out, args.hours, seed=args.seed, workers=args.workers,
                            festival=args.festival)
    print(f"{manifest['clips']} clips, {manifest['seconds'] / 3600:.2f} h in {args.out}",
          file=sys.stderr)
    print(args.out)
    return 0


def _corpus_extract(args: argparse.Namespace) -> int:
    from ..data.extract import ExtractConfig, extract_corpus

    config = ExtractConfig(max_seconds=args.max_seconds, shard_seconds=args.shard_seconds)
    manifest = extract_corpus(args.videos, args.out, config)
    print(f"{manifest['clips']} clips, {manifest['seconds'] / 3600:.2f} h from "
          f"{manifest['videos']} videos, {len(manifest['skipped'])} skipped, in {args.out}",
          file=sys.stderr)
    if not manifest["clips"]:
        raise ValueError(f"no clip could be extracted from {args.videos} (reasons above)")
    print(args.out)
    return 0


def run_train(argv: list[str]) -> int:
    try:
        from .. import train
    except ModuleNotFoundError as err:
        if err.name != "vasa_core.train":
            raise
        raise ValueError("vasa_core.train is not part of this installation yet; "
                         "training is not available") from err
    status = train.main(argv)
    return 0 if status is None else int(status)
