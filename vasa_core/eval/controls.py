"""Do the pipeline's controls do what they say? Each command is rendered and re-read on pixels.

Every clip: the same audio (its first `seconds`), the same seed, no mark, 512 px "face"
crop; one MediaPipe pass (`metrics.track`) gives both the analysed Motion
(`face.analyze.motion_from_fits`) and the mouth-opening series (`metrics.opening_from_fits`).

    gaze       commanded main gaze (yaw, pitch) deg vs the clip's mean measured gaze. Both
               are the motion's gaze axes (latent.py): eye-in-head angles, yaw > 0 towards
               the image's right, pitch > 0 up; the renderer moves the irises within the
               head, so the head's own turn is not part of the command or of the reading.
               MediaPipe under-reads iris shifts (tests/test_closed_loop.py checks the gain),
               so besides the raw error (the headline) an error after a per-portrait linear
               calibration is given: the same angles rendered straight from the portrait's
               rest motion (no model) fix reading = gain * command + bias per axis.
    distance   commanded log-scale offset vs the mean measured log_scale (log of face width
               over the frame's short side) and inter-ocular distance in px: monotonic?, slope.
    emotion    mean measured expression coefficients minus those of emotion="neutral",
               against the emotion's offsets (teacher/emotion.py) on the coefficients they move
               by >= EMOTION_MIN_OFFSET; speech-driven articulators (SPEECH_DRIVEN) are left
               out of both, since the voice, not the emotion, moves them frame by frame.
               The frames are fitted against the portrait's own identity, not the
               canonical face: read against the canonical face, a person's build sits on
               the coefficients' bounds (low brows as browDown 1.0), where no change shows.
    cfg_audio  std and mean of the mouth opening per cfg_audio: does the mouth move more?
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..face.analyze import motion_from_fits
from ..latent import EXPRESSION_NAMES, MOTION_INDEX, Motion
from .metrics import FPS, opening_from_fits, track

GAZES: tuple[tuple[float, float], ...] = ((0.0, 0.0), (15.0, 0.0), (-15.0, 0.0),
                                          (0.0, 10.0), (0.0, -10.0))
DISTANCES: tuple[float, ...] = (-0.2, -0.1, 0.0, 0.1, 0.2)
CFG_AUDIO: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0)
CALIBRATION_DEG: tuple[float, ...] = (-20.0, -10.0, 0.0, 10.0, 20.0)  # per axis, no model
EMOTION_MIN_OFFSET = 0.15  # a "main" coefficient of an emotion: |offset| at strength 1
MOVED = 0.01  # a coefficient "moved" if its mean changed by more than this the right way
SPEECH_DRIVEN: tuple[str, ...] = ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker",
                                  "mouthLowerDownLeft", "mouthLowerDownRight")
SIZE, CROP = 512, "face"


def _r(x, digits: int = 3):
    """Plain rounded floats (nested lists) for JSON."""
    return np.round(np.asarray(x, np.float64), digits).tolist()


def read_clip(pipe, portrait, wave: np.ndarray, seed: int, shape: np.ndarray | None = None,
              **controls) -> tuple[list, Motion, Motion]:
    """Render one clip and re-read it once: (per-frame fits, measured Motion (T, D),
    rendered Motion (T, D), i.e. what the renderer was asked to draw). `shape`: the
    neutral the frames are fitted against (default: the canonical face)."""
    from ..audio import SAMPLE_RATE

    out = pipe(portrait, (wave, SAMPLE_RATE), seed=seed, mark=False, size=SIZE, crop=CROP,
               **controls)
    fits = track(out.frames, shape)
    return fits, motion_from_fits(fits, out.fps), out.motion


def gaze_calibration(pipe, portrait, angles: Sequence[float] = CALIBRATION_DEG,
                     frames: int = 2) -> dict:
    """The analyzer's gain and bias (2,) per axis on this portrait: reading = gain * angle
    + bias, from each angle (A,) rendered on one axis at a time (the other at 0) on the
    portrait's rest motion, no model, `frames` frames each; also the readings (2, A, 2)."""
    grid = np.zeros((2, len(angles), 2))
    grid[0, :, 0] = grid[1, :, 1] = angles  # yaw sweep, then pitch sweep
    rest = pipe.analyze(portrait, SIZE, CROP).motion0().values  # the clips' very renderer
    rows = np.repeat(rest, 2 * len(angles) * frames, 0)
    rows[:, [MOTION_INDEX["gaze_yaw"], MOTION_INDEX["gaze_pitch"]]] = np.repeat(
        grid.reshape(-1, 2), frames, 0)
    frames_read = pipe.render(portrait, Motion(rows, FPS), size=SIZE, crop=CROP, mark=False)
    read = motion_from_fits(track(frames_read), FPS).gaze
    read = read.reshape(2, len(angles), frames, 2).mean(2)  # (axis swept, A, 2)
    fits = [np.polyfit(angles, read[k, :, k], 1) for k in range(2)]
    return {"gain": np.array([f[0] for f in fits]), "bias": np.array([f[1] for f in fits]),
            "read": read}


