"""MediaPipe face mesh (478 points with iris) and selfie segmentation, models from the wheel.

The detector sees a downscaled, square-padded copy of the image (MediaPipe's landmark
projection assumes a square region) and reports points in the original image's pixels, so
rendering keeps the full resolution. When the first pass finds no face (paintings,
drawings, small faces in a large frame) it retries: a full-range face detector finds the
face box and the mesh runs again on a crop around it, then on contrast-equalised and
padded copies, before giving up with a message that says what to try.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial

import cv2
import numpy as np

from .native_logs import QuietGraph, filtered

ANALYSIS_SIDE = 960  # longest side the models see; MediaPipe works at 192-256 px internally

NO_FACE_HELP = ("no face found in the image. Try a clearer, front-facing portrait where the "
                "face is at least ~80 px wide, well lit and not heavily occluded; crop the "
                "image around the face if it is small in the frame")


@dataclass
class Detection:
    """Landmarks of one face: (478, 3) float32; x, y in image pixels, z in pixels (larger =
    further from the camera); `box` (x0, y0, x1, y1) of the landmarks."""

    landmarks: np.ndarray
    box: tuple[float, float, float, float]

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.box
        return (x1 - x0) * (y1 - y0)


def _quiet_import():
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with filtered():
        import mediapipe as mp
    return mp


def _square(image: np.ndarray, side: int, pad: float = 0.0) -> tuple[np.ndarray, float, int, int]:
    """Fit `image` into a side x side square (resize + constant padding).

    Returns (square image, scale, offset x, offset y) so that original = (square - off) / scale.
    `pad` adds a margin as a fraction of the longer side (faces touching the border).
    """
    h, w = image.shape[:2]
    scale = side / (max(h, w) * (1.0 + 2.0 * pad))
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    fill = np.median(np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]]), axis=0)
    canvas = np.empty((side, side, 3), np.uint8)
    canvas[:] = fill.astype(np.uint8)
    ox, oy = (side - nw) // 2, (side - nh) // 2
    canvas[oy:oy + nh, ox:ox + nw] = small
    return canvas, scale, ox, oy


def _equalise(image: np.ndarray) -> np.ndarray:
    """Contrast-limited histogram equalisation of the lightness: helps dark paintings."""
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(lab[..., 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


class FaceDetector:
    """Holds the MediaPipe graphs (costly to build); reuse one per process/thread.

    `static=True` detects afresh on every image (portraits, closed-loop tests); `static=False`
    tracks across consecutive video frames, faster and steadier.
    """

    def __init__(self, static: bool = True, max_faces: int = 4):
        mp = _quiet_import()
        self._mp = mp
        self.mesh = QuietGraph(partial(
            mp.solutions.face_mesh.FaceMesh, static_image_mode=static, max_num_faces=max_faces,
            refine_landmarks=True, min_detection_confidence=0.5, min_tracking_confidence=0.5))
        self._retry_mesh = None
        self._box_detector = None
        self._segmenter = None

    def reset(self) -> None:
        """Forget the face being tracked (`static=False`): call at the start of each clip,
        or its first frames are read where the previous clip's face was."""
        self.mesh.reset()

    def close(self) -> None:
        for g in (self.mesh, self._retry_mesh, self._box_detector, self._segmenter):
            if g is not None:
                g.close()

    def _run_mesh(self, mesh, image: np.ndarray, pad: float = 0.0) -> list[Detection]:
        square, scale, ox, oy = _square(image, ANALYSIS_SIDE, pad)
        result = mesh.process(square)
        found = []
        for face in result.multi_face_landmarks or []:
            pts = np.array([(p.x, p.y, p.z) for p in face.landmark], np.float32) * ANALYSIS_SIDE
            pts[:, 0] = (pts[:, 0] - ox) / scale
            pts[:, 1] = (pts[:, 1] - oy) / scale
            pts[:, 2] = pts[:, 2] / scale
            box = (*pts[:, :2].min(0), *pts[:, :2].max(0))
            found.append(Detection(pts, tuple(float(v) for v in box)))
        return found

    def _face_boxes(self, image: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Boxes from the full-range (up to ~5 m) face detector, for small faces."""
        if self._box_detector is None:
            self._box_detector = QuietGraph(partial(
                self._mp.solutions.face_detection.FaceDetection, model_selection=1,
                min_detection_confidence=0.3))
        square, scale, ox, oy = _square(image, ANALYSIS_SIDE)
        boxes = []
        for det in self._box_detector.process(square).detections or []:
            b = det.location_data.relative_bounding_box
            x0 = (b.xmin * ANALYSIS_SIDE - ox) / scale
            y0 = (b.ymin * ANALYSIS_SIDE - oy) / scale
            boxes.append((x0, y0, x0 + b.width * ANALYSIS_SIDE / scale,
                          y0 + b.height * ANALYSIS_SIDE / scale))
        return boxes

    def _retry(self, image: np.ndarray) -> list[Detection]:
        if self._retry_mesh is None:
            self._retry_mesh = QuietGraph(partial(
                self._mp.solutions.face_mesh.FaceMesh, static_image_mode=True, max_num_faces=1,
                refine_landmarks=True, min_detection_confidence=0.2))
        h, w = image.shape[:2]
        for x0, y0, x1, y1 in sorted(self._face_boxes(image),
                                     key=lambda b: -(b[2] - b[0]) * (b[3] - b[1])):
            cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 1.4 * max(x1 - x0, y1 - y0)
            cx0, cy0 = int(max(0, cx - half)), int(max(0, cy - half))
            crop = image[cy0:int(min(h, cy + half)), cx0:int(min(w, cx + half))]
            if min(crop.shape[:2]) < 8:
                continue
            for found in self._run_mesh(self._retry_mesh, crop):
                found.landmarks[:, 0] += cx0
                found.landmarks[:, 1] += cy0
                x, y = found.landmarks[:, 0], found.landmarks[:, 1]
                return [Detection(found.landmarks, (x.min(), y.min(), x.max(), y.max()))]
        for variant, pad in ((image, 0.25), (_equalise(image), 0.0), (_equalise(image), 0.25)):
            found = self._run_mesh(self._retry_mesh, variant, pad)
            if found:
                return found
        return []

    def detect(self, image: np.ndarray, retry: bool = True) -> Detection | None:
        """The largest face in an RGB uint8 image, or None."""
        found = self._run_mesh(self.mesh, image)
        if not found and retry:
            found = self._retry(image)
        return max(found, key=lambda d: d.area) if found else None

    def segment(self, image: np.ndarray) -> np.ndarray:
        """Person alpha (H, W) float32 in [0, 1] at the image's resolution."""
        if self._segmenter is None:
            self._segmenter = QuietGraph(partial(
                self._mp.solutions.selfie_segmentation.SelfieSegmentation, model_selection=0))
        h, w = image.shape[:2]
        side = 512
        square, scale, ox, oy = _square(image, side)
        mask = self._segmenter.process(square).segmentation_mask
        nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
        mask = mask[oy:oy + nh, ox:ox + nw]
        return np.clip(cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR), 0, 1)
