"""End-to-end speed: portrait + speech files in, a finished mp4 out (`vasa bench`).

    end_to_end(pipe, seconds=10, size=512) -> {"wall_s": ..., "realtime_factor": ...}

The speech is a `seconds`-long 16-bit wav written to a temporary folder first (the first
`seconds` of ../shared/assets/speech/musetalk_eng_first30s.wav when that exists, else
eSpeak NG reading a fixed English text, padded with silence or cut), so the timed run
starts from files, exactly like `vasa generate`. Timed stages, in order (`stages_s`; their
sum is `wall_s`):

    load      decoding the audio file (`load_audio`)
    write     `pipe.write` on a portrait it has not seen, as `vasa generate` runs it: the
              face analysed (MediaPipe) and the renderer built while the lip reader's
              words are decoded, then audio features and the motion sampled window by
              window while the previous window is drawn (with the visible mark) while the
              frames before are encoded into the H.264 + AAC mp4

realtime_factor = audio seconds / wall seconds (> 1: faster than real time). Where the
write's time goes is measured apart, each part on its own (`parts_s`: analysis, motion,
render, encode, through `pipe.analyze`, `pipe.motion`, `pipe.render` and
`TalkingFaceOutput.save`; the analysis then no longer pays MediaPipe's first-call set-up),
so the parts add up to more than the write, whose stages overlap. Loading the model is not
timed (`model_load_s` is reported apart).
"""
from __future__ import annotations

import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from ..grid import SAMPLE_RATE

BENCH_TEXT = ("Hello, and thank you for coming. Today I want to tell you a short story "
              "about a portrait that learned to speak. It listened to voices in many "
              "languages, and slowly it found the rhythm of the words, the pauses and the "
              "smiles between them. Now it can read anything you give it.")


def speech_file(directory: str | Path, seconds: float) -> tuple[Path, str]:
    """(a `seconds`-long 16 kHz wav in `directory`, where its speech came from)."""
    import wave as wavfile

    from ..audio import SAMPLE_RATE, load_audio
    from ..io.examples import shared_assets_dir

    assets = shared_assets_dir()
    shared = assets / "speech" / "musetalk_eng_first30s.wav" if assets else None
    if shared is not None and shared.is_file():
        samples, source = load_audio(shared, first_seconds=seconds), str(shared.name)
    else:
        from ..speech.tts import synthesize

        samples, source = synthesize(BENCH_TEXT, sample_rate=SAMPLE_RATE).wave, "eSpeak NG"
    n = int(round(seconds * SAMPLE_RATE))
    samples = np.pad(samples, (0, max(0, n - len(samples))))[:n]
    path = Path(directory) / "speech.wav"
    with wavfile.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path, source


def end_to_end(pipe=None, image=None, *, seconds: float = 10.0, size: int = 512,
               steps: int | None = None, checkpoint: str | Path | None = None,
               out: str | Path | None = None, seed: int = 0) -> dict:
    """Time one `seconds`-long clip at `size` from files to mp4; the figures as a dict.

    `pipe` defaults to `TalkingFacePipeline.from_pretrained(checkpoint)` (its loading is
    reported as model_load_s), `image` to the built-in example portrait, `out` to a
    temporary mp4 (deleted afterwards).
    """
    import torch

    from ..audio import load_audio
    from ..io.examples import example_portrait_path
    from ..pipeline import TalkingFacePipeline
    from ..settings import DEFAULT_STEPS

    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    load_s = None
    if pipe is None:
        began = time.perf_counter()
        pipe = TalkingFacePipeline.from_pretrained(checkpoint)
        load_s = time.perf_counter() - began
    image = Path(image) if image is not None else example_portrait_path()
    steps = DEFAULT_STEPS if steps is None else steps
    with tempfile.TemporaryDirectory() as scratch:
        audio_path, source = speech_file(scratch, seconds)
        target = Path(out) if out is not None else Path(scratch) / "bench.mp4"
        stages: dict[str, float] = {}
        began = last = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal last
            now = time.perf_counter()
            stages[name] = now - last
            last = now

        wave = load_audio(audio_path)
        lap("load")
        pipe._face_cache.clear()  # a portrait the pipeline has not prepared yet
        options = dict(steps=steps, seed=seed, size=size)
        pipe.write(image, audio_path, target, **options)
        lap("write")
        wall = time.perf_counter() - began
        parts = _parts(pipe, image, wave, options, Path(scratch) / "parts.mp4")
    frames = parts.pop("frames")
    audio_s = len(wave) / SAMPLE_RATE
    return {
        "seconds_of_audio": round(audio_s, 3), "frames": len(frames),
        "size": f"{frames.shape[2]}x{frames.shape[1]}", "steps": steps,
        "parts_s": {k: round(v, 3) for k, v in parts.items()},
        "speech": source, "wall_s": round(wall, 3),
        "realtime_factor": round(audio_s / wall, 3),
        "stages_s": {k: round(v, 3) for k, v in stages.items()},
        "model_load_s": None if load_s is None else round(load_s, 3),
        "device": str(pipe.device), "torch_threads": torch.get_num_threads(),
        "cpu_count": _cpu_count(), "machine": platform.machine(),
        "out": str(target) if out is not None else None,
    }


def _parts(pipe, image, wave: np.ndarray, options: dict, target: Path) -> dict:
    """Seconds of the write's parts, each run on its own: analysis, motion, render, encode
    (and the frames, for their count and size)."""
    from ..grid import FPS
    from ..pipeline import TalkingFaceOutput

    pipe._face_cache.clear()
    times, last = {}, time.perf_counter()
    pipe.analyze(image, options["size"])
    times["analysis"], last = time.perf_counter() - last, time.perf_counter()
    motion = pipe.motion((wave, SAMPLE_RATE), image=image, **options)
    times["motion"], last = time.perf_counter() - last, time.perf_counter()
    frames = pipe.render(image, motion, size=options["size"])
    times["render"], last = time.perf_counter() - last, time.perf_counter()
    TalkingFaceOutput(frames, FPS, wave, motion).save(target)
    times["encode"] = time.perf_counter() - last
    return {**times, "frames": frames}


def _cpu_count() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def format_report(report: dict) -> str:
    """Human-readable lines of an `end_to_end` report."""
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in report["stages_s"].items())
    parts = ", ".join(f"{k} {v:.2f} s" for k, v in report["parts_s"].items())
    return (f"{report['seconds_of_audio']:g} s of speech ({report['speech']}) -> "
            f"{report['frames']} frames at {report['size']}, {report['steps']} steps, mp4 "
            f"encoded: {report['wall_s']:.2f} s wall, real-time factor "
            f"{report['realtime_factor']:.2f} (audio s / wall s)\n"
            f"  {stages}\n  the write's parts, each on its own: {parts}\n"
            f"  device {report['device']}, {report['torch_threads']} torch threads, "
            f"{report['cpu_count']} CPUs")
