"""`vasa eval`: lip sync, head motion, blinks and controls measured on rendered pixels."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from .options import load_pipeline


def add_eval(commands) -> None:
    p = commands.add_parser(
        "eval", help="lip sync, head motion, blinks and controls, measured on pixels",
        description="--videos: for each real talking video, drive a portrait with its audio, "
                    "re-read both videos with the face analyzer and print JSON: lip-sync r "
                    "and AV offset, dP (deg/frame), blinks per minute, window-join jitter, "
                    "and a summary (mean r, pooled offset). "
                    "--audio: the rendered mouth against each clip's loudness. --controls "
                    "--audio A: gaze, distance, emotion and cfg_audio commands rendered with "
                    "the first audio and re-read (vasa_core.eval.controls).")
    p.add_argument("--videos", type=Path, metavar="DIR",
                   help="folder of talking videos (mp4, mpg, mov, ...)")
    p.add_argument("--audio", type=Path, nargs="+", metavar="PATH",
                   help="speech clips (with --controls: the first drives every command)")
    p.add_argument("--controls", action="store_true",
                   help="measure whether gaze, distance, emotion and cfg_audio do what they say")
    p.add_argument("--portrait", type=Path, metavar="PATH",
                   help="portrait to drive (default: the built-in example)")
    p.add_argument("--checkpoint", type=Path, metavar="DIR", help="motion checkpoint")
    p.add_argument("--seconds", type=float, default=None,
                   help="at most this much of each clip (default: 30; 4 with --controls)")
    p.add_argument("--stream", action="store_true",
                   help="with --videos: feed each clip's audio to the stream in 40 ms chunks "
                        "and measure the streamed frames")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=_eval)


def _eval(args: argparse.Namespace) -> int:
    from ..eval import evaluate_controls, evaluate_speech, evaluate_video, summarize_videos
    from ..io.examples import example_portrait_path
    from ..io.media import VIDEO_SUFFIXES, find_videos

    if args.controls and not args.audio:
        raise ValueError("--controls needs --audio PATH (the speech that drives every command)")
    if args.controls and args.videos is not None:
        raise ValueError("--controls and --videos are separate runs; give one of them")
    if args.stream and args.videos is None:
        raise ValueError("--stream measures streamed videos; give --videos DIR")
    if args.videos is None and not args.audio:
        raise ValueError("give --videos DIR, --audio PATH ... or --controls --audio PATH")
    videos = []
    if args.videos is not None:
        videos = find_videos(args.videos) if args.videos.is_dir() else []
        if not videos:
            raise ValueError(f"no videos ({', '.join(VIDEO_SUFFIXES)}) in {args.videos}")
    pipe = load_pipeline(args.checkpoint)
    portrait = str(args.portrait or example_portrait_path())
    if args.controls:
        report = evaluate_controls(pipe, portrait, args.audio[0], seed=args.seed,
                                   seconds=args.seconds or 4.0)
        print(json.dumps(report, indent=2))
        return 0
    seconds = args.seconds or 30.0
    reports = [evaluate_video(pipe, v, portrait, seed=args.seed, max_seconds=seconds,
                              references=not args.stream, stream=args.stream)
               for v in videos]
    summary = summarize_videos(reports) if reports else None
    reports += [evaluate_speech(pipe, a, portrait, seed=args.seed, max_seconds=seconds)
                for a in args.audio or []]
    print(json.dumps({"clips": reports, "videos_summary": summary}, indent=2))
    return 0
