"""Metrics measured on pixels (docs/design.md, "Metrics"): every method is scored the same way.

The face analyzer re-reads frames, generated or real:
  * mouth opening: inner-lip gap (mean of the middle three inner-lip point pairs) over
    the distance between the outer eye corners, per frame; scale- and pose-robust;
  * lip sync: Pearson r between the generated and the real video's opening series on the
    25 fps grid, at the best lag within +-MAX_LAG frames (the AV offset) and at lag 0;
    over several videos, the pooled offset: the best lag of their lag curves averaged
    (a 5-8 s clip's own best lag is noisy where its curve is flat, so a system's lag
    shows in the pool, not in one clip);
  * head motion dP: mean absolute change of (yaw, pitch, roll) per frame, degrees
    (VASA-1's delta-P, Sec. 4.1);
  * blinks per minute: rising crossings of the mean eyeBlink above BLINK_ON after being
    below BLINK_OFF (hysteresis, so one blink is counted once), measured from the clip's
    median (its open-eye level) towards fully shut; on pixels, from the eyes' own aspect
    ratio (lid gap over eye width, both eyes) dipping below EAR_ON of the clip's median
    and back above EAR_OFF: a fitted eyeBlink coefficient swings with a face's squint
    and shadow, the landmarks' lid gap does not;
  * audio log energy: RMS level (dB) of each 40 ms frame of 16 kHz audio, the reference
    for clips without a real video (a mouth that follows the voice correlates with it);
  * window-join jitter: mean |second difference| of the motion at sliding-window joins
    over the same elsewhere (1.0 = joins are as smooth as the rest).
"""
from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from ..face import topology as T
from ..face.topology import opening_ratio  # noqa: F401 (re-exported)
from ..face.analyze import default_detector, detect_and_fit
from ..grid import FPS, resample  # noqa: F401 (resample: re-exported)
from ..latent import Motion

MAX_LAG = 5  # frames (200 ms) searched for the AV offset
BLINK_ON, BLINK_OFF = 0.5, 0.3
EAR_ON, EAR_OFF = 0.65, 0.85  # of the clip's median eye aspect ratio: shut, open again
# per eye (right, left): (upper lid middle, lower lid middle, outer corner, inner corner)
EYES = tuple((int(up[4]), int(lo[4]), int(up[0]), int(up[-1]))
             for up, lo in (T.lid_pairs("right"), T.lid_pairs("left")))


def mouth_opening(frames: Iterable[np.ndarray]) -> np.ndarray:
    """(T,) inner-lip gap / outer-eye-corner distance of the largest face per RGB frame.
    Frames without a face are filled by linear interpolation (ValueError if none has)."""
    return opening_from_fits(track(frames))


def track(frames: Iterable[np.ndarray], shape: np.ndarray | None = None) -> list:
    """Per-frame `detect_and_fit` results with the tracking detector (None: no face),
    fitted against `shape` (a person's identity) or the canonical face."""
    detector = default_detector(static=False)
    detector.reset()  # a new clip: nothing carried over from the last one
    return [detect_and_fit(frame, detector, retry=False, shape=shape) for frame in frames]


def opening_from_fits(found: list) -> np.ndarray:
    """The mouth opening series of per-frame `detect_and_fit` results (see mouth_opening)."""
    out = []
    for fit in found:
        if fit is None:
            out.append(np.nan)
            continue
        out.append(opening_ratio(fit[1][:, :2]))
    series = np.asarray(out, np.float64)
    ok = np.isfinite(series)
    if not ok.any():
        raise ValueError("no face found in any frame; cannot measure the mouth")
    idx = np.arange(len(series))
    return np.interp(idx, idx[ok], series[ok])


TEAR_PX = 3.0  # a source jump between neighbouring output pixels that reads as a tear


