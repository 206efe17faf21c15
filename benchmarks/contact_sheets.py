"""Contact sheets of extreme expressions and poses for every portrait at hand.

    python -m benchmarks.contact_sheets [--out outputs/sheets] [--size 256]

One PNG per portrait (the built-in one and every ../shared/assets portrait): the
portrait's own motion, then jawOpen, smile, pucker, blink, brows up, gaze left/right/up,
head yaw +-20, pitch +-12, roll +-12, near and far. Look at them: they are how we judge
what still looks wrong.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from vasa_core.io.examples import example_portrait_path, shared_portraits
from vasa_core.face import analyze_image
from vasa_core.latent import Motion
from vasa_core.render import Renderer

SETTINGS = [("own", {}), ("jawOpen", {"jawOpen": 1.0}),
            ("smile", {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0}),
            ("pucker", {"mouthPucker": 1.0}), ("blink", {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0}),
            ("brows up", {"browInnerUp": 1.0, "browOuterUpLeft": 1.0, "browOuterUpRight": 1.0}),
            ("gaze left", {"gaze_yaw": -25.0}), ("gaze right", {"gaze_yaw": 25.0}),
            ("gaze up", {"gaze_pitch": 20.0})]
POSES = [("yaw -20", "yaw", -20), ("yaw +20", "yaw", 20), ("pitch -12", "pitch", -12),
         ("pitch +12", "pitch", 12), ("roll -12", "roll", -12), ("roll +12", "roll", 12),
         ("near", "log_scale", 0.25), ("far", "log_scale", -0.25)]


def sheet_motion(latent) -> tuple[Motion, list[str]]:
    m0, rows, labels = latent.motion0(), [], []
    for label, values in SETTINGS:
        m = m0
        for name, v in values.items():
            m = m.set(name, v)
        rows.append(m)
        labels.append(label)
    for label, name, delta in POSES:
        rows.append(m0.set(name, float(m0[name][0]) + delta))
        labels.append(label)
    return Motion.concat(rows), labels


def contact_sheet(path: Path, size: int, columns: int = 6) -> np.ndarray:
    latent = analyze_image(path)
    motion, labels = sheet_motion(latent)
    frames = Renderer(latent, size=size).render(motion)
    tiles = []
    for frame, label in zip(frames, labels):
        tile = frame.copy()
        cv2.putText(tile, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 2, cv2.LINE_AA)
        cv2.putText(tile, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(tile)
    while len(tiles) % columns:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.concatenate(tiles[i:i + columns], 1) for i in range(0, len(tiles), columns)]
    return np.concatenate(rows, 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="outputs/sheets")
    ap.add_argument("--size", type=int, default=256)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in [example_portrait_path(), *shared_portraits()]:
        try:
            sheet = contact_sheet(Path(path), args.size)
        except ValueError as err:
            print(f"{Path(path).name}: {err}")
            continue
        target = out / f"{Path(path).stem}.png"
        cv2.imwrite(str(target), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
        print(target)


if __name__ == "__main__":
    main()
