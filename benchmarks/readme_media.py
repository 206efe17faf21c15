"""The README's picture of a result: `python benchmarks/readme_media.py [--out docs]`.

The built-in portrait (Grace Hopper, public domain) speaks an eSpeak NG sentence with the
shipped checkpoint; writes `talking.gif` (160 px, 12.5 fps) and
`frames.png` (a strip of frames with the mouth opening and head yaw under each).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from vasa_core.speech.tts import Voice, synthesize
from vasa_core.io.examples import example_portrait_path
from vasa_core.pipeline import SAMPLE_RATE, TalkingFacePipeline

TEXT = "Hello! I am a talking portrait, animated from one photo and this sentence."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    speech = synthesize(TEXT, Voice(language="en"), sample_rate=SAMPLE_RATE).wave
    pipe = TalkingFacePipeline.from_pretrained()
    out = pipe(example_portrait_path(), (speech, SAMPLE_RATE), size=256, seed=args.seed)
    gif = [Image.fromarray(f).resize((160, 160), Image.LANCZOS) for f in out.frames[::2]]
    gif[0].save(args.out / "talking.gif", save_all=True, append_images=gif[1:],
                duration=80, loop=0, optimize=True)
    picks = np.linspace(0, len(out.frames) - 1, 8).round().astype(int)
    strip = Image.new("RGB", (8 * 192, 192 + 34), "white")
    draw = ImageDraw.Draw(strip)
    for i, t in enumerate(picks):
        strip.paste(Image.fromarray(out.frames[t]).resize((192, 192), Image.LANCZOS), (i * 192, 0))
        draw.text((i * 192 + 6, 196), f"t={t / out.fps:.1f}s jaw={out.motion['jawOpen'][t]:.2f}"
                  f"\nyaw={out.motion['yaw'][t]:+.1f} deg", fill="black")
    strip.save(args.out / "frames.png", optimize=True)
    print(args.out / "talking.gif", args.out / "frames.png")


if __name__ == "__main__":
    main()
