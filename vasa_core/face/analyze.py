"""Portrait -> FaceLatent, and any frame or video -> Motion (the motion encoder).

`analyze_image` builds the full latent of a portrait: landmarks, the fitted pose,
expression and gaze, the identity (neutral shape), the person mask and the background
plate. `analyze_frames` / `analyze_video` apply the same fit to every frame and return a
Motion, so generated frames and real videos are measured the same way (docs/design.md,
"Metrics").
"""
from __future__ import annotations

import threading
from typing import Iterable

import cv2
import numpy as np

from ..grid import FPS
from ..latent import EXPRESSION_NAMES, FaceLatent, Motion
from .detector import NO_FACE_HELP, FaceDetector
from .fit import FaceFit, fit_landmarks, rest_from_fit

PLATE_SIDE = 512  # the background plate is inpainted at this size, then upsampled

_local = threading.local()


def default_detector(static: bool = True) -> FaceDetector:
    """One detector per thread and mode (MediaPipe graphs are not thread-safe)."""
    key = "static" if static else "tracking"
    if not hasattr(_local, key):
        setattr(_local, key, FaceDetector(static=static))
    return getattr(_local, key)


def person_mask(detector: FaceDetector, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(H, W) float32 alpha: selfie segmentation, always covering the face hull."""
    mask = detector.segment(image)
    hull = cv2.convexHull(landmarks[:, :2].astype(np.int32))
    face = np.zeros(mask.shape, np.uint8)
    cv2.fillConvexPoly(face, hull, 1)
    mask = np.maximum(mask, face.astype(np.float32))
    # A crisp-but-not-binary edge: hair strands stay soft, the plate stays clean.
    mask = np.clip((mask - 0.25) / 0.5, 0.0, 1.0)
    return cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.002 * max(mask.shape)))


def background_plate(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: the image with the person inpainted away (Telea), where the head
    may uncover the background. Pixels outside the (dilated) person stay untouched."""
    h, w = mask.shape
    scale = min(1.0, PLATE_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    hole = (cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR) > 0.02).astype(np.uint8)
    hole = cv2.dilate(hole, np.ones((5, 5), np.uint8), iterations=2)
    filled = cv2.inpaint(small, hole, 7, cv2.INPAINT_TELEA)
    filled = cv2.GaussianBlur(filled, (0, 0), 2.0)
    big = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
    keep = cv2.resize(hole.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    return (big * keep + image * (1.0 - keep)).astype(np.uint8)


def detect_and_fit(image: np.ndarray, detector: FaceDetector | None = None,
                   retry: bool = True, shape: np.ndarray | None = None
                   ) -> tuple[FaceFit, np.ndarray, tuple] | None:
    """Fit of the largest face in an RGB uint8 image: (fit, landmarks px, box) or None.
    `shape` (478, 3): the neutral to fit against (a person's identity; default canonical)."""
    detector = detector or default_detector()
    det = detector.detect(image, retry=retry)
    if det is None:
        return None
    return fit_landmarks(det.landmarks, image.shape[:2], shape), det.landmarks, det.box


def analyze_image(image, detector: FaceDetector | None = None) -> FaceLatent:
    """Build the FaceLatent of a portrait (path, bytes, PIL image or array).

    Raises ValueError with advice when no face is found. With several faces the largest wins.
    """
    from ..io.media import load_image

    image = load_image(image)
    detector = detector or default_detector()
    found = detect_and_fit(image, detector)
    if found is None:
        raise ValueError(NO_FACE_HELP)
    fit, landmarks, box = found
    mask = person_mask(detector, image, landmarks)
    identity, expression0 = rest_from_fit(fit)
    return FaceLatent(
        image=image, mask=mask, background=background_plate(image, mask),
        identity=identity, pose0=fit.pose, expression0=expression0,
        gaze0=fit.gaze, landmarks=landmarks.astype(np.float32), scale_px=fit.scale_px,
        face_box=tuple(int(round(v)) for v in box))


def analyze_frames(frames: Iterable[np.ndarray], fps: float = FPS, tracking: bool = False,
                   detector: FaceDetector | None = None,
                   shape: np.ndarray | None = None) -> Motion:
    """Motion (T, D) of the largest face in each RGB frame (see `motion_from_fits`),
    fitted against `shape` (a person's identity) or the canonical face."""
    detector = detector or default_detector(static=not tracking)
    if tracking:
        detector.reset()  # a new clip: nothing carried over from the last one
    return motion_from_fits([detect_and_fit(f, detector, retry=False, shape=shape)
                             for f in frames], fps)


def motion_from_fits(found: list[tuple[FaceFit, np.ndarray, tuple] | None],
                     fps: float) -> Motion:
    """Motion from per-frame `detect_and_fit` results. Frames without a face take the
    nearest detected frame's values (a held pose reads better than a jump); if no frame
    has a face, ValueError."""
    rows = [None if f is None else np.concatenate([f[0].pose.to_array(), f[0].expression,
                                                   f[0].gaze]) for f in found]
    hits = [i for i, r in enumerate(rows) if r is not None]
    if not hits:
        raise ValueError(NO_FACE_HELP.replace("the image", "any frame"))
    filled = [rows[min(hits, key=lambda h: abs(h - i))] for i in range(len(rows))]
    return Motion(np.stack(filled), fps)


def analyze_video(path, max_frames: int | None = None) -> Motion:
    """Motion of a talking-face video, one row per frame, at the video's frame rate."""
    from ..io.media import read_video

    frames, fps = read_video(path, max_frames=max_frames)
    return analyze_frames(frames, fps=fps, tracking=True)


def describe(latent: FaceLatent, threshold: float = 0.1) -> dict:
    """A readable summary of a portrait's own motion (for the CLI and notebooks)."""
    expr = {n: round(float(v), 3) for n, v in zip(EXPRESSION_NAMES, latent.expression0)
            if v >= threshold}
    return {"pose": {k: round(v, 3) for k, v in vars(latent.pose0).items()},
            "gaze": [round(float(g), 2) for g in latent.gaze0], "expression": expr,
            "face_box": list(latent.face_box), "size": list(latent.size)}
