"""A gallery anyone can judge: the same commanded frames of every portrait, now and in a
previous release, side by side, as small JPEGs in docs/gallery/.

    python -m benchmarks.gallery [--previous REV] [--out docs/gallery] [--tile 160]

Per portrait (the built-in ones and every shared one), one sheet: this checkout's
renderer in the top block, the `--previous` revision's below it (default
PREVIOUS_RELEASE, the last release before the renderer's lifelike work). Frames:
neutral (the portrait's own motion), the mouth at its widest, both eyes shut, yaw -25 and
+25, pitch -15 and +15, and each emotion's expression offsets (teacher/emotion.py) at
strength 1. The motions are built here and handed to the previous revision as plain
(T, 40) arrays (the latent contract, latent.py), so both rows show exactly the same
command. Raw renderer frames (no provenance stamp): these are developer images.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from vasa_core.face import analyze_image
from vasa_core.io.examples import example_portraits, shared_portraits
from vasa_core.latent import Motion

from .lifelike import TURNS, commands

REPO = Path(__file__).resolve().parents[1]
# lifelike.commands' keys as the sheets label them
LABELS = {"own": "neutral", "jaw": "mouth open",
          **{f"{name}{delta:+g}": f"{name} {delta:+g}" for name, delta in TURNS}}
PREVIOUS_RELEASE = "b86f821"  # landed 2026-12-05, before the teeth, jaw, lid and edge work
# Rendering in another checkout: its own package, our motions in, frames out.
RENDER_ELSEWHERE = """
import sys, numpy as np
from vasa_core.face import analyze_image
from vasa_core.latent import Motion
from vasa_core.render import Renderer
image, motions, out, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
frames = Renderer(analyze_image(image), size=size).render(Motion(np.load(motions)))
np.save(out, frames)
"""


def commanded(m0: Motion) -> tuple[list[str], Motion]:
    """Labels and the gallery's motion, from the portrait's own motion m0 (1, D): the
    commanded extremes `benchmarks.lifelike` reads back, labelled for people."""
    keys, motion = commands(m0)
    return [LABELS.get(k, k) for k in keys], motion


def render_here(image: Path, motion: Motion, size: int) -> np.ndarray:
    from vasa_core.render import Renderer

    return Renderer(analyze_image(image), size=size).render(motion)


def render_at(tree: Path, image: Path, motion: Motion, size: int) -> np.ndarray:
    """The same motion rendered by the package in `tree` (another checkout)."""
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "m.npy", motion.values)
        subprocess.run([sys.executable, "-c", RENDER_ELSEWHERE, str(image), f"{tmp}/m.npy",
                        f"{tmp}/f.npy", str(size)], cwd=tree, check=True,
                       env={**os.environ, "PYTHONPATH": str(tree)},
                       capture_output=True)
        return np.load(Path(tmp) / "f.npy")


def sheet(rows: list[tuple[str, np.ndarray]], labels: list[str], tile: int,
          columns: int = 7) -> np.ndarray:
    """Labelled tiles, `columns` a line; each (name, frames) its own block of lines, so the
    same frame of two versions sits one block apart, in the same column."""
    lines = []
    for name, frames in rows:
        tiles = []
        for frame, label in zip(frames, labels):
            t = cv2.resize(frame, (tile, tile), interpolation=cv2.INTER_AREA)
            text = f"{label}" if tiles else f"{name}: {label}"
            for colour, weight in (((255, 255, 255), 3), ((0, 0, 0), 1)):
                cv2.putText(t, text, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, weight,
                            cv2.LINE_AA)
            tiles.append(t)
        tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % columns)
        lines += [np.concatenate(tiles[i:i + columns], 1)
                  for i in range(0, len(tiles), columns)]
    return np.concatenate(lines, 0)


def previous_tree(rev: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-f", str(into), rev],
                   check=True, capture_output=True)
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--previous", default=PREVIOUS_RELEASE,
                    help="git revision to compare with (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "gallery")
    ap.add_argument("--tile", type=int, default=160, help="tile side in px")
    ap.add_argument("--size", type=int, default=256, help="render size in px")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", args.previous],
                         check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        tree = previous_tree(rev, Path(tmp) / "previous")
        try:
            index = []
            for image in [*(e.path for e in example_portraits()), *shared_portraits()]:
                labels, motion = commanded(analyze_image(image).motion0())
                rows = [("now", render_here(image, motion, args.size)),
                        (rev, render_at(tree, image, motion, args.size))]
                target = args.out / f"{Path(image).stem}.jpg"
                picture = cv2.cvtColor(sheet(rows, labels, args.tile), cv2.COLOR_RGB2BGR)
                cv2.imwrite(str(target), picture, [cv2.IMWRITE_JPEG_QUALITY, 80])
                index.append({"portrait": Path(image).name, "sheet": target.name})
                print(target)
            (args.out / "index.json").write_text(json.dumps(
                {"previous": rev, "frames": labels, "sheets": index}, indent=1) + "\n")
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                           capture_output=True)


if __name__ == "__main__":
    main()
