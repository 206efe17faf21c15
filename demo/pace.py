"""How long a clip will take, said before it starts (the crop preview and the first
progress line), on this machine and at this output size.

Until the app has made a clip of a given framing, the guess comes from the preview: the
time to render its one frame, divided by rendering's share of a clip's time per frame
(the rest is motion sampling and encoding; `vasa bench` splits a clip this way). After a
clip, the measured seconds per frame of that framing replace the guess.
"""
from __future__ import annotations

import threading

from vasa_core.grid import FPS

RENDER_SHARE = 0.45  # rendering's share of a clip's time per frame (benchmarks/RESULTS.md)

Framing = tuple  # (portrait, size, crop, full_side): what fixes the frames' size


class Pace:
    """Seconds per frame by framing: guessed from a preview, then measured on clips."""

    def __init__(self) -> None:
        self._guessed: dict[Framing, float] = {}
        self._measured: dict[Framing, float] = {}
        self._lock = threading.Lock()

    def previewed(self, framing: Framing, render_seconds: float) -> None:
        """The preview rendered one frame of `framing` in `render_seconds`."""
        with self._lock:
            self._guessed[framing] = render_seconds / RENDER_SHARE

    def made(self, framing: Framing, frames: int, seconds: float) -> None:
        """A clip of `frames` frames of `framing` took `seconds`, start to finish."""
        if frames > 0:
            with self._lock:
                self._measured[framing] = seconds / frames

    def seconds(self, framing: Framing, audio_seconds: float) -> float | None:
        """About how long `audio_seconds` of speech will take, or None if unknown."""
        with self._lock:
            per_frame = self._measured.get(framing, self._guessed.get(framing))
        return None if per_frame is None else per_frame * audio_seconds * FPS


def about(seconds: float | None, template: str = ", about {}") -> str:
    """`template` filled with "12 s" (from 90 s on in minutes), or "" when unknown."""
    if seconds is None:
        return ""
    return template.format(f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min")
