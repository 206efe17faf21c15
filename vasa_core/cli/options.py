"""The generation options `generate`, `motion` and `stream` share, and loading the
talking-face pipeline they run.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .common import positive_int


def add_generation_options(p: argparse.ArgumentParser, steps: int | None = -1) -> None:
    """The options `generate`, `motion` and `stream` share: checkpoint, controls and
    sampling (`steps`: the --steps default; -1 for the pipeline's)."""
    from ..pipeline import (DEFAULT_BLINK_RATE, DEFAULT_CFG_AUDIO, DEFAULT_CFG_CONTROL,
                           DEFAULT_LIP_READING, DEFAULT_LIP_WORDS, DEFAULT_STEPS,
                           LIP_LOOKAHEAD)

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
    p.add_argument("--steps", type=positive_int,
                   default=DEFAULT_STEPS if steps == -1 else steps,
                   help="sampler steps (default: %s)" % (
                       DEFAULT_STEPS if steps == -1 else steps or "the pipeline's"))
    p.add_argument("--blink-rate", type=float, default=DEFAULT_BLINK_RATE, metavar="N",
                   help="blinks per minute, the model's own included; 0 adds none "
                        "(default: %(default)s)")
    p.add_argument("--lip-reading", type=float, default=DEFAULT_LIP_READING, metavar="S",
                   help="how far jaw and lips follow the phones a speech recogniser hears, "
                        "0 to 1; 0 leaves them to the motion model (default: %(default)s)")
    p.add_argument("--lip-words", action=argparse.BooleanOptionalAction,
                   default=DEFAULT_LIP_WORDS,
                   help="the lip reader also hears English words (offline; default: on)")
    p.add_argument("--lip-lookahead", type=int, default=LIP_LOOKAHEAD, metavar="N",
                   help="frames of audio the lip reader hears past each window; streamed, "
                        "each adds 40 ms of latency and brings the lips closer to the sound "
                        "(4: about 2 frames late instead of 5; default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default: %(default)s)")
    p.add_argument("--cfg-audio", type=float, default=DEFAULT_CFG_AUDIO, metavar="S",
                   help="guidance scale of the audio (default: %(default)s)")
    p.add_argument("--cfg-control", type=float, default=DEFAULT_CFG_CONTROL, metavar="S",
                   help="guidance scale of gaze, distance and emotion (default: %(default)s)")


def generation_options(args: argparse.Namespace) -> dict:
    """The pipeline's keyword arguments from the shared options."""
    return dict(gaze=args.gaze, distance=args.distance, emotion=args.emotion,
                emotion_strength=args.emotion_strength, head_motion=args.head_motion,
                steps=args.steps, cfg_audio=args.cfg_audio, cfg_control=args.cfg_control,
                seed=args.seed, blink_rate=args.blink_rate, lip_reading=args.lip_reading,
                lip_words=args.lip_words, lip_lookahead=args.lip_lookahead)


def load_pipeline(checkpoint: Path | None, device: str = "cpu"):
    from ..pipeline import TalkingFacePipeline

    return TalkingFacePipeline.from_pretrained(checkpoint, device=device)
