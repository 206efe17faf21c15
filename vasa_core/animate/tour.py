"""A scripted tour of the latent space: every named dimension, one at a time.

The tour starts and ends at the portrait's own motion. Each move takes one dimension from
its start value to a target and back with a cosine ease (zero velocity at both ends, so
moves join smoothly), everything else held still:
    each expression coefficient  -> 1.0
    gaze                         left, right (-/+25 deg yaw), up, down (+/-20 deg pitch)
    head                         yaw -/+20 deg, pitch +/-12 deg, roll -/+12 deg
    distance                     nearer, further (log_scale +/-0.25)
Gaze, head and distance targets are offsets from the portrait's own values, so every
portrait is asked for the same change; expression targets are absolute (their range is
[0, 1]).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..grid import FPS
from ..latent import EXPRESSION_NAMES, MOTION_INDEX, Motion


@dataclass(frozen=True)
class Move:
    """One excursion of one motion dimension and back."""

    name: str        # a latent.MOTION_NAMES entry
    target: float    # where the excursion peaks
    relative: bool   # target is an offset from the start value (else an absolute value)


TOUR_MOVES: tuple[Move, ...] = (
    *(Move(n, 1.0, relative=False) for n in EXPRESSION_NAMES),
    Move("gaze_yaw", -25.0, True), Move("gaze_yaw", 25.0, True),
    Move("gaze_pitch", 20.0, True), Move("gaze_pitch", -20.0, True),
    Move("yaw", -20.0, True), Move("yaw", 20.0, True),
    Move("pitch", 12.0, True), Move("pitch", -12.0, True),
    Move("roll", -12.0, True), Move("roll", 12.0, True),
    Move("log_scale", 0.25, True), Move("log_scale", -0.25, True),
)


def tour_motion(start: Motion, fps: float = FPS, seconds_per_move: float = 1.2,
                moves: Iterable[Move] = TOUR_MOVES) -> Motion:
    """The tour from the first frame of `start`: (sum of moves + 1 closing frame, D)."""
    if len(start) == 0:
        raise ValueError("tour_motion needs a start motion with at least one frame")
    if fps <= 0 or seconds_per_move <= 0:
        raise ValueError("fps and seconds_per_move must be positive")
    base = start.values[0]
    # An even frame count puts the peak of the ease exactly on a frame.
    frames = max(2, 2 * round(seconds_per_move * fps / 2))
    ease = 0.5 * (1.0 - np.cos(2.0 * np.pi * np.arange(frames) / frames))  # (F,): 0 -> 1 -> 0
    parts = [_move_values(base, move, ease) for move in moves]
    parts.append(base[None])  # end exactly where we started
    return Motion(np.concatenate(parts), fps)


def _move_values(base: np.ndarray, move: Move, ease: np.ndarray) -> np.ndarray:
    """(F, D): `base` held, with dimension `move.name` eased to its target and back."""
    i = MOTION_INDEX[move.name]
    peak = base[i] + move.target if move.relative else move.target
    values = np.repeat(base[None], len(ease), axis=0)
    values[:, i] = base[i] + (peak - base[i]) * ease
    return values


def sweep(start: Motion, name: str, values: Iterable[float]) -> Motion:
    """One frame per value of dimension `name`, everything else held at start's first frame."""
    if name not in MOTION_INDEX:
        raise ValueError(f"unknown motion dimension {name!r}")
    values = np.asarray(list(values), dtype=np.float32)
    return start.repeat(len(values)).set(name, values)
