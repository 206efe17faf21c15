"""Lip reading speed (`lips.LipReader`): whole clips, and reads as a stream makes them.

    python benchmarks/lips.py [--minutes 5] [--audio PATH]

Speech (a shared English recording when present, else `audio.py`'s speech-like signal)
repeated to `--minutes`. Figures: offline, one reader over the whole clip read in the
model's 50-frame windows (s per s of audio, median of 3), and the whole clip's words
(`audio.words.recognise_words`, what the pipeline adds offline by default; one run after
a warm-up that loads the language model); streaming, the same clip read
in the pipeline's 2-frame windows with a stream's default look-ahead, the wall time of each
read (recognising its new audio, then the coarticulated mouth) over the first and the
last minute, so a cost that grew with the clip would show. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from audio import speech_like
from timing import median_seconds
from vasa_core.audio import SAMPLE_RATE, SAMPLES_PER_FRAME, load_audio
from vasa_core.audio.words import recognise_words
from vasa_core.motion.lips import LipReader
from vasa_core.pipeline import STREAM_HOP
from vasa_core.settings import STREAM_LIP_LOOKAHEAD

LIP_LOOKAHEAD = STREAM_LIP_LOOKAHEAD  # a stream's (offline hears the whole clip)

SPEECH = (Path(__file__).resolve().parents[2] / "shared" / "assets" / "speech"
          / "musetalk_eng_first30s.wav")


def read_all(wave: np.ndarray, window: int, lookahead: int) -> list[float]:
    """Read the whole wave window by window; the wall time (s) of each read."""
    reader, frames, times = LipReader(lookahead), len(wave) // SAMPLES_PER_FRAME, []
    reader.push(wave)
    for start in range(0, frames, window):
        began = time.perf_counter()
        reader(start, min(start + window, frames))
        times.append(time.perf_counter() - began)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--audio", default=None)
    args = ap.parse_args()
    source = Path(args.audio) if args.audio else SPEECH
    speech = load_audio(source) if source.is_file() else speech_like(30.0, SAMPLE_RATE)
    wave = np.tile(speech, int(np.ceil(args.minutes * 60 * SAMPLE_RATE / len(speech))))
    wave = wave[: int(args.minutes * 60 * SAMPLE_RATE)]
    seconds = len(wave) / SAMPLE_RATE
    offline = median_seconds(lambda: read_all(wave, 50, LIP_LOOKAHEAD), 3) / seconds
    words = median_seconds(lambda: recognise_words(wave), 1) / seconds
    reads = np.array(read_all(wave, STREAM_HOP, LIP_LOOKAHEAD)) * 1000  # ms per 2-frame read
    minute = int(60 * 25 / STREAM_HOP)
    print(json.dumps({
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "audio": source.name if source.is_file() else "speech-like signal",
        "audio_seconds": round(seconds, 1),
        "offline_s_per_s": round(offline, 4),
        "offline_words_s_per_s": round(words, 4),
        "stream_read_ms": {span: {"p50": round(float(np.median(r)), 2),
                                  "p95": round(float(np.percentile(r, 95)), 2)}
                           for span, r in (("first_minute", reads[:minute]),
                                           ("last_minute", reads[-minute:]))},
        "hop_ms": 1000 * STREAM_HOP / 25,
    }, indent=2))


if __name__ == "__main__":
    main()
