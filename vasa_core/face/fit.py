"""Fit pose, expression and gaze to detected landmarks (the motion encoder's maths).

Model (weak perspective, as MediaPipe's landmarks are):
    points (478, 3) px  ~=  s * R @ (shape + basis . e + gaze_offsets(g)) + t
Pose is a similarity Procrustes (Umeyama 1991) on landmarks that expressions barely move;
the expression is bounded least squares (0 <= e <= 1, a small ridge) on the residual in
the canonical frame; gaze comes from the iris centre relative to the eye corners.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import lsq_linear

from ..latent import EXPRESSION_NAMES, RELATIVE, Pose, angles_from_matrix, rotation_matrix
from . import topology as T
from .basis import EYEBALL_RADIUS, expression_basis, gaze_offsets
from .canonical import canonical

Z_WEIGHT = 0.4  # MediaPipe's depth is less reliable than x, y
RIDGE = 0.01  # relative to each field's energy: keeps near-collinear coefficients
# (press vs. roll, say) from trading off without shrinking small fields (blinks) more


@dataclass
class FaceFit:
    """A fitted face. `observed` (478, 3) are the points in the canonical frame."""

    pose: Pose
    expression: np.ndarray  # (K,)
    gaze: np.ndarray  # (2,) degrees
    observed: np.ndarray
    scale_px: float  # pixels per face width
    rotation: np.ndarray  # (3, 3)
    translation: np.ndarray  # (3,) pixels


def similarity(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Umeyama: s, R, t minimising |dst - (s R src + t)|^2 over (N, 3) point sets."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(b.T @ a / len(src))
    d = np.ones(3)
    d[2] = np.sign(np.linalg.det(u @ vt))
    rot = u @ np.diag(d) @ vt
    s = float((sig * d).sum() / (a**2).sum(1).mean())
    return s, rot, mu_d - s * rot @ mu_s


def pose_from_transform(s: float, rot: np.ndarray, t: np.ndarray,
                        frame_size: tuple[int, int]) -> Pose:
    h, w = frame_size
    short = float(min(h, w))
    yaw, pitch, roll = angles_from_matrix(rot)
    return Pose(float(yaw), float(pitch), float(roll), (t[0] - w / 2) / short,
                (t[1] - h / 2) / short, float(np.log(s / short)))


def transform_from_pose(pose: np.ndarray, frame_size: tuple[int, int]):
    """Inverse of `pose_from_transform` for (..., 6) poses: (s (...), R (..., 3, 3), t (..., 3))."""
    h, w = frame_size
    short = float(min(h, w))
    pose = np.asarray(pose, np.float64)
    rot = rotation_matrix(pose[..., 0], pose[..., 1], pose[..., 2])
    s = np.exp(pose[..., 5]) * short
    t = np.stack([pose[..., 3] * short + w / 2, pose[..., 4] * short + h / 2,
                  np.zeros_like(s)], -1)
    return s, rot, t


@lru_cache(maxsize=1)
def _design() -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares design matrix (3V, K) over the non-iris points, and those points."""
    basis = expression_basis()
    keep = np.arange(468)
    w = np.tile([1.0, 1.0, Z_WEIGHT], len(keep))
    a = basis[:, keep].reshape(len(basis), -1).T * w[:, None]
    return a, keep


def _gaze(observed: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """(yaw, pitch) degrees from iris centres relative to their eye corners."""
    out = []
    for iris, (up, _) in ((T.LEFT_IRIS, T.lid_pairs("left")), (T.RIGHT_IRIS, T.lid_pairs("right"))):
        corners = [up[0], up[-1]]
        rel = (observed[iris[0]] - observed[corners].mean(0)) - (shape[iris[0]] - shape[corners].mean(0))
        out.append(rel[:2] / EYEBALL_RADIUS)
    sx, sy = np.clip(np.mean(out, axis=0), -1.0, 1.0)
    return np.rad2deg(np.array([np.arcsin(sx), np.arcsin(-sy)], np.float32))


def fit_landmarks(points: np.ndarray, frame_size: tuple[int, int],
                  shape: np.ndarray | None = None) -> FaceFit:
    """Fit a FaceFit to (478, 3) pixel landmarks. `shape` is the neutral shape to fit
    against (default: the canonical face; pass a person's identity for tracking)."""
    ref = canonical()[0] if shape is None else shape
    rigid = list(T.RIGID)
    s, rot, t = similarity(ref[rigid].astype(np.float64), points[rigid].astype(np.float64))
    observed = ((points - t) @ rot) / s  # R^T (p - t) / s, row-vector form
    a, keep = _design()
    resid = (observed[keep] - ref[keep]).reshape(-1) * np.tile([1.0, 1.0, Z_WEIGHT], len(keep))
    k = a.shape[1]
    a_aug = np.vstack([a, np.diag(np.sqrt(RIDGE) * np.linalg.norm(a, axis=0))])
    b_aug = np.concatenate([resid, np.zeros(k)])
    expr = lsq_linear(a_aug, b_aug, bounds=(0.0, 1.0), method="bvls").x.astype(np.float32)
    return FaceFit(pose_from_transform(s, rot, t, frame_size), expr, _gaze(observed, ref),
                   observed.astype(np.float32), s, rot, t)


def rest_from_fit(fit: FaceFit) -> tuple[np.ndarray, np.ndarray]:
    """A portrait's (identity (478, 3), expression0 (K,)) from its fit.

    expression0 keeps the fitted articulators; the relative coefficients (latent.RELATIVE:
    brows, lids, smile, ...) are 0 and what the fit read on them stays in the identity, so
    that every command on them has its whole range. Fitted against the generic canonical
    face, one photo reads a person's build as expression, often at a bound (low brows as
    browDown 1.0, narrow eyes as eyeBlink 1.0), and a coefficient read at 1.0 could never
    move further: such a portrait would blink one eye and could not frown.
    """
    relative = [EXPRESSION_NAMES.index(n) for n in RELATIVE]
    expression0 = fit.expression.copy()
    expression0[relative] = 0.0
    identity = (fit.observed - np.einsum("k,kvc->vc", expression0, expression_basis())
                - gaze_offsets(fit.gaze))
    return identity.astype(np.float32), expression0
