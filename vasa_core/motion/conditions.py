"""What the motion generator is conditioned on, and how a condition is dropped.

VASA-1 (Xu et al. 2024, Sec. 3.2) conditions its diffusion transformer on frame-aligned
audio features, the previous window's last K motion frames (and their audio), and three
optional global control signals: main eye gaze, head distance and an emotion offset. Every
condition can be absent ("dropped"): in training at random, so that one network learns
both the conditional and the unconditional predictions classifier-free guidance needs; at
inference when a user leaves a control unset.

Two layers live here:

* `Controls`: what a user (or a data label) says, in data units; `None` = dropped.
* `Conditions`: the batched tensors the network reads, with a `present` mask (B, C) over
  `CONDITION_NAMES`. A dropped condition keeps placeholder values (zeros) that the network
  never reads: it substitutes a learned null embedding wherever `present` is False.

Units (the network normalises them itself, with the statistics of the matching motion
dimensions, so callers never see normalised values):

    gaze       (yaw, pitch) in degrees, the clip's main (mean) gaze; axes as `latent.py`.
    distance   mean `log_scale` of the clip minus the training data's mean `log_scale`
               (the model's `motion_mean`), in natural-log units of face size: +0.1 is a
               face about 10.5% larger, i.e. nearer the camera; 0 is the typical distance.
    emotion    one of `EMOTIONS`, scaled by `emotion_strength` (1 = as labelled in
               training, 0 = no offset, which differs from "dropped").
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Sequence

import numpy as np
import torch

from ..latent import ARTICULATION, MOTION_DIM, Motion, motion_mask
from ..settings import EMOTIONS, Settings

EMOTION_INDEX: dict[str, int] = {e: i for i, e in enumerate(EMOTIONS)}

# Column order of `Conditions.present`; also the names `cfg` scales are keyed by.
CONDITION_NAMES: tuple[str, ...] = ("audio", "history", "gaze", "distance", "emotion")
CONDITION_INDEX: dict[str, int] = {n: i for i, n in enumerate(CONDITION_NAMES)}


@dataclass(frozen=True)
class Controls:
    """Optional global controls for one clip; `None` drops that control."""

    gaze: tuple[float, float] | None = None  # main gaze (yaw, pitch), degrees
    distance: float | None = None  # log-scale offset from the data's mean (module docstring)
    emotion: str | None = None  # one of EMOTIONS
    emotion_strength: float = 1.0

    def __post_init__(self) -> None:
        if self.gaze is not None:
            gaze = tuple(float(g) for g in np.asarray(self.gaze, dtype=np.float64).ravel())
            if len(gaze) != 2 or not np.all(np.isfinite(gaze)):
                raise ValueError(f"gaze must be two finite angles (yaw, pitch), got {self.gaze}")
            object.__setattr__(self, "gaze", gaze)
        if self.distance is not None and not np.isfinite(self.distance):
            raise ValueError(f"distance must be finite, got {self.distance}")
        if self.emotion is not None and self.emotion not in EMOTION_INDEX:
            raise ValueError(f"unknown emotion {self.emotion!r}; choose from {EMOTIONS}")
        if not np.isfinite(self.emotion_strength):
            raise ValueError(f"emotion_strength must be finite, got {self.emotion_strength}")


    @classmethod
    def of(cls, settings: Settings) -> "Controls":
        """The controls a call's `Settings` asks for (its gaze, distance and emotion)."""
        return cls(settings.gaze, settings.distance, settings.emotion,
                   settings.emotion_strength)


def guidance_scales(settings: Settings) -> dict[str, object]:
    """`sampling.cfg`'s scales for a call's `Settings`; a control left unset is not guided.
    The audio guides the articulators only (`latent.ARTICULATION`, a (D,) scale): on the
    whole motion it also doubles the head's swing (docs/experiments.md, "Guidance")."""
    control = settings.cfg_control
    # Distance 0, the photo's own framing, needs no push: conditioned on it alone the head
    # keeps within 1 % of the photo's size (docs/design.md), and guiding it would add a
    # network pass to every step.
    distance = control if settings.distance else 0.0
    return {"audio": settings.cfg_audio * motion_mask(ARTICULATION), "gaze": control,
            "distance": distance, "emotion": control}


