"""SMPTE-style timecodes `HH:MM:SS:FF.fff` as Live Link Face writes them.

FF is the frame within the second at the timecode's frame rate and `.fff` the fraction of
a frame (sub-frame), in thousandths. Frame t at `fps` is t / fps seconds after 00:00:00:00.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

_TIMECODE = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2}):(\d+(?:\.\d*)?)$")


def format_timecode(frame: int, fps: float) -> str:
    """Timecode of frame `frame` (0-based) at `fps`, e.g. frame 27 at 25 fps -> 00:00:01:02.000."""
    rate = Fraction(fps).limit_denominator(1001)  # exact for 25, 30, 29.97, 30000/1001 ...
    seconds = Fraction(frame) / rate
    whole = math.floor(seconds)
    frames = (seconds - whole) * rate  # frames into this second, exact
    ff = math.floor(frames)
    sub = round((frames - ff) * 1000)
    if sub == 1000:  # the fraction rounded up to a whole frame
        ff, sub = ff + 1, 0
    if ff >= math.ceil(rate):  # ... and that frame to a whole second
        whole, ff = whole + 1, 0
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}:{ff:02d}.{sub:03d}"


def parse_timecode(text: str) -> tuple[int, float]:
    """'HH:MM:SS:FF.fff' -> (whole seconds since 00:00:00, frames into that second)."""
    match = _TIMECODE.match(text.strip())
    if match is None:
        raise ValueError(f"bad timecode {text!r}; expected HH:MM:SS:FF or HH:MM:SS:FF.fff")
    hours, minutes, seconds, frames = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds), float(frames)


def infer_fps(timecodes: list[tuple[int, float]]) -> float | None:
    """Rows per second of a sequence of consecutive frames, from their timecodes.

    Row i lies i / fps after row 0, so when the seconds field has advanced by dS and the
    frame field by dF between rows 0 and i, fps = (i - dF) / dS. This is exact when the
    timecode rate is the row rate (files written by `format_timecode`) and close otherwise.
    None when the rows do not span a second boundary (the rate is then undetermined).
    """
    if len(timecodes) < 2:
        return None
    (s0, f0), (s1, f1) = timecodes[0], timecodes[-1]
    if s1 <= s0:
        return None
    fps = (len(timecodes) - 1 - (f1 - f0)) / (s1 - s0)
    return round(fps, 3) if fps > 0 else None