def gaze_report(pipe, portrait, wave: np.ndarray, seed: int,
                gazes: Sequence[tuple[float, float]], calibrate: bool = True) -> dict:
    """Measured mean gaze per commanded gaze; MAE over commands and both axes (deg), the
    headline; the same for the motion the renderer was given (model + retarget alone)."""
    command = np.asarray(gazes, np.float64)  # (G, 2)
    clips = [read_clip(pipe, portrait, wave, seed, gaze=tuple(g)) for g in gazes]
    measured = np.stack([m.gaze.mean(0) for _, m, _ in clips])  # (G, 2)
    rendered = np.stack([r.gaze.mean(0) for _, _, r in clips])
    head = np.stack([m.pose[:, :2].mean(0) for _, m, _ in clips])  # measured head yaw, pitch
    report = {"commanded": _r(command, 1), "measured": _r(measured, 2),
              "rendered_motion": _r(rendered, 2), "measured_head_yaw_pitch": _r(head, 2),
              "error": _r(measured - command, 2),
              "mae_deg": round(float(np.abs(measured - command).mean()), 2),
              "rendered_mae_deg": round(float(np.abs(rendered - command).mean()), 2),
              "portrait_gaze": _r(pipe.analyze(portrait, SIZE, CROP).gaze0, 2),
              "yaw_sign_ok": _sign_ok(command[:, 0], measured[:, 0]),
              "pitch_sign_ok": _sign_ok(command[:, 1], measured[:, 1])}
    if calibrate:
        cal = gaze_calibration(pipe, portrait)
        corrected = (measured - cal["bias"]) / np.where(np.abs(cal["gain"]) > 1e-3,
                                                         cal["gain"], 1e-3)
        report.update(calibration_gain=_r(cal["gain"]), calibration_bias_deg=_r(cal["bias"], 2),
                      calibrated_measured=_r(corrected, 2),
                      calibrated_mae_deg=round(float(np.abs(corrected - command).mean()), 2))
    return report


def _sign_ok(command: np.ndarray, measured: np.ndarray) -> bool | None:
    """Whether the measured angle rises with the command along one axis (None: the axis
    was not varied). Compares the largest and the smallest command's readings."""
    if np.ptp(command) == 0:
        return None
    return bool(measured[np.argmax(command)] > measured[np.argmin(command)])


def distance_report(pipe, portrait, wave: np.ndarray, seed: int,
                    distances: Sequence[float]) -> dict:
    """Mean measured log_scale and inter-ocular px per commanded distance: strictly
    monotonic?, slope of measured (and of rendered) log_scale on the command (ideal 1)."""
    clips = [read_clip(pipe, portrait, wave, seed, distance=float(d)) for d in distances]
    scale = np.array([m["log_scale"].mean() for _, m, _ in clips])
    rendered = np.array([r["log_scale"].mean() for _, _, r in clips])
    eyes = np.array([_inter_ocular_px(f) for f, _, _ in clips])
    order = np.argsort(distances)
    rising = bool(np.all(np.diff(scale[order]) > 0))
    return {"commanded": _r(distances, 2), "measured_log_scale": _r(scale),
            "rendered_log_scale": _r(rendered), "inter_ocular_px": _r(eyes, 1),
            "strictly_monotonic": rising, "slope": _slope(distances, scale),
            "rendered_slope": _slope(distances, rendered)}


def _slope(x: Sequence[float], y: np.ndarray) -> float | None:
    """Least-squares slope of y (N,) on x (N,); None for fewer than two points."""
    return round(float(np.polyfit(x, y, 1)[0]), 3) if len(x) > 1 else None


def _inter_ocular_px(fits: list) -> float:
    """Mean outer-eye-corner distance (px) over the frames with a face."""
    return float(np.mean([np.linalg.norm(f[1][33, :2] - f[1][263, :2]) for f in fits if f]))


