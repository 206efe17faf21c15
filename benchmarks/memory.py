"""Peak memory of a long clip through `vasa generate`, as JSON.

    python benchmarks/memory.py [--minutes 10] [--size 512] [--whole]

Speech (a shared English recording when present, else `audio.py`'s speech-like signal)
repeated to `--minutes` (10: the API's limit) drives the built-in portrait through
`vasa generate` in a child process; its peak resident memory (`ru_maxrss` of the child)
and wall time are reported. `vasa generate` streams frames to the encoder as they are
drawn (`TalkingFacePipeline.write`); `--whole` measures instead what holding the clip's
frames costs (`pipe(...)` then `.save`, the path before streaming), in the same way.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from audio import speech_like
from vasa_core.audio import SAMPLE_RATE, load_audio

SHARED = Path(__file__).resolve().parents[2] / "shared" / "assets" / "speech"
WHOLE = ("import sys; from vasa_core import TalkingFacePipeline; "
         "p = TalkingFacePipeline.from_pretrained(); "
         "p(sys.argv[1], sys.argv[2], size=int(sys.argv[3])).save(sys.argv[4])")


def long_speech(minutes: float) -> np.ndarray:
    """(N,) float32 16 kHz speech, `minutes` long."""
    source = SHARED / "musetalk_eng_first30s.wav"
    piece = load_audio(source) if source.is_file() else speech_like(30.0, SAMPLE_RATE)
    return np.resize(piece, int(minutes * 60 * SAMPLE_RATE)).astype(np.float32)


def peak_of(command: list[str]) -> tuple[float, float]:
    """(peak resident GB, wall s) of a child process running `command`."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB
    return kib / 2**20, seconds


def main() -> None:
    from vasa_core.io.examples import example_portrait_path

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--whole", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wav, out = Path(tmp) / "speech.wav", Path(tmp) / "clip.mp4"
        sf.write(wav, long_speech(args.minutes), SAMPLE_RATE)
        portrait = str(example_portrait_path())
        if args.whole:
            command = [sys.executable, "-c", WHOLE, portrait, str(wav), str(args.size), str(out)]
        else:
            command = [sys.executable, "-m", "vasa_core", "generate", "--image", portrait,
                       "--audio", str(wav), "--size", str(args.size), "--out", str(out)]
        peak_gb, seconds = peak_of(command)
    print(json.dumps({"machine": f"{platform.processor() or platform.machine()}, "
                                 f"{os.cpu_count()} cores",
                      "path": "pipe(...).save" if args.whole else "vasa generate (streamed)",
                      "minutes": args.minutes, "size": args.size,
                      "peak_resident_gb": round(peak_gb, 2), "wall_s": round(seconds, 1)},
                     indent=2))


if __name__ == "__main__":
    main()
