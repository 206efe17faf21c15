"""What the user should know about their output, said once and shown by the CLI and the
app: `Notice` warnings raised while a portrait is prepared, and `notices()`, which collects
them.

    ScaledPhotoWarning    a full image is smaller than the photo (`full_side`)
    ContinuedEdgeWarning  the head touches the photo's edge; what it uncovers is continued
    FilledBeyondWarning   the camera moved back past the photo's edges; that part is filled
"""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator


class Notice(UserWarning):
    """Something the user should know about their output (shown by the CLI and the app)."""


@contextlib.contextmanager
def notices() -> Iterator[list[str]]:
    """Collect the `Notice`s raised inside the block, each message once, into the yielded
    list (filled when the block ends) instead of printing them: the CLI prints them as
    `note:` lines, the app adds them to its status line."""
    told: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", Notice)
        yield told
    others = [w for w in caught if not issubclass(w.category, Notice)]
    told.extend(dict.fromkeys(str(w.message) for w in caught if w not in others))
    for w in others:  # not ours: shown as they would have been
        warnings.showwarning(w.message, w.category, w.filename, w.lineno)


class ScaledPhotoWarning(Notice):
    """A full-image output is smaller than the photo (the `full_side` control)."""


def warn_scaled(photo: tuple[int, int], used: tuple[int, int], full_side: int) -> None:
    """Tell the user when a full image is smaller than the photo, (height, width) px."""
    if tuple(used) != tuple(photo):
        warnings.warn(ScaledPhotoWarning(
            f"the full image is {used[1]}x{used[0]} px, the photo scaled down from "
            f"{photo[1]}x{photo[0]} (full_side {full_side}; raise it, or 0 for the photo's "
            "own size, at a cost in time)"), stacklevel=4)


class ContinuedEdgeWarning(Notice):
    """The photo ends at the head: some pixels a moving head uncovers are continued."""


def warn_continued(edges: tuple[str, ...]) -> None:
    """Tell the user when the head touches the photo's edge (`Renderer.continued`)."""
    if edges:
        warnings.warn(ContinuedEdgeWarning(
            f"the photo ends at the head ({', '.join(edges)}): where the head moves past "
            "that edge, the hair or background beyond it is continued, not taken from the "
            "photo; a photo with more room around the head avoids this"),
            stacklevel=3)


class FilledBeyondWarning(Notice):
    """The camera moved back past the photo's edges: part of each frame is filled in."""


def warn_filled(distance: float | None, share: float) -> None:
    """Tell the user how much of each frame lies beyond the photo (`Renderer.filled`)."""
    if share > 0.005:
        warnings.warn(FilledBeyondWarning(
            f"at distance {distance:g} the camera sees past the photo's edges: "
            f"{100 * share:.0f}% of each frame is filled in (the background and clothes "
            "continued and softened), not taken from the photo; a photo with more room "
            "around the head, or a smaller margin, needs less"), stacklevel=3)
