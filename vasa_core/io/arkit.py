"""Motion <-> Apple ARKit / Live Link Face CSV, so generated motion drives 3-D avatars.

Columns, in Live Link Face order:
    Timecode          HH:MM:SS:FF.fff at the motion's fps (see timecode.py)
    BlendShapeCount   61 (52 blendshapes + 9 head and eye angles)
    52 blendshapes    EyeBlinkLeft ... TongueOut, in [0, 1]; those our latent lacks are 0
    9 angles          HeadYaw, HeadPitch, HeadRoll, Left/RightEye Yaw, Pitch, Roll (radians)
    3 extras          HeadX, HeadY, HeadLogScale: our pose's x, y, log_scale (latent.py
                      units), so our own files round-trip losslessly

Angles follow ARKit's right-handed face frame: x to the viewer's right (the subject's left),
y up, z out of the face towards the camera; a positive angle turns counter-clockwise about
its axis. latent.py has y pointing down, hence the signs:
    HeadYaw   = +yaw    (both > 0: the face turns towards the image's right)
    HeadPitch = -pitch  (pitch > 0 is chin up; a positive ARKit pitch tips the face down)
    HeadRoll  = -roll   (roll > 0 is clockwise in the image; ARKit's is counter-clockwise)
    Left/RightEyeYaw = +gaze_yaw, Left/RightEyePitch = -gaze_pitch, *EyeRoll = 0
Both eyes get the one gaze of the latent. The eyeLook* blendshapes restate the gaze for rigs
that only read blendshapes: each is clip(|angle| / 30 deg, 0, 1) on its side, where
gaze_yaw > 0 (towards the image's right, the subject's left) is EyeLookOutLeft and
EyeLookInRight, gaze_yaw < 0 is EyeLookInLeft and EyeLookOutRight, gaze_pitch > 0 is
EyeLookUp*, gaze_pitch < 0 EyeLookDown*.

Reading accepts plain Live Link Face files too: column names match case-insensitively,
missing columns read as 0 (pose x, y, log_scale included), gaze comes from the mean of the
eye angles (or, without them, from the eyeLook* blendshapes).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .arkit_table import (BLENDSHAPE_COUNT, COLUMNS, motion_from_columns,
                          motion_to_columns)
from ..grid import FPS
from ..latent import Motion
from .timecode import format_timecode, infer_fps, parse_timecode


def motion_to_csv(motion: Motion, path: str | Path) -> Path:
    """Write `motion` as a Live Link Face CSV (plus HeadX, HeadY, HeadLogScale). Returns path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = motion_to_columns(motion)  # (T, 64): COLUMNS[2:] in order
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for t, row in enumerate(table):
            # A float32 needs 9 significant digits to come back exactly; the spare ones
            # absorb the degree -> radian -> degree conversion of the angles.
            writer.writerow([format_timecode(t, motion.fps), BLENDSHAPE_COUNT,
                             *(f"{v:.12g}" for v in row)])
    return path


def motion_from_csv(path: str | Path, fps: float | None = None) -> Motion:
    """Read a CSV written by `motion_to_csv` or by Live Link Face into a Motion.

    The frame rate is `fps` when given, else recovered from the timecodes (exact for our
    files; it needs the take to cross a second boundary), else 25.
    Raises ValueError, naming the line, for anything that is not such a CSV.
    """
    header, rows = _read_rows(Path(path))
    index = _column_index(header, path)
    columns = {name: _numeric_column(rows, i, name, path) for name, i in index.items()
               if name not in ("timecode", "blendshapecount")}
    if fps is None and "timecode" in index:
        fps = infer_fps([_timecode(row, index["timecode"], line, path)
                         for line, row in rows])
    return motion_from_columns(columns, len(rows), float(fps or FPS))


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) with blank lines dropped."""
    if not path.is_file():
        raise ValueError(f"motion CSV not found: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            lines = [(n, row) for n, row in enumerate(csv.reader(f), start=1)
                     if any(cell.strip() for cell in row)]
    except (UnicodeDecodeError, csv.Error) as err:
        raise ValueError(f"{path} is not a readable CSV text file ({err})") from err
    if not lines:
        raise ValueError(f"{path} is empty; expected a Live Link Face CSV header and rows")
    (_, header), rows = lines[0], lines[1:]
    if not rows:
        raise ValueError(f"{path} has a header but no data rows")
    for line, row in rows:
        if len(row) != len(header):
            raise ValueError(f"{path}:{line}: {len(row)} fields, but the header has "
                             f"{len(header)}")
    return [h.strip() for h in header], rows


def _column_index(header: list[str], path) -> dict[str, int]:
    """Lower-cased known column name -> its position in the file."""
    known = {c.lower() for c in COLUMNS}
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        key = name.lower()
        if key in index:
            raise ValueError(f"{path}: column {name!r} appears twice in the header")
        if key in known:
            index[key] = i
    if not set(index) - {"timecode", "blendshapecount"}:
        raise ValueError(f"{path}: no ARKit columns in the header; expected a Live Link Face "
                         "CSV (Timecode,BlendShapeCount,EyeBlinkLeft,...,HeadYaw,...)")
    return index


def _numeric_column(rows, i: int, name: str, path) -> np.ndarray:
    try:
        values = np.array([float(row[i]) for _, row in rows])
    except ValueError:
        line, row = next((n, r) for n, r in rows if not _is_float(r[i]))
        raise ValueError(f"{path}:{line}: column {name!r} holds {row[i]!r}, not a "
                         "number") from None
    if not np.all(np.isfinite(values)):
        line = rows[int(np.argmin(np.isfinite(values)))][0]
        raise ValueError(f"{path}:{line}: column {name!r} is NaN or infinite")
    return values


def _timecode(row: list[str], i: int, line: int, path) -> tuple[int, float]:
    try:
        return parse_timecode(row[i])
    except ValueError as err:
        raise ValueError(f"{path}:{line}: {err}") from None


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