def emotion_report(pipe, portrait, wave: np.ndarray, seed: int,
                   emotions: Sequence[str], min_offset: float = EMOTION_MIN_OFFSET) -> dict:
    """Per emotion, the measured expression change from emotion="neutral" vs its offsets:
    cosine (over the non-speech coefficients), the fraction of main coefficients moved the
    right way by more than MOVED (an unchanged reading does not count), their deltas; also
    the cosine of the rendered motion's own change (the model alone).
    Returns {"mean_cosine", "mean_sign_fraction", "per_emotion": {name: {...}}}."""
    from ..teacher.emotion import EMOTION_STYLES

    keep = np.array([n not in SPEECH_DRIVEN for n in EXPRESSION_NAMES])
    shape = pipe.analyze(portrait, SIZE, CROP).identity
    _, base, base_rendered = read_clip(pipe, portrait, wave, seed, shape, emotion="neutral")
    report: dict[str, dict] = {}
    for name in emotions:
        _, measured, rendered = read_clip(pipe, portrait, wave, seed, shape, emotion=name)
        change = measured.expression.mean(0) - base.expression.mean(0)
        delta = change[keep]
        offset = EMOTION_STYLES[name].scaled(1.0)[0][keep]
        main = np.abs(offset) >= min_offset
        names = np.array(EXPRESSION_NAMES)[keep][main]
        right_sign = np.sign(offset[main]) * delta[main] > MOVED
        report[name] = {
            "cosine": emotion_cosine(name, change, min_offset),
            "sign_fraction": round(float(right_sign.mean()), 3),
            "expected": dict(zip(names.tolist(), _r(offset[main]))),
            "measured_delta": dict(zip(names.tolist(), _r(delta[main]))),
            "rendered_cosine": emotion_cosine(
                name, rendered.expression.mean(0) - base_rendered.expression.mean(0),
                min_offset)}
    means = {f"mean_{k}": round(float(np.mean([r[k] or 0.0 for r in report.values()])), 3)
             for k in ("cosine", "sign_fraction")}
    return {**means, "per_emotion": report}


def emotion_cosine(name: str, change: np.ndarray,
                   min_offset: float = EMOTION_MIN_OFFSET) -> float | None:
    """Cosine of an expression change (K,) with emotion `name`'s main offsets (|offset|
    >= min_offset at strength 1), over the coefficients speech does not drive
    (SPEECH_DRIVEN); None if either is zero."""
    from ..teacher.emotion import EMOTION_STYLES

    keep = np.array([n not in SPEECH_DRIVEN for n in EXPRESSION_NAMES])
    offset = EMOTION_STYLES[name].scaled(1.0)[0][keep]
    return _cosine(np.asarray(change)[keep], np.where(np.abs(offset) >= min_offset, offset, 0.0))


def _cosine(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cosine of two vectors (None if either is zero)."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return round(float(a @ b) / norm, 3) if norm > 1e-12 else None


def cfg_audio_report(pipe, portrait, wave: np.ndarray, seed: int,
                     scales: Sequence[float]) -> dict:
    """Mouth-opening std and mean per cfg_audio; does the std rise monotonically?"""
    openings = [opening_from_fits(read_clip(pipe, portrait, wave, seed, cfg_audio=float(s))[0])
                for s in scales]
    std = np.array([o.std() for o in openings])
    order = np.argsort(scales)
    return {"cfg_audio": _r(scales, 2), "opening_std": _r(std, 4),
            "opening_mean": _r([o.mean() for o in openings], 4),
            "std_rises_monotonically": bool(np.all(np.diff(std[order]) > 0))}


def evaluate_controls(pipe, portrait, audio, seconds: float = 4.0, seed: int = 0, *,
                      gazes: Sequence[tuple[float, float]] = GAZES,
                      distances: Sequence[float] = DISTANCES,
                      emotions: Sequence[str] | None = None,
                      cfg_audio: Sequence[float] = CFG_AUDIO,
                      calibrate: bool = True) -> dict:
    """All four control reports (module docstring) for one portrait and the first
    `seconds` of `audio` (path or (wave, rate)). emotions None: every one but neutral; an
    empty sequence skips that part. JSON-ready, floats rounded."""
    from ..audio import SAMPLE_RATE, load_audio
    from ..motion import EMOTIONS

    wave = load_audio(audio)[: int(seconds * SAMPLE_RATE)]
    emotions = [e for e in EMOTIONS if e != "neutral"] if emotions is None else list(emotions)
    report: dict = {"seconds": round(len(wave) / SAMPLE_RATE, 2), "seed": seed}
    if gazes:
        report["gaze"] = gaze_report(pipe, portrait, wave, seed, gazes, calibrate)
    if distances:
        report["distance"] = distance_report(pipe, portrait, wave, seed, distances)
    if emotions:
        report["emotion"] = emotion_report(pipe, portrait, wave, seed, emotions)
    if cfg_audio:
        report["cfg_audio"] = cfg_audio_report(pipe, portrait, wave, seed, cfg_audio)
    return report
