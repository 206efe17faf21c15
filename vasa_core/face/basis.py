"""Expression basis: one anatomically built displacement field per ARKit coefficient.

Each field is (478, 3) in canonical units (face widths; x right, y down, z away) and
says where every landmark goes at coefficient 1.0. A face with coefficients e (K,) is
`identity + einsum("k,kvc->vc", e, basis)`. Fields are built from the canonical shape:
the jaw rotates about a hinge in front of the ears, lids close towards the opposite lid,
lip corners follow smile / frown / stretch paths, brows rise and fall with a soft falloff.
Magnitudes follow typical human ranges (a full jawOpen parts the lips by ~0.2 face widths,
~3 cm; a brow raise is ~0.04, ~6 mm). Gaze moves only the iris points (`gaze_offsets`).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..latent import EXPRESSION_NAMES
from . import topology as T
from .canonical import canonical

JAW_ANGLE_DEG = 20.0
# An open mouth is an oval, not a box: the lips' tissue is held at the commissures, so near
# the lips the jaw's drop falls off towards the corners (an elliptic profile across the
# mouth, down to JAW_CORNER_DROP of it at the corners), over about LIP_TAPER_DEPTH face
# widths below the inner lower lip (the lower lip's thickness); the chin drops rigidly.
# A stronger taper is nearer real mouths' shape but reads worse to MediaPipe, in streamed
# lip sync and wide-open jaws (docs/experiments.md, "An oval mouth").
# Drawn only (`tapered_jaw`, render/geometry.py): fits keep the rigid jaw.
JAW_CORNER_DROP = 0.6
LIP_TAPER_DEPTH = 0.04
EYEBALL_RADIUS = 0.077  # face widths; iris centre travel = radius * sin(angle)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _gauss(c: np.ndarray, centre, sigma: float) -> np.ndarray:
    """(V,) Gaussian weights of points c (V, 3) around `centre` in the x-y plane."""
    d2 = ((c[:, :2] - np.asarray(centre, np.float64)[:2]) ** 2).sum(1)
    return np.exp(-0.5 * d2 / sigma**2)


def _side(c: np.ndarray, side: str, soft: float = 0.02) -> np.ndarray:
    """(V,) weight of the subject's left (x > 0) or right half, soft across the midline."""
    s = 1.0 / (1.0 + np.exp(-c[:, 0] / soft))
    return s if side == "left" else 1.0 - s


def _interp_contour(c: np.ndarray, idx, x: np.ndarray) -> np.ndarray:
    """y of a contour (landmark indices) at positions x, by linear interpolation."""
    pts = c[list(idx)]
    order = np.argsort(pts[:, 0])
    return np.interp(x, pts[order, 0], pts[order, 1])


