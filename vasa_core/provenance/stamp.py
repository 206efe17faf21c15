"""The one place frames are marked as AI-generated.

Every path that yields or writes generated frames (`TalkingFacePipeline.__call__`,
`stream`, `render`, `drive`, `vasa animate`, and through them `vasa generate`, `vasa
stream`, batches and the web app) passes them through `stamp`: the visible label when
asked for (on by default everywhere), then the invisible watermark, always, on top of the
label so that `watermark.detect` reads it back from any output. The mp4 metadata tag is
written by `io.media.write_video` and the stream writers.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from .mark import add_visible_mark
from .watermark import embed


def stamp(frames: np.ndarray, visible: bool = True) -> np.ndarray:
    """A copy of (H, W, 3) or (B, H, W, 3) uint8 frames, marked: the visible label if
    `visible`, and always the invisible watermark."""
    return embed(add_visible_mark(frames) if visible else frames)


def stamped(batches: Iterable[np.ndarray], visible: bool = True) -> Iterator[np.ndarray]:
    """`stamp` applied to each (B, H, W, 3) batch as it comes."""
    for frames in batches:
        yield stamp(frames, visible)
