"""Does each portrait do what it is told? Commanded extremes re-read on pixels by MediaPipe.

    python -m benchmarks.lifelike [--size 256] [--json outputs/lifelike.json]

For the built-in portrait and every shared one, render the portrait's own motion, then:
    jaw     jawOpen 1 (lips apart): the inner-lip gap over the outer-eye-corner distance
            (eval.metrics.opening_ratio; target >= 0.35 on every portrait)
    blink   both lids closed: eye aspect ratio (lid gap / eye width, both eyes) over the
            same portrait's open eyes (target <= 0.45)
    turns   yaw +-25 and pitch +-15 from the portrait's own pose: is a face found, and the
            re-read change of angle over the commanded one (target within 20 %)
    tears   the largest share of the face's pixels whose source point jumps over 3 px
            from a neighbour's over the four turns (eval.metrics.torn_share)
    pulled  the largest share of the turned face's pixels that sample beyond the photo's
            face outline: hair or background pulled into it (eval.metrics.pulled_share)
    emotions each emotion's offsets (teacher/emotion.py, strength 1) added to the
            portrait's own: the cosine between the re-read coefficient change (fitted
            against the portrait's identity) and the offsets, as `eval.controls` measures
            it in whole clips, but on the renderer alone (target >= 0.3 for every one)
    back    the camera moved back to distance BACK (the control's far end): the re-read
            face width's log change over the camera's (target 1), and the share of the
            frame beyond the photo, filled by render/outpaint.py ("filled")
Prints one row per portrait and writes the figures as JSON.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from vasa_core.eval.metrics import eye_ratio, opening_ratio, pulled_share, torn_share
from vasa_core.face import topology as T
from vasa_core.face.analyze import analyze_image, default_detector, detect_and_fit
from vasa_core.io.examples import example_portrait_path, shared_portraits
from vasa_core.eval.controls import emotion_cosine
from vasa_core.latent import EXPRESSION_SLICE, Motion
from vasa_core.teacher.emotion import EMOTION_STYLES
from vasa_core.render import Renderer
from vasa_core.render.camera import camera_zoom

TURNS = (("yaw", -25.0), ("yaw", 25.0), ("pitch", -15.0), ("pitch", 15.0))
EMOTIONS = tuple(e for e in EMOTION_STYLES if e != "neutral")
BACK = -0.3  # camera distance (log): the far end of the control


def commands(m0: Motion) -> tuple[list[str], Motion]:
    """Labels and a (N, D) motion: own, jaw open, blink, the turns, then the emotions."""
    labels = ["own", "jaw", "blink"]
    rows = [m0, m0.set("jawOpen", 1.0).set("mouthClose", 0.0),
            m0.set("eyeBlinkLeft", 1.0).set("eyeBlinkRight", 1.0)]
    for name, delta in TURNS:
        labels.append(f"{name}{delta:+g}")
        rows.append(m0.set(name, float(m0[name][0]) + delta))
    for name in EMOTIONS:
        labels.append(name)
        values = m0.values.copy()
        values[:, EXPRESSION_SLICE] = np.clip(
            values[:, EXPRESSION_SLICE] + EMOTION_STYLES[name].scaled(1.0)[0], 0, 1)
        rows.append(Motion(values, m0.fps))
    return labels, Motion.concat(rows)


def read(frame: np.ndarray, detector):
    """(landmarks (478, 2) px, pose dict) of the face in `frame`, or None."""
    found = detect_and_fit(frame, detector, retry=True)
    if found is None:
        return None
    fit, points, _ = found
    return points[:, :2], {"yaw": float(fit.pose.yaw), "pitch": float(fit.pose.pitch)}


def read_expression(frame: np.ndarray, detector, identity: np.ndarray) -> np.ndarray | None:
    """(K,) expression coefficients of the face in `frame` fitted against `identity`."""
    found = detect_and_fit(frame, detector, retry=True, shape=identity)
    return None if found is None else found[0].expression


def turn_faults(renderer: Renderer, motion: Motion) -> tuple[list[float], list[float]]:
    """Per frame, eval.metrics.torn_share of the backward map over the face, and
    eval.metrics.pulled_share: the face's pixels that sample beyond the photo's face."""
    c = renderer.geometry.displacement(torch.as_tensor(motion.values))
    flow = renderer.warp.solve(c.disp, c.depth, c.turn)
    oval, source = list(T.FACE_OVAL), renderer.geometry.source_full[list(T.FACE_OVAL)]
    torn, pulled = [], []
    for i in range(len(motion)):
        src_map = renderer.compositor.source_map(flow, i, c.target[i])
        torn.append(torn_share(src_map, c.target[i][oval]))
        pulled.append(pulled_share(src_map, (renderer.warp.source + c.disp[i])[oval], source))
    return torn, pulled


def measure(path: Path, size: int) -> dict:
    latent = analyze_image(path)
    labels, motion = commands(latent.motion0())
    renderer = Renderer(latent, size=size)
    frames = renderer.render(motion)
    detector = default_detector(static=True)
    seen = dict(zip(labels, (read(f, detector) for f in frames)))
    if seen["own"] is None:
        return {"portrait": path.name, "error": "no face in the portrait's own frame"}
    own_pts, own_pose = seen["own"]
    out = {"portrait": path.name,
           "jaw": round(opening_ratio(seen["jaw"][0]), 3) if seen["jaw"] else None,
           "blink": (round(eye_ratio(seen["blink"][0]) / eye_ratio(own_pts), 3)
                     if seen["blink"] else None)}
    torn, pulled = turn_faults(renderer, motion[3:3 + len(TURNS)])
    out["tears"], out["pulled"] = round(max(torn), 4), round(max(pulled), 4)
    for name, delta in TURNS:
        key = f"{name}{delta:+g}"
        out[key] = (round((seen[key][1][name] - own_pose[name]) / delta, 3)
                    if seen[key] else None)  # re-read change / commanded change
    expression = {k: read_expression(f, detector, latent.identity)
                  for k, f in zip(labels, frames) if k in ("own", *EMOTIONS)}
    out["emotions"] = {e: (emotion_cosine(e, expression[e] - expression["own"])
                           if expression[e] is not None and expression["own"] is not None
                           else None) for e in EMOTIONS}
    known = [c for c in out["emotions"].values() if c is not None]
    out["emo min"] = min(known) if known else None
    out.update(camera_back(latent, size, detector, own_pts))
    return out


def camera_back(latent, size: int, detector, own_pts: np.ndarray) -> dict:
    """{"back": re-read log face-width change / the camera's, "filled": share beyond}."""
    zoom = camera_zoom(BACK)
    renderer = Renderer(latent, size=size, zoom=zoom)
    seen = read(renderer.render(latent.motion0())[0], detector)
    width = lambda pts: np.ptp(pts[list(T.FACE_OVAL), 0])  # noqa: E731
    back = (round(float(np.log(width(seen[0]) / width(own_pts)) / np.log(zoom)), 3)
            if seen else None)
    return {"back": back, "filled": round(renderer.filled, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = [measure(Path(p), args.size) for p in [example_portrait_path(), *shared_portraits()]]
    keys = ["jaw", "blink", *(f"{n}{d:+g}" for n, d in TURNS), "tears", "pulled", "emo min", "back",
            "filled"]
    print(f"{'portrait':30s}" + "".join(f"{k:>10s}" for k in keys))
    for row in rows:
        print(f"{row['portrait'][:30]:30s}" + "".join(
            f"{row.get(k) if row.get(k) is not None else '-':>10}" for k in keys))
    print(f"\n{'emotion cosines':30s}" + "".join(f"{e:>10s}" for e in EMOTIONS))
    for row in rows:
        cos = row.get("emotions", {})
        print(f"{row['portrait'][:30]:30s}" + "".join(
            f"{cos.get(e) if cos.get(e) is not None else '-':>10}" for e in EMOTIONS))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
