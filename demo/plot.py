"""A picture of the generated motion, so a user can see what drove the video.

Three stacked panels over time: mouth opening (jawOpen), head angles (yaw, pitch, roll),
and blinks (eyeBlinkLeft / eyeBlinkRight), read by name from the Motion (latent.py).
Coefficients keep their whole [0, 1] range on the axis, so noise never looks like a blink.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from vasa_core.latent import Motion

# (title, motion dimensions, y-axis limits or None to fit the data)
PANELS: tuple[tuple[str, tuple[str, ...], tuple[float, float] | None], ...] = (
    ("mouth opening [0, 1]", ("jawOpen",), (0.0, 1.0)),
    ("head angles (deg)", ("yaw", "pitch", "roll"), None),
    ("blinks [0, 1]", ("eyeBlinkLeft", "eyeBlinkRight"), (0.0, 1.0)),
)


def motion_figure(motion: Motion) -> Figure:
    """A matplotlib Figure of `motion`'s named curves against seconds. Built without
    pyplot so that concurrent requests never share a global current figure."""
    seconds = np.arange(len(motion)) / motion.fps
    figure = Figure(figsize=(8, 5.5), layout="constrained")
    axes = figure.subplots(len(PANELS), 1, sharex=True)
    for ax, (title, names, limits) in zip(axes, PANELS):
        for name in names:
            ax.plot(seconds, motion[name], label=name, linewidth=1.2)
        if limits is not None:
            ax.set_ylim(*limits)
        ax.set_title(title, fontsize=10, loc="left")
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    return figure
