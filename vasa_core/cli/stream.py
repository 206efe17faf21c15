"""`vasa stream` (real-time streaming into a growing mp4 or PNG frames) and `vasa bench`
(end-to-end speed of a clip from files to mp4).

`stream_file` feeds an audio file to `pipe.stream` in chunks, paced at real time like a
microphone (or as fast as possible), writes what comes out, and measures the first-frame
latency and the real-time factor.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .common import positive_float, positive_int
from ..settings import STREAM_STEPS
from .options import (add_generation_options, add_render_options, generation_options,
                      load_pipeline, render_options)

if TYPE_CHECKING:
    import numpy as np


def add_stream(commands) -> None:
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
    p.add_argument("--chunk-ms", type=positive_float, default=20.0, metavar="MS",
                   help="audio chunk length (default: %(default)s)")
    p.add_argument("--hop", type=positive_int, metavar="N",
                   help="frames per streamed window (default: the pipeline's STREAM_HOP)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    add_generation_options(p, steps=STREAM_STEPS)
    add_render_options(p)
    p.set_defaults(run=_stream)


def add_bench(commands) -> None:
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
    p.add_argument("--seconds", type=positive_float, default=10.0, metavar="S",
                   help="seconds of speech (default: %(default)s)")
    p.add_argument("--size", type=positive_int, default=512, metavar="PX",
                   help="output side (default: %(default)s)")
    p.add_argument("--steps", type=positive_int, metavar="N",
                   help="sampler steps (default: the pipeline's, 8)")
    p.add_argument("--checkpoint", type=Path, metavar="DIR", help="motion checkpoint")
    p.add_argument("--out", type=Path, metavar="MP4", help="keep the mp4 here")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_bench)


def _stream(args: argparse.Namespace) -> int:
    from ..io.examples import example_portrait_path

    if args.out is None and args.frames_dir is None:
        raise ValueError("give --out live.mp4 and/or --frames-dir DIR")
    image = args.image or example_portrait_path()
    stats = stream_file(load_pipeline(args.checkpoint), image, args.audio, out=args.out,
                        frames_dir=args.frames_dir, paced=not args.as_fast_as_possible,
                        chunk_ms=args.chunk_ms, hop=args.hop, **generation_options(args),
                        **render_options(args))
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
    from ..eval.bench import end_to_end, format_report

    report = end_to_end(image=args.image, seconds=args.seconds, size=args.size,
                        steps=args.steps, checkpoint=args.checkpoint, out=args.out)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


@dataclass
class StreamStats:
    """What `stream_file` measured. first_frame_s: from handing over the first audio chunk
    to the first rendered frame. realtime_factor: audio seconds / wall seconds (paced
    streams cannot exceed ~1; >= 1 without pacing means faster than real time).
    compute_per_audio_s: wall time not spent waiting for paced audio, per second of audio
    (< 1 keeps up with a live source)."""

    frames: int
    audio_s: float
    wall_s: float
    first_frame_s: float
    waited_s: float

    @property
    def realtime_factor(self) -> float:
        return self.audio_s / self.wall_s if self.wall_s > 0 else float("inf")

    @property
    def compute_per_audio_s(self) -> float:
        return (self.wall_s - self.waited_s) / self.audio_s if self.audio_s > 0 else 0.0

    def as_dict(self) -> dict:
        return {"frames": self.frames, "audio_s": round(self.audio_s, 3),
                "wall_s": round(self.wall_s, 3),
                "first_frame_ms": round(1000 * self.first_frame_s, 1),
                "realtime_factor": round(self.realtime_factor, 3),
                "compute_per_audio_s": round(self.compute_per_audio_s, 3)}


def stream_file(pipe, image, audio, *, out: str | Path | None = None,
                frames_dir: str | Path | None = None, paced: bool = True,
                chunk_ms: float = 20.0, **options) -> StreamStats:
    """Stream `audio` (anything `load_audio` takes) through `pipe.stream(image, ...)` in
    `chunk_ms` chunks, paced at real time unless `paced` is False, writing a fragmented
    mp4 with sound to `out` and/or PNG frames to `frames_dir` as the frames come.
    `options` are `pipe.stream`'s. Returns the measurements.

        stats = stream_file(pipe, "me.jpg", "speech.wav", out="live.mp4")
        print(stats.first_frame_s, stats.realtime_factor)
    """
    from contextlib import ExitStack

    from ..audio import load_audio
    from ..grid import SAMPLE_RATE
    from ..io.stream_writer import FragmentedMp4Writer, FramesDirWriter

    if out is None and frames_dir is None:
        raise ValueError("give an output: an mp4 path and/or a folder for PNG frames")
    if not chunk_ms > 0:
        raise ValueError(f"chunk_ms must be positive, got {chunk_ms}")
    wave = load_audio(audio)
    chunk = max(1, int(SAMPLE_RATE * chunk_ms / 1000))
    with ExitStack() as stack:
        writers = []
        if out is not None:
            writers.append(stack.enter_context(FragmentedMp4Writer(out, 25.0, SAMPLE_RATE)))
        if frames_dir is not None:
            writers.append(stack.enter_context(FramesDirWriter(frames_dir)))
        clock: dict[str, float] = {"waited": 0.0}

        def microphone() -> Iterator[np.ndarray]:
            start = clock["start"] = time.perf_counter()
            for k, i in enumerate(range(0, len(wave), chunk)):
                if paced:  # chunk k is "recorded" k * chunk_ms after the first
                    delay = start + k * chunk_ms / 1000 - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                        clock["waited"] += delay
                piece = wave[i:i + chunk]
                for writer in writers:
                    writer.push_audio(piece)
                yield piece

        frames = 0
        for batch in pipe.stream(image, microphone(), **options):
            if frames == 0:
                clock["first"] = time.perf_counter()
            for writer in writers:
                writer.add(batch)
            frames += len(batch)
    end = time.perf_counter()  # the mp4's last fragment included
    if frames == 0:
        raise ValueError("the stream produced no frames; is the audio long enough?")
    return StreamStats(frames, len(wave) / SAMPLE_RATE, end - clock["start"],
                       clock["first"] - clock["start"], clock["waited"])
