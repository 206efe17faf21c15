"""Fingerprints of what users get, to prove a refactoring changed nothing.

    python -m benchmarks.frozen_outputs --out before.json    # before the change
    python -m benchmarks.frozen_outputs --out after.json     # after it
    diff before.json after.json                              # must be empty

It renders a short seeded clip of the built-in portrait offline and streamed, writes it
through `vasa generate`, `vasa motion` and `vasa animate`, and records a SHA-256 of every
frame array, motion array and written file (mp4s are hashed on their decoded frames, so
an encoder's container timestamps cannot hide or fake a difference).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SECONDS = 2.0
SEED = 3


def _sha(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]


def _speech() -> tuple[np.ndarray, int]:
    """A fixed 16 kHz wave: the package's own eSpeak NG voice, so nothing is downloaded."""
    from vasa_core.speech.tts import Voice, synthesize  # noqa: I001 (moved modules)

    wave = synthesize("The quick brown fox jumps over the lazy dog.", Voice(language="en"),
                      sample_rate=16000).wave
    return wave[:int(SECONDS * 16000)], 16000


def _decoded(path: Path) -> str:
    from vasa_core.io.media import iter_video

    frames, _ = iter_video(path)
    return _sha(np.stack(list(frames)))


def fingerprints() -> dict[str, str]:
    from vasa_core import TalkingFacePipeline
    from vasa_core.io.examples import example_portrait_path

    pipe = TalkingFacePipeline.from_pretrained()
    image, (wave, rate) = example_portrait_path(), _speech()
    out: dict[str, str] = {}
    offline = pipe(image, (wave, rate), seed=SEED, size=128, emotion="happy")
    out["offline.frames"], out["offline.motion"] = _sha(offline.frames), _sha(offline.motion.values)
    chunks = (wave[i:i + 320] for i in range(0, len(wave), 320))
    out["stream.frames"] = _sha(np.concatenate(list(pipe.stream(image, chunks, seed=SEED,
                                                                size=128))))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        import soundfile

        soundfile.write(tmp / "speech.wav", wave, rate)
        vasa = [sys.executable, "-m", "vasa_core.cli"]
        subprocess.run([*vasa, "generate", "--image", str(image), "--audio", str(tmp / "speech.wav"),
                        "--out", str(tmp / "g.mp4"), "--size", "128", "--seed", str(SEED)],
                       check=True, capture_output=True)
        out["cli.generate"] = _decoded(tmp / "g.mp4")
        subprocess.run([*vasa, "motion", "--audio", str(tmp / "speech.wav"), "--out",
                        str(tmp / "m.csv"), "--seed", str(SEED)], check=True, capture_output=True)
        out["cli.motion"] = hashlib.sha256((tmp / "m.csv").read_bytes()).hexdigest()[:16]
        subprocess.run([*vasa, "animate", "--image", str(image), "--motion", str(tmp / "m.csv"),
                        "--out", str(tmp / "a.mp4"), "--size", "128"],
                       check=True, capture_output=True)
        out["cli.animate"] = _decoded(tmp / "a.mp4")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    result = fingerprints()
    parser.parse_args().out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