def _inside(shape: tuple[int, int], outline: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels (centres at integer coordinates) inside `outline` (K, 2) px."""
    from matplotlib.path import Path

    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    return Path(outline).contains_points(np.stack([xs.ravel(), ys.ravel()], 1)).reshape(shape)


def torn_share(src_map: np.ndarray, outline: np.ndarray) -> float:
    """Share of the pixels inside `outline` (K, 2) px whose source point (src_map (H, W, 2)
    px, a renderer's backward map) jumps more than TEAR_PX from a neighbour's: a tear or
    a fold of the map (an occlusion edge counts too, but is one line of pixels)."""
    jump = np.maximum(np.linalg.norm(np.diff(src_map, axis=1)[:-1], axis=-1),
                      np.linalg.norm(np.diff(src_map, axis=0)[:, :-1], axis=-1))
    inside = _inside(jump.shape, outline)
    return float(np.mean(jump[inside] > TEAR_PX)) if inside.any() else 0.0


def pulled_share(src_map: np.ndarray, outline: np.ndarray, source_outline: np.ndarray) -> float:
    """Share of the pixels inside `outline` (K, 2) px, a frame's face outline shrunk by
    2 px, whose source point (src_map (H, W, 2) px) lies outside `source_outline` (K, 2)
    px, the photo's face: hair or background pulled into a turned face."""
    from matplotlib.path import Path

    face = _inside(src_map.shape[:2], outline).astype(np.uint8)
    inside = cv2.erode(face, np.ones((5, 5), np.uint8)).astype(bool)
    if not inside.any():
        return 0.0
    return float(np.mean(~Path(source_outline).contains_points(src_map[inside])))


def log_energy(wave: np.ndarray, frames: int, samples_per_frame: int = 640) -> np.ndarray:
    """(frames,) RMS level in dB of each 640-sample (40 ms at 16 kHz) frame of `wave`,
    zero-padded or cut to `frames` frames."""
    padded = np.zeros(frames * samples_per_frame, np.float32)
    padded[: len(wave)] = wave[: len(padded)]
    rms = np.sqrt(np.mean(padded.reshape(frames, samples_per_frame) ** 2, axis=1))
    return 20 * np.log10(rms + 1e-5)


def lip_sync(generated: np.ndarray, real: np.ndarray, max_lag: int = MAX_LAG) -> dict:
    """Pearson r of two opening series at lag 0 and at the best lag (frames; > 0 means
    the generated mouth lags the real one). A series that never moves (a silent clip)
    correlates with nothing: r is NaN and the offset 0."""
    n = min(len(generated), len(real))
    if n < 2 * max_lag + 10:
        raise ValueError(f"need at least {2 * max_lag + 10} frames to measure lip sync")
    g, r = generated[:n], real[:n]
    lags = range(-max_lag, max_lag + 1)
    scores = [_pearson(g[max(k, 0):n + min(k, 0)], r[max(-k, 0):n - max(k, 0)]) for k in lags]
    curve = [round(float(s), 4) for s in scores]
    if np.all(np.isnan(scores)):
        return {"r": float("nan"), "offset": 0, "r_lag0": float("nan"), "r_by_lag": curve}
    best = int(np.nanargmax(scores))
    return {"r": float(scores[best]), "offset": int(list(lags)[best]),
            "r_lag0": float(scores[max_lag]), "r_by_lag": curve}


def pooled_offset(curves: list[list[float]], frames: list[int]) -> dict:
    """The best lag of several clips' `lip_sync` lag curves (each over lags -L..L) pooled:
    Fisher-z average weighted by frames - 3 (each r's inverse variance), so a long clip
    counts more than a short one and no clip's flat curve decides alone. Returns
    {"offset": frames (> 0: generated lags real), "r": the pooled r at that lag}."""
    z = np.arctanh(np.clip(np.asarray(curves, np.float64), -0.999, 0.999))  # (clips, lags)
    w = np.maximum(np.asarray(frames, np.float64) - 3, 1.0)[:, None] * np.isfinite(z)
    if not w.any():
        return {"offset": 0, "r": float("nan")}
    pooled = np.nansum(z * w, axis=0) / np.maximum(w.sum(0), 1e-9)
    best = int(np.argmax(pooled))
    return {"offset": best - (z.shape[1] - 1) // 2, "r": float(np.tanh(pooled[best]))}


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() < 1e-9 or b.std() < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def delta_p(motion: Motion) -> float:
    """Mean absolute per-frame change of yaw, pitch and roll, degrees per frame at 25 fps."""
    pose = np.stack([motion[n] for n in ("yaw", "pitch", "roll")], 1)
    pose = np.stack([resample(c, motion.fps) for c in pose.T], 1)
    return float(np.abs(np.diff(pose, axis=0)).mean()) if len(pose) > 1 else 0.0


def blink_rate(motion: Motion) -> float:
    """Blinks per minute from the mean of eyeBlinkLeft/Right (hysteresis crossings),
    relative to the clip's open-eye level (its median): a portrait or a person whose
    resting lids read 0.5 (narrow eyes, a squint) counts its blinks, not its eyes."""
    blink = (motion["eyeBlinkLeft"] + motion["eyeBlinkRight"]) / 2
    rest = float(np.median(blink))
    blink = (blink - rest) / max(1.0 - rest, 0.2)  # 0 open as usual, 1 shut
    count, armed = 0, True
    for b in blink:
        if armed and b > BLINK_ON:
            count, armed = count + 1, False
        elif b < BLINK_OFF:
            armed = True
    return 60.0 * count / max(len(blink) / motion.fps, 1e-9)


def eye_ratio(points: np.ndarray) -> float:
    """Mean over both eyes of lid gap / eye width of one face's (478, 2+) landmarks."""
    return float(np.mean([np.linalg.norm(points[u, :2] - points[d, :2])
                          / max(np.linalg.norm(points[o, :2] - points[i, :2]), 1e-6)
                          for u, d, o, i in EYES]))


def blinks_on_pixels(found: list, fps: float) -> float:
    """Blinks per minute of per-frame `detect_and_fit` results (None: no face, skipped):
    the eye aspect ratio falling below EAR_ON of the clip's median, counted once until it
    is back above EAR_OFF."""
    ratio = np.array([eye_ratio(fit[1]) for fit in found if fit is not None])
    if len(ratio) == 0:
        raise ValueError("no face found in any frame; cannot count blinks")
    open_eyes = float(np.median(ratio))
    count, armed = 0, True
    for r in ratio / max(open_eyes, 1e-6):
        if armed and r < EAR_ON:
            count, armed = count + 1, False
        elif r > EAR_OFF:
            armed = True
    return 60.0 * count / max(len(found) / fps, 1e-9)


def join_jitter(motion: Motion, window: int) -> float:
    """Mean |second difference| of all motion dims at window joins / elsewhere."""
    acc = np.abs(np.diff(motion.values, n=2, axis=0)).mean(1)  # (T-2,) centred at t+1
    joins = np.zeros(len(acc), bool)
    joins[np.arange(window - 1, len(acc), window)] = True  # centred on frames w-1 | w
    if not joins.any() or joins.all():
        raise ValueError("the motion is too short to compare window joins")
    return float(acc[joins].mean() / max(acc[~joins].mean(), 1e-9))