def controls_from_motion(values: np.ndarray, mean_log_scale: float,
                         emotion: str | None = None, emotion_strength: float = 1.0) -> Controls:
    """Training labels read off a clip (T, D), as VASA-1 does: its mean gaze and distance."""
    gaze, distance = Motion(values).control_labels()
    return Controls(gaze, distance - mean_log_scale, emotion, emotion_strength)


@dataclass(frozen=True)
class Conditions:
    """A batch of conditions as tensors. K = context frames, L = window frames."""

    audio: torch.Tensor  # (B, K+L, F) features of the history frames, then the window's
    history: torch.Tensor  # (B, K, D) previous motion frames, data units
    gaze: torch.Tensor  # (B, 2) degrees
    distance: torch.Tensor  # (B,) log-scale offset
    emotion: torch.Tensor  # (B,) int64 index into EMOTIONS
    emotion_strength: torch.Tensor  # (B,)
    present: torch.Tensor  # (B, C) bool, columns in CONDITION_NAMES order

    @property
    def batch_size(self) -> int:
        return self.present.shape[0]

    def has(self, name: str) -> bool:
        """Whether any row of the batch carries condition `name`."""
        return bool(self.present[:, CONDITION_INDEX[name]].any())

    def drop(self, name: str, rows: torch.Tensor | None = None) -> "Conditions":
        """A copy with condition `name` dropped in `rows` ((B,) bool; all rows if None)."""
        present = self.present.clone()
        column = present[:, CONDITION_INDEX[name]]
        present[:, CONDITION_INDEX[name]] = False if rows is None else column & ~rows
        return replace(self, present=present)

    def to(self, device: torch.device | str) -> "Conditions":
        return Conditions(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    @staticmethod
    def cat(parts: Sequence["Conditions"]) -> "Conditions":
        """Concatenate along the batch."""
        return Conditions(**{f.name: torch.cat([getattr(p, f.name) for p in parts])
                             for f in fields(Conditions)})


def make_conditions(audio: torch.Tensor, history: torch.Tensor | None,
                    controls: Sequence[Controls | None], context: int) -> Conditions:
    """Batch audio (B, K+L, F), history (B, K, D) or None (dropped) and one Controls per row."""
    batch = audio.shape[0]
    if len(controls) != batch:
        raise ValueError(f"{len(controls)} Controls for a batch of {batch}")
    has_history = history is not None
    if history is None:
        history = audio.new_zeros(batch, context, MOTION_DIM)
    controls = [c or Controls() for c in controls]
    flags = [{"audio": True, "history": has_history, "gaze": c.gaze is not None,
              "distance": c.distance is not None, "emotion": c.emotion is not None}
             for c in controls]
    present = torch.tensor([[row[name] for name in CONDITION_NAMES] for row in flags],
                           dtype=torch.bool, device=audio.device)  # (B, C)
    floats = dict(dtype=audio.dtype, device=audio.device)
    return Conditions(
        audio=audio,
        history=history,
        gaze=torch.tensor([c.gaze or (0.0, 0.0) for c in controls], **floats).reshape(batch, 2),
        distance=torch.tensor([c.distance or 0.0 for c in controls], **floats),
        emotion=torch.tensor([EMOTION_INDEX.get(c.emotion, 0) for c in controls],
                             dtype=torch.int64, device=audio.device),
        emotion_strength=torch.tensor([c.emotion_strength for c in controls], **floats),
        present=present,
    )


def drop_conditions(cond: Conditions, probs: dict[str, float],
                    generator: torch.Generator | None = None) -> Conditions:
    """Training-time dropout: drop each condition of each row independently with `probs`."""
    for name, p in probs.items():
        if name not in CONDITION_INDEX:
            raise ValueError(f"unknown condition {name!r}; choose from {CONDITION_NAMES}")
        rows = torch.rand(cond.batch_size, generator=generator) < p
        cond = cond.drop(name, rows.to(cond.present.device))
    return cond