def _lip_regions(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(V,) soft masks of the lower lip + chin side and of the upper lip side of the mouth.

    Below the inner-lip midline -> lower (moves with the jaw); above -> upper. Mouth corners
    sit on both. Explicit contours win over the geometric split (closed lips coincide).
    """
    mid = 0.5 * (_interp_contour(c, T.LIPS_INNER_UPPER, c[:, 0])
                 + _interp_contour(c, T.LIPS_INNER_LOWER, c[:, 0]))
    lower = _smoothstep((c[:, 1] - mid + 0.01) / 0.05)
    lower[list(T.LIPS_INNER_LOWER) + list(T.LIPS_OUTER_LOWER)] = 1.0
    lower[list(T.LIPS_INNER_UPPER) + list(T.LIPS_OUTER_UPPER)] = 0.0
    lower[[61, 291, 78, 308]] = 0.5
    upper = 1.0 - lower
    upper[c[:, 1] < mid - 0.25] = 0.0  # nothing above the nose moves with the upper lip
    return lower, upper


def _jaw(c: np.ndarray) -> np.ndarray:
    lower, _ = _lip_regions(c)
    hinge = np.array([0.0, 0.02, 0.0])
    a = np.deg2rad(JAW_ANGLE_DEG)
    rot = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    moved = (c - hinge) @ rot.T + hinge
    disp = (moved - c) * lower[:, None]
    if disp[T.CHIN, 1] < 0:  # the rotation's sign must send the chin down
        moved = (c - hinge) @ rot + hinge
        disp = (moved - c) * lower[:, None]
    return disp


def _corner_field(c: np.ndarray, side: str, vec, sigma: float) -> np.ndarray:
    corner = c[291 if side == "left" else 61]
    vec = np.array(vec, np.float64) * np.array([1.0 if side == "left" else -1.0, 1.0, 1.0])
    return _gauss(c, corner, sigma)[:, None] * vec


def _lid_fields(c: np.ndarray, side: str) -> dict[str, np.ndarray]:
    """Blink, squint and wide fields of one eye, built from its lid contours."""
    up, lo = T.lid_pairs(side)
    x = c[:, 0]
    gap = _interp_contour(c, lo, x) - _interp_contour(c, up, x)  # (V,) > 0 inside the eye
    xs = c[up, 0]
    span = _smoothstep((np.minimum(x - xs.min(), xs.max() - x) + 0.015) / 0.05)
    above = _interp_contour(c, up, x) - c[:, 1]  # distance above the upper lid
    below = c[:, 1] - _interp_contour(c, lo, x)
    upper_w = span * np.where(above >= -1e-4, np.exp(-np.maximum(above, 0) / 0.035), 0.0)
    lower_w = span * np.where(below >= -1e-4, np.exp(-np.maximum(below, 0) / 0.03), 0.0)
    upper_w[list(lo)] = 0.0
    lower_w[list(up)] = 0.0
    for w in (upper_w, lower_w):
        w[list(T.IRIS)] = 0.0
        w[[up[0], up[-1]]] = 0.0  # corners stay
    dy = np.zeros_like(c)
    out = {}
    dy[:, 1] = 0.88 * gap * upper_w - 0.12 * gap * lower_w
    out["blink"] = dy.copy()
    dy[:, 1] = 0.15 * gap * upper_w - 0.4 * gap * lower_w
    out["squint"] = dy.copy() + _gauss(c, c[up[4]] + [0, 0.1, 0], 0.05)[:, None] * [0, -0.012, 0]
    dy[:, 1] = -0.35 * gap * upper_w * (above < 0.06) + 0.05 * gap * lower_w
    out["wide"] = dy.copy()
    return out


def _brow_fields(c: np.ndarray, side: str) -> dict[str, np.ndarray]:
    brow = list(T.LEFT_BROW if side == "left" else T.RIGHT_BROW)
    up, _ = T.lid_pairs(side)
    above_lid = _smoothstep((_interp_contour(c, up, c[:, 0]) - c[:, 1] - 0.02) / 0.05)
    inner, outer = c[brow[4]], c[brow[0]]
    whole = np.max([_gauss(c, c[i], 0.05) for i in brow], axis=0) * above_lid
    sgn = 1.0 if side == "left" else -1.0
    return {
        "inner": (_gauss(c, inner, 0.08) * above_lid)[:, None] * [0, -0.06, 0],
        "outer": (_gauss(c, outer, 0.07) * above_lid)[:, None] * [0, -0.04, 0],
        "down": whole[:, None] * [-0.008 * sgn, 0.03, 0],
    }


def _lip_contour_field(c: np.ndarray, idx, vec, side_w=None) -> np.ndarray:
    """Move a lip contour (and its immediate neighbours, softly) by `vec`."""
    w = np.max([_gauss(c, c[i], 0.015) for i in idx], axis=0)
    if side_w is not None:
        w = w * side_w
    return w[:, None] * np.asarray(vec, np.float64)


def _mouth_fields(c: np.ndarray) -> dict[str, np.ndarray]:
    lower, upper = _lip_regions(c)
    jaw = _jaw(c)
    f = {"jawOpen": jaw}
    lip_zone = _gauss(c, [0, 0.31], 0.12)
    f["mouthClose"] = -0.85 * jaw * (lower * lip_zone)[:, None] + \
        (upper * lip_zone)[:, None] * jaw[14] * 0.1
    centre = np.array([0.0, 0.305])
    toward = np.zeros_like(c)
    toward[:, 0] = -(c[:, 0] - centre[0])
    f["mouthFunnel"] = lip_zone[:, None] * (0.25 * toward + [0, 0, -0.035]) + \
        _lip_contour_field(c, T.LIPS_INNER_UPPER[2:-2], [0, -0.015, 0]) + \
        _lip_contour_field(c, T.LIPS_INNER_LOWER[2:-2], [0, 0.025, 0])
    pucker_zone = _gauss(c, [0, 0.31], 0.16)
    f["mouthPucker"] = pucker_zone[:, None] * (0.4 * toward + [0, 0, -0.05])
    f["mouthRollLower"] = _lip_contour_field(c, T.LIPS_OUTER_LOWER[1:-1], [0, -0.022, 0.02])
    f["mouthRollUpper"] = _lip_contour_field(c, T.LIPS_OUTER_UPPER[1:-1], [0, 0.018, 0.02])
    for side, S in (("left", "Left"), ("right", "Right")):
        sw = _side(c, side)
        f[f"mouthSmile{S}"] = _corner_field(c, side, [0.04, -0.045, 0.02], 0.09)
        f[f"mouthFrown{S}"] = _corner_field(c, side, [0.008, 0.04, 0.0], 0.08)
        f[f"mouthStretch{S}"] = _corner_field(c, side, [0.045, 0.012, 0.01], 0.09)
        f[f"mouthPress{S}"] = (_lip_contour_field(c, T.LIPS_OUTER_UPPER, [0, 0.012, 0], sw)
                               + _lip_contour_field(c, T.LIPS_OUTER_LOWER, [0, -0.014, 0], sw))
        sx = 1.0 if side == "left" else -1.0
        f[f"mouthUpperUp{S}"] = (_gauss(c, [0.08 * sx, 0.27], 0.06) * upper)[:, None] * [0, -0.035, 0]
        f[f"mouthLowerDown{S}"] = (_gauss(c, [0.08 * sx, 0.34], 0.06) * lower)[:, None] * [0, 0.035, 0]
    return f


def _face_fields(c: np.ndarray) -> dict[str, np.ndarray]:
    f = {}
    for side, S in (("left", "Left"), ("right", "Right")):
        lid, brow, sx = _lid_fields(c, side), _brow_fields(c, side), (1.0 if side == "left" else -1.0)
        f[f"eyeBlink{S}"], f[f"eyeSquint{S}"], f[f"eyeWide{S}"] = lid["blink"], lid["squint"], lid["wide"]
        f[f"browDown{S}"], f[f"browOuterUp{S}"] = brow["down"], brow["outer"]
        wing = c[T.NOSE_WING_LEFT if side == "left" else T.NOSE_WING_RIGHT]
        f[f"noseSneer{S}"] = _gauss(c, wing, 0.045)[:, None] * [0.004 * sx, -0.025, 0]
    f["browInnerUp"] = _brow_fields(c, "left")["inner"] + _brow_fields(c, "right")["inner"]
    cheeks = _gauss(c, [0.27, 0.24], 0.09) + _gauss(c, [-0.27, 0.24], 0.09)
    f["cheekPuff"] = cheeks[:, None] * np.stack(
        [0.04 * np.sign(c[:, 0]), np.zeros(len(c)), np.full(len(c), -0.025)], 1)
    return f


@lru_cache(maxsize=1)
def tapered_jaw() -> np.ndarray:
    """(478, 3) float32: the jawOpen field with its drop tapered towards the mouth corners
    near the lips (JAW_CORNER_DROP, LIP_TAPER_DEPTH), as the renderer draws it."""
    c = canonical()[0].astype(np.float64)
    right, left = c[T.LIPS_INNER_LOWER[0], 0], c[T.LIPS_INNER_LOWER[-1], 0]
    across = np.clip(np.abs(c[:, 0] - (right + left) / 2) / (abs(left - right) / 2), 0, 1)
    profile = JAW_CORNER_DROP + (1.0 - JAW_CORNER_DROP) * np.sqrt(1.0 - across**2)
    lip = _interp_contour(c, T.LIPS_INNER_LOWER, c[:, 0])
    near = np.exp(-0.5 * (np.maximum(c[:, 1] - lip, 0.0) / LIP_TAPER_DEPTH) ** 2)
    near[c[:, 1] < lip - 0.02] = 0.0  # the upper lip's side does not move with the jaw
    return (_jaw(c) * (1.0 - near * (1.0 - profile))[:, None]).astype(np.float32)


@lru_cache(maxsize=1)
def expression_basis() -> np.ndarray:
    """(K, 478, 3) float32 displacement fields in EXPRESSION_NAMES order."""
    c = canonical()[0].astype(np.float64)
    fields = {**_mouth_fields(c), **_face_fields(c)}
    missing = set(EXPRESSION_NAMES) - set(fields)
    assert not missing, f"basis lacks {missing}"
    basis = np.stack([fields[n] for n in EXPRESSION_NAMES]).astype(np.float32)
    basis[:, list(T.IRIS)] = 0.0
    # Irises ride on the eye: they follow the mean motion of their eye's lid contours.
    for iris, (up, lo) in ((T.LEFT_IRIS, T.lid_pairs("left")), (T.RIGHT_IRIS, T.lid_pairs("right"))):
        basis[:, list(iris)] = basis[:, [up[0], up[-1]]].mean(1, keepdims=True)
    return basis


def gaze_offsets(gaze: np.ndarray) -> np.ndarray:
    """Iris displacement (..., 478, 3) for gaze (..., 2) = (yaw, pitch) in degrees.

    The iris centre lies on an eyeball of radius EYEBALL_RADIUS: it travels radius*sin(yaw)
    to the right and radius*sin(pitch) up (towards -y). Non-iris points do not move.
    """
    g = np.deg2rad(np.asarray(gaze, np.float32))
    shift = np.stack([np.sin(g[..., 0]), -np.sin(g[..., 1]),
                      1.0 - np.cos(g[..., 0]) * np.cos(g[..., 1])], -1)
    shift = shift * EYEBALL_RADIUS
    out = np.zeros(g.shape[:-1] + (478, 3), np.float32)
    out[..., list(T.IRIS), :] = shift[..., None, :]
    return out
