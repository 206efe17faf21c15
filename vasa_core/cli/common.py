"""Shared bits of the commands: positive int / float argparse types and the
--size / --crop / --no-mark options of the commands that write video.
"""
from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def add_render_options(p: argparse.ArgumentParser) -> None:
    """--size, --crop and --no-mark, shared by the commands that write video."""
    p.add_argument("--size", type=positive_int, default=512, metavar="PX",
                   help="output side in pixels for --crop face (default: %(default)s)")
    p.add_argument("--crop", choices=("face", "full"), default="face",
                   help="'face': square crop around the head; 'full': the whole portrait "
                        "(default: %(default)s)")
    p.add_argument("--no-mark", action="store_true",
                   help="leave out the visible 'AI-generated' label (the metadata tag stays)")
