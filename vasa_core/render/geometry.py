"""Where every control point of a portrait goes for a motion (batched, torch).

Control points, in source-canvas pixels (N, 2):
  * the 468 face-mesh landmarks: moved by the full model, pose(identity + basis . e);
    projecting the rotated 3-D mesh gives depth-aware parallax (the nose swings further
    than the cheeks). Irises are not control points: eyes.py moves them.
  * head-proxy points on an ellipsoid around the skull, outside the face: rigid head
    motion, so hair and ears follow the head;
  * a ring beyond the head silhouette whose motion fades out below the chin (the neck),
  * anchors around the layers' outer edge (the canvas and its margin): never move.
Their displacements are interpolated densely by warp.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from ..face.basis import expression_basis, gaze_offsets, tapered_jaw
from ..face.fit import transform_from_pose
from ..face.topology import (CHIN, FACE_OVAL, LIPS_INNER_LOWER, LIPS_INNER_UPPER, OUTLINE_RING,
                             eye_distance, lid_pairs, opening_ratio)
from ..latent import (AFFECT, EXPRESSION_NAMES, EXPRESSION_SLICE, GAZE_SLICE, POSE_SLICE,
                      FaceLatent)

N_MESH = 468
# The jaw's travel: a portrait whose fitted neutral keeps its lips pressed or rolled in
# (identity the single-image fit could not separate) has its jaw stretched until jawOpen 1
# would part the inner lips by JAW_OPEN_GAP eye distances on its frontal canonical face,
# so that speech's syllables open every face alike.
JAW_OPEN_GAP = 0.5
MAX_JAW_GAIN = 2.0
# What the camera is shown is bounded: the lips part by at most JAW_WIDEST_GAP eye
# distances as the photo's camera sees the face (its own pose; the same
# measure as every pixel reading, topology.opening_ratio): a little past the widest
# opening the shared real videos' speakers show. Wider, an open mouth looks like a scream
# and MediaPipe no longer believes it: it reads the lower lip back up inside the cavity,
# so a wider mouth reads narrower. Chosen leaving each of 24 portraits out
# (docs/experiments.md). It is the jaw's ceiling in `_personalise`; speech reaches it only
# at its widest syllables.
JAW_WIDEST_GAP = 0.41
_LIP_UPPER, _LIP_LOWER = list(LIPS_INNER_UPPER[3:8]), list(LIPS_INNER_LOWER[3:8])  # middle
# The ARKit-style basis moves brows, cheeks, squints and sneers a few millimetres, which
# reads as almost nothing on a face; the affect coefficients (latent.AFFECT, whose rest
# is 0 on every portrait) are rendered with this much more travel, up to AFFECT_MAX basis
# units (a brow raised ~14 mm, about as far as a face goes; beyond it MediaPipe reads a
# brow as lower again).
AFFECT_TRAVEL = 3.2
AFFECT_MAX = 1.6
# A pinhole camera this far from the head's centre, in face widths (~85 cm, a portrait's
# distance; the shoulders a hand behind the face are then a sixth of it further, as
# render/camera.py assumes). The fit and the control points' sources are weak perspective,
# as MediaPipe's landmarks are; a turned or nodding head adds the change of perspective
# (`_perspective`): its near side grows and its far side shrinks as a camera sees it.
CAMERA_DISTANCE = 6.0
HEAD_CENTRE = np.array([0.0, -0.12, 0.05])  # canonical units (face widths)
HEAD_RADII = np.array([0.62, 0.82, 0.72])
PROXY_CLEARANCE = 0.04  # face widths: how far outside the face outline a proxy point lies
NECK_FADE = 0.3  # face radii below the chin over which the ring's motion fades out
# The face's outline is where the photo sees the mesh edge-on: its points and the next
# ring's lie close together in the photo but at different depths, so a turn shifts them
# unevenly, and the thin triangles between them fold and stretch by turns, combing hair
# and skin together along the cheek. Their displacements are averaged over the mesh's
# points with a Gaussian this wide (face widths), so the outline compresses or widens
# smoothly instead (`HeadGeometry._outline_weights`).
OUTLINE_SMOOTHING = 0.035


def lip_gap(points: np.ndarray) -> float:
    """Mean gap (y) between the middle inner-lip points of (478, 2+) points or basis rows."""
    return float(np.mean(points[_LIP_LOWER, 1] - points[_LIP_UPPER, 1]))


def lips_meet(latent: FaceLatent) -> float:
    """The jawOpen at which this face's inner lips meet, its other coefficients as in the
    photo and mouthClose 0; 0 where they are apart at a closed jaw (an open-mouthed photo).
    A photo of pressed lips is fitted with its jaw partly open (identity the single-image
    fit cannot separate), so below this value its jaw moves and its lips stay shut
    (`animate.retarget`, `lips_meet`). The shape is linear in the coefficients."""
    k, close = EXPRESSION_NAMES.index("jawOpen"), EXPRESSION_NAMES.index("mouthClose")
    basis = expression_basis()
    e = np.array(latent.expression0, np.float64)
    e[k] = e[close] = 0.0
    closed = latent.identity + np.einsum("k,kvc->vc", e, basis)
    return max(0.0, -lip_gap(closed) / lip_gap(basis[k]))


@dataclass
class Canvas:
    """A square source region (x0, y0, side) in portrait pixels, rendered at `size` px.

    `margin`: output px of source beyond each side that the layers carry, so that a head
    moving near the canvas edge uncovers real (or plausibly continued) pixels instead of
    stretching the edge; the still border anchors sit at its outer edge."""

    x0: float
    y0: float
    side: float
    size: int
    margin: int = 0

    @property
    def scale(self) -> float:
        return self.size / self.side

    def to_canvas(self, xy: np.ndarray) -> np.ndarray:
        return (xy - np.array([self.x0, self.y0])) * self.scale


def _perspective(cam):
    """(..., V, 2) how far a pinhole camera CAMERA_DISTANCE away moves points (..., V, 3)
    (rotated canonical units, z away from the camera; the head's centre at 0) beyond
    where weak perspective puts them, in the same units."""
    return cam[..., :2] * (CAMERA_DISTANCE / (CAMERA_DISTANCE + cam[..., 2:]) - 1.0)


def _signed_distance(polygon: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(M,) px from each of points (M, 2) to the closed polygon (K, 2): positive inside,
    negative outside, whichever way round the polygon runs."""
    poly = polygon.astype(np.float32).reshape(-1, 1, 2)
    return np.array([cv2.pointPolygonTest(poly, (float(x), float(y)), True) for x, y in points])


def _ellipsoid_points(n_lat: int = 9, n_lon: int = 18) -> np.ndarray:
    """(M, 3) points on the head ellipsoid (canonical units)."""
    lat = np.linspace(-0.45 * np.pi, 0.45 * np.pi, n_lat)
    lon = np.linspace(0, 2 * np.pi, n_lon, endpoint=False)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    unit = np.stack([np.cos(la) * np.sin(lo), np.sin(la), -np.cos(la) * np.cos(lo)], -1)
    return (unit.reshape(-1, 3) * HEAD_RADII + HEAD_CENTRE)


@dataclass
class Controls:
    """A batch's control-point motion: `disp` (B, N, 2) target minus source canvas px,
    `target` (B, 478, 2) the landmarks' target positions, `depth` (B, N) per control
    point (larger = farther; it orders overlapping triangles), `turn` (B,) degrees the
    head has turned or nodded away from the portrait's own pose."""

    disp: np.ndarray
    target: np.ndarray
    depth: np.ndarray
    turn: np.ndarray


class HeadGeometry:
    """Per-portrait geometry: control points and their per-frame displacement."""

    def __init__(self, latent: FaceLatent, canvas: Canvas, device: str = "cpu"):
        self.latent, self.canvas, self.device = latent, canvas, device
        self.frame_size = latent.size
        pose0 = latent.pose0.to_array()
        shape0 = self._shape_np(latent.expression0, latent.gaze0)  # (478, 3) at rest
        mesh0 = self._project_np(pose0, shape0)
        proxy3d, proxy0 = self._proxy(pose0, mesh0)
        self.proxy3d = proxy3d
        ring, ring_w = self._ring(mesh0, proxy0)
        anchors = self._anchors()
        src = np.concatenate([mesh0[:N_MESH], proxy0, ring, anchors])
        self.n_mesh, self.n_proxy, self.n_ring = N_MESH, len(proxy0), len(ring)
        self.source = canvas.to_canvas(src).astype(np.float32)  # (N, 2) canvas px
        self.source_full = canvas.to_canvas(mesh0).astype(np.float32)  # (478, 2) with irises
        # float64: the batched einsums then round the same whatever the batch size, so a
        # frame does not depend on its batch (float32 GEMM blocking varies with B).
        t = lambda a: torch.as_tensor(np.asarray(a, np.float64), device=device)
        self._drawn = self._drawn_model()  # (identity, basis) in numpy, for `_jaw_ceiling`
        self._identity, self._basis = (t(a) for a in self._drawn)
        self._proxy3d, self._ring_w = t(proxy3d), t(ring_w)
        self._src = t(self.source)
        self._rest, self._gain, self._ceiling = self._stretch()
        self._ring_nearest = torch.as_tensor(self._nearest_proxy(ring, proxy0), device=device)
        outline = list(FACE_OVAL + OUTLINE_RING)
        self._outline = torch.as_tensor(outline, device=device)
        self._outline_kernel = t(self._outline_weights(self.source[:N_MESH], outline))
        rot0 = transform_from_pose(pose0, self.frame_size)[1]
        # (rest points (V, 3), their `_perspective` at the portrait's own pose (V, 2)):
        # the face mesh and the head proxy
        self._perspective0 = ((t(shape0), t(_perspective(shape0 @ rot0.T))),
                              (self._proxy3d, t(_perspective(proxy3d @ rot0.T))))

    def neutral_mesh(self) -> np.ndarray:
        """(478, 2) canvas px of the portrait's fitted neutral face (no expression) at its
        own pose and gaze: where its lips rest and its jaw is closed."""
        zero = np.zeros_like(np.asarray(self.latent.expression0, np.float64))
        mesh = self._project_np(self.latent.pose0.to_array(),
                                self._shape_np(zero, self.latent.gaze0))
        return self.canvas.to_canvas(mesh).astype(np.float32)

    # -- model ---------------------------------------------------------------------------
    def _shape_np(self, expression, gaze, model=None) -> np.ndarray:
        """(478, 3) canonical shape of the fitted model, or of `model` (identity, basis)."""
        identity, basis = model or (self.latent.identity, expression_basis())
        return (identity + np.einsum("k,kvc->vc", expression, basis)
                + gaze_offsets(np.asarray(gaze)))

    def _project_np(self, pose, points) -> np.ndarray:
        s, rot, t = transform_from_pose(pose, self.frame_size)
        return (s * points @ rot.T + t)[:, :2]

    def project(self, pose: torch.Tensor, points: torch.Tensor,
                perspective0: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """(B, 6) poses x (B, V, 3) canonical points -> (B, V, 3) canvas pixels (x, y)
        and depth z (canvas px, larger = farther from the camera). perspective0: the
        points at rest (V, 3) and their `_perspective` at the portrait's own pose (V, 2),
        which the photo already shows: only the change that the pose brings moves them
        (an expression at the own pose is drawn as weak perspective draws it)."""
        s, rot, t = (torch.as_tensor(a, dtype=torch.float64, device=self.device)
                     for a in transform_from_pose(pose.cpu().numpy(), self.frame_size))
        rest, rest_shift = perspective0
        shift = _perspective(torch.einsum("bij,vj->bvi", rot, rest)) - rest_shift
        cam = torch.einsum("bij,bvj->bvi", rot, points)
        cam = torch.cat([cam[..., :2] + shift, cam[..., 2:]], -1)
        px = s[:, None, None] * cam + t[:, None]
        c = self.canvas
        origin = torch.tensor([c.x0, c.y0, 0.0], dtype=px.dtype, device=self.device)
        return (px - origin) * c.scale

    def _blink_gains(self) -> list[tuple[int, float, float]]:
        """Per eye, left then right: (blink index, the portrait's blink b0, gain k) for
        `_personalise`.

        The basis closes a canonical-sized eye; real eyes are narrower or wider. Above the
        portrait's own b0 the blink coefficient is stretched so that 1.0 closes *this*
        eye: b_eff = b0 + k (b - b0), k = own gap / ((1 - b0) * canonical closure).
        """
        basis, obs = expression_basis(), self._shape_np(self.latent.expression0, self.latent.gaze0)
        out = []
        for side in ("left", "right"):
            up, lo = (int(a[len(a) // 2]) for a in lid_pairs(side))  # the lids' middles
            k = EXPRESSION_NAMES.index(f"eyeBlink{side.title()}")
            closure = float(basis[k, up, 1] - basis[k, lo, 1])
            b0 = float(self.latent.expression0[k])
            gap = float(obs[lo, 1] - obs[up, 1])
            out.append((k, b0, max(gap, 0.0) / max((1.0 - b0) * closure, 1e-6)))
        return out

    def _closing_basis(self) -> np.ndarray:
        """(K, V, 3) the expression basis with each blink row's upper lid closing onto
        this face's own lower lid, point onto partner point.

        The basis closes a lid straight down; on a face whose lid points do not sit above
        their partners (a slanted or hooded eye, a turned head), that leaves the lids
        sheared past each other, an eye that still reads partly open. Within the stretched
        blink (`_blink_gains`: b0 + k (1 - b0) at blink 1), the upper margin travels the
        whole way to its partner on the lower lid."""
        basis = expression_basis().copy()
        obs = self._shape_np(self.latent.expression0, self.latent.gaze0)
        for side, (k, b0, gain) in zip(("left", "right"), self._blink_gains()):
            reach = gain * (1.0 - b0)
            if reach < 1e-3:  # an eye the portrait already shows shut
                continue
            up, lo = (list(a[1:-1]) for a in lid_pairs(side))  # the corners stay put
            basis[k, up, :2] = basis[k, lo, :2] + (obs[lo, :2] - obs[up, :2]) / reach
        return basis

    def _drawn_model(self) -> tuple[np.ndarray, np.ndarray]:
        """(identity (V, 3), basis (K, V, 3)) as drawn: the closing lids
        (`_closing_basis`) and the jaw tapered towards the mouth's corners
        (basis.tapered_jaw). The identity takes the taper's difference at the photo's own
        jaw b0 off again, so the photo's own motion still draws the photo's own face."""
        basis = self._closing_basis()
        k = EXPRESSION_NAMES.index("jawOpen")
        tapered = tapered_jaw().astype(np.float64)
        identity = self.latent.identity - (tapered - basis[k]) * float(self.latent.expression0[k])
        basis[k] = tapered
        return identity, basis

    def _jaw_gain(self) -> tuple[int, float, float]:
        """(jawOpen index, the portrait's jawOpen b0, gain k) for `_personalise`: above b0
        the jaw is stretched, b_eff = b0 + k (b - b0), so that a fully open jaw parts the
        inner lips by JAW_OPEN_GAP eye distances on this face (k = 1 where it already does;
        at most MAX_JAW_GAIN)."""
        basis, e0 = expression_basis(), np.asarray(self.latent.expression0, np.float64)
        k, close = EXPRESSION_NAMES.index("jawOpen"), EXPRESSION_NAMES.index("mouthClose")
        wide = e0.copy()
        wide[k], wide[close] = 1.0, 0.0
        shape = self._shape_np(wide, self.latent.gaze0)
        gap = lip_gap(shape)
        eyes = eye_distance(shape)
        per_unit = lip_gap(basis[k])  # gap per unit jawOpen
        missing = JAW_OPEN_GAP * eyes - gap
        b0 = float(e0[k])
        gain = 1.0 + max(missing, 0.0) / max((1.0 - b0) * per_unit, 1e-6)
        return k, b0, float(min(gain, MAX_JAW_GAIN))

    def _jaw_ceiling(self, k: int, b0: float) -> float:
        """The effective jawOpen (index k) at which this face's inner lips, as drawn
        (`_drawn_model`), part by JAW_WIDEST_GAP eye distances in the photo's view
        (mouthClose 0), never below the portrait's own b0. The projected gap is affine in
        the coefficient: two samples."""
        e = np.asarray(self.latent.expression0, np.float64).copy()
        e[EXPRESSION_NAMES.index("mouthClose")] = 0.0
        ratios = []
        for b in (1.0, 2.0):
            e[k] = b
            ratios.append(opening_ratio(self._project_np(self.latent.pose0.to_array(),
                                                         self._shape_np(e, self.latent.gaze0,
                                                                        self._drawn))))
        per_unit = max(ratios[1] - ratios[0], 1e-6)
        return max(1.0 + (JAW_WIDEST_GAP - ratios[0]) / per_unit, b0)

    def _stretch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(rest b0 (K,), gain k (K,), ceiling (K,)) of `_personalise`: gain 1 where
        nothing is stretched, ceiling inf where nothing is capped."""
        k_affect = [EXPRESSION_NAMES.index(n) for n in AFFECT]
        rest, gain = np.zeros(len(EXPRESSION_NAMES)), np.ones(len(EXPRESSION_NAMES))
        ceiling = np.full(len(EXPRESSION_NAMES), np.inf)
        gain[k_affect], ceiling[k_affect] = AFFECT_TRAVEL, AFFECT_MAX  # rest 0 there
        jaw = self._jaw_gain()
        for k, b0, g in (*self._blink_gains(), jaw):
            rest[k], gain[k] = b0, g
        ceiling[jaw[0]] = self._jaw_ceiling(jaw[0], jaw[1])
        as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float64, device=self.device)
        return as_tensor(rest), as_tensor(gain), as_tensor(ceiling)

    def _personalise(self, expr: torch.Tensor) -> torch.Tensor:
        """(B, K) coefficients stretched above the portrait's own, b0 + k (b - b0) where
        b > b0 (`_blink_gains`, `_jaw_gain`, AFFECT_TRAVEL); affect capped at AFFECT_MAX, the
        jaw where its lips part by JAW_WIDEST_GAP (`_jaw_ceiling`)."""
        expr = expr.to(torch.float64)
        out = torch.where(expr > self._rest, self._rest + self._gain * (expr - self._rest), expr)
        return torch.minimum(out, self._ceiling)

    def shapes(self, motion: torch.Tensor) -> torch.Tensor:
        """(B, D) motion -> (B, 478, 3) canonical shapes."""
        expr = self._personalise(motion[:, EXPRESSION_SLICE].clamp(0, 1))
        gaze = torch.as_tensor(gaze_offsets(motion[:, GAZE_SLICE].cpu().numpy()),
                               dtype=torch.float64, device=self.device)
        return self._identity + torch.einsum("bk,kvc->bvc", expr, self._basis) + gaze

    # -- control points ------------------------------------------------------------------
    def _proxy(self, pose0, mesh0: np.ndarray):
        """(rest points (M, 3) canonical, source px (M, 2)) of the head proxy: the
        ellipsoid's points the camera sees that lie PROXY_CLEARANCE face widths or more
        outside the face's outline as the photo shows it (mesh0 (478, 2) px, the mesh at the
        portrait's own expression). One inside it would move rigidly amid the mesh's
        expressions and turns, tearing the face around it."""
        pts = _ellipsoid_points()
        s, rot, t = transform_from_pose(pose0, self.frame_size)
        cam = pts @ rot.T
        normal = ((pts - HEAD_CENTRE) / HEAD_RADII**2) @ rot.T
        visible = normal[:, 2] < -0.15 * np.linalg.norm(normal, axis=1)
        px = (s * cam + t)[:, :2]
        keep = visible & (_signed_distance(mesh0[list(FACE_OVAL)], px) <= -PROXY_CLEARANCE * s)
        return pts[keep], px[keep]

    def _ring(self, mesh0, proxy0):
        """Points beyond the head outline; weight 1 around the skull, fading to 0 within
        NECK_FADE face radii below the chin: the shoulders and collar hold still while the
        head turns, nods and tilts on its neck."""
        centre = mesh0[:N_MESH].mean(0)
        radius = np.linalg.norm(mesh0[:N_MESH] - centre, axis=1).max()
        ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        rings, weights = [], []
        chin_y = mesh0[CHIN, 1]
        for k, f in enumerate((1.35, 1.75)):
            p = centre + f * radius * np.stack([np.sin(ang), -np.cos(ang)], 1)
            below = np.clip((p[:, 1] - chin_y) / (NECK_FADE * radius), 0, 1)
            rings.append(p)
            weights.append((1.0 - below) * (0.9 if k == 0 else 0.5))
        return np.concatenate(rings), np.concatenate(weights)

    def _outline_weights(self, mesh: np.ndarray, outline: list[int]) -> np.ndarray:
        """(len(outline), N_MESH) Gaussian weights, each row summing to 1, that average
        the mesh's displacements (mesh (N_MESH, 2) source px) onto the `outline` points,
        the face's outline and the ring next to it (OUTLINE_SMOOTHING)."""
        sigma = OUTLINE_SMOOTHING * self.latent.scale_px * self.canvas.scale
        d2 = ((mesh[outline, None].astype(np.float64) - mesh[None]) ** 2).sum(-1)
        w = np.exp(-0.5 * d2 / sigma**2)
        return w / w.sum(1, keepdims=True)

    def _nearest_proxy(self, ring, proxy0) -> np.ndarray:
        d = np.linalg.norm(ring[:, None] - proxy0[None], axis=-1)
        return d.argmin(1)

    def _anchors(self) -> np.ndarray:
        """Still points around the layers' outer edge (the canvas plus its margin)."""
        c = self.canvas
        m = c.margin / c.scale  # source px
        k = np.linspace(0, 1, 9)
        edge = np.concatenate([np.stack([k, 0 * k], 1), np.stack([k, 0 * k + 1], 1),
                               np.stack([0 * k, k], 1), np.stack([0 * k + 1, k], 1)])
        return np.array([c.x0 - m, c.y0 - m]) + edge * (c.side + 2 * m)

    def displacement(self, motion: torch.Tensor) -> Controls:
        """(B, D) motion -> the control points' motion, canvas px (float64 throughout,
        see __init__). Ring and anchor points lie behind everything (depth +inf)."""
        motion = motion.to(torch.float64)
        pose = motion[:, POSE_SLICE]
        target = self.project(pose, self.shapes(motion), self._perspective0[0])
        proxy = self.project(pose, self._proxy3d.expand(len(motion), -1, -1),
                             self._perspective0[1])
        d_mesh = target[:, :N_MESH, :2] - self._src[:N_MESH]
        d_mesh[:, self._outline] = torch.einsum("on,bnc->boc", self._outline_kernel, d_mesh)
        d_proxy = proxy[..., :2] - self._src[N_MESH:N_MESH + self.n_proxy]
        d_ring = d_proxy[:, self._ring_nearest] * self._ring_w[None, :, None]
        n_anchor = len(self._src) - N_MESH - self.n_proxy - self.n_ring
        d_anchor = torch.zeros(len(motion), n_anchor, 2, dtype=d_mesh.dtype, device=self.device)
        disp = torch.cat([d_mesh, d_proxy, d_ring, d_anchor], 1)
        far = torch.full((len(motion), self.n_ring + n_anchor), torch.inf, dtype=disp.dtype,
                         device=self.device)
        depth = torch.cat([target[:, :N_MESH, 2], proxy[..., 2], far], 1)
        own = torch.as_tensor(self.latent.pose0.to_array()[:2], dtype=pose.dtype,
                              device=self.device)
        turn = torch.linalg.norm(pose[:, :2] - own, dim=1)  # yaw, pitch (POSE_NAMES)
        return Controls(disp.cpu().numpy(), target[..., :2].cpu().numpy(),
                        depth.cpu().numpy(), turn.cpu().numpy())
