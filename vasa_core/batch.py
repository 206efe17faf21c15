"""Batch generation from a manifest: many (portrait, speech) pairs, one mp4 each.

A manifest is a CSV with a header row, or JSON Lines (one object per line; `.jsonl` or
`.ndjson`). Columns:

    image, audio       required: paths, relative to the manifest's folder when not absolute
    out                optional: the mp4, relative to the output folder (default:
                       <audio stem>.mp4, with -<row> added when two rows would collide)
    emotion, emotion_strength, gaze_yaw, gaze_pitch, distance, head_motion, steps, seed,
    blink_rate, lip_reading, lip_words, lip_lookahead, cfg_audio, cfg_control, size, crop,
    mark
                       optional per-row generation options; an empty cell (CSV) or a
                       missing key (JSON) takes the command line's value

    image,audio,emotion,seed
    alice.jpg,hello.wav,happy,1
    bob.png,speech/intro.mp3,,2

A manifest that cannot be read, has no rows, lacks the image or audio column or has an
unknown column is refused as a whole (ValueError). A row that fails (missing file, no
face, a bad option value) is reported and skipped; the others are still generated.

Several processes (`accelerate launch -m vasa_core.cli generate --manifest ...`) each take
a contiguous share of the rows (`process_rows`, Accelerate's `split_between_processes`
rule), so every row is generated exactly once.
"""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

OPTION_TYPES: dict[str, type] = {
    "emotion": str, "emotion_strength": float, "gaze_yaw": float, "gaze_pitch": float,
    "distance": float, "head_motion": float, "steps": int, "seed": int, "blink_rate": float,
    "lip_reading": float, "lip_words": bool, "lip_lookahead": int, "cfg_audio": float,
    "cfg_control": float, "size": int, "crop": str, "mark": bool,
}
COLUMNS = ("image", "audio", "out", *OPTION_TYPES)
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass
class Row:
    """One manifest row: its 1-based number, resolved paths and raw option values."""

    number: int
    image: Path
    audio: Path
    out: Path
    options: dict = field(default_factory=dict)

    def label(self) -> str:
        return f"row {self.number} ({self.image.name}, {self.audio.name})"


def read_manifest(path: str | Path, out_dir: str | Path) -> list[Row]:
    """The rows of a CSV or JSON Lines manifest, paths resolved (module docstring)."""
    path, out_dir = Path(path), Path(out_dir)
    if not path.is_file():
        raise ValueError(f"manifest not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read the manifest {path} ({err})") from err
    records = (_jsonl_records(text, path) if path.suffix.lower() in (".jsonl", ".ndjson")
               else _csv_records(text, path))
    if not records:
        raise ValueError(f"the manifest {path} has no rows")
    rows, taken = [], set()
    for number, record in enumerate(records, start=1):
        unknown = set(record) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown column(s) {', '.join(sorted(unknown))} in {path}; "
                             f"the columns are: {', '.join(COLUMNS)}")
        for key in ("image", "audio"):
            if not str(record.get(key) or "").strip():
                raise ValueError(f"row {number} of {path} has no {key}; every row needs "
                                 "an image and an audio column")
        image = _resolve(path.parent, record["image"])
        audio = _resolve(path.parent, record["audio"])
        if str(record.get("out") or "").strip():
            out = out_dir / str(record["out"]).strip()
        else:
            out = out_dir / f"{audio.stem}.mp4"
            if out in taken:
                out = out_dir / f"{audio.stem}-{number}.mp4"
        if out in taken:
            raise ValueError(f"row {number} of {path} writes {out}, as an earlier row does; "
                             "give each row its own out")
        taken.add(out)
        options = {k: v for k, v in record.items() if k in OPTION_TYPES
                   and v is not None and str(v).strip() != ""}
        rows.append(Row(number, image, audio, out, options))
    return rows


def _csv_records(text: str, path: Path) -> list[dict]:
    try:
        reader = csv.DictReader(text.splitlines())
        if reader.fieldnames is None:
            return []
        names = [n.strip() for n in reader.fieldnames]
        if len(set(names)) != len(names) or "" in names:
            raise ValueError(f"the header of {path} has empty or repeated column names")
        records = []
        for line in reader:
            if None in line:
                raise ValueError(f"line {reader.line_num} of {path} has more cells than "
                                 "the header")
            if any((v or "").strip() for v in line.values()):  # skip blank lines
                records.append({k.strip(): (v or "").strip() for k, v in line.items()})
        return records
    except csv.Error as err:
        raise ValueError(f"cannot parse the CSV manifest {path} ({err})") from err


def _jsonl_records(text: str, path: Path) -> list[dict]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"line {number} of {path} is not JSON ({err})") from err
        if not isinstance(record, dict):
            raise ValueError(f"line {number} of {path} is not a JSON object")
        records.append(record)
    return records


def _resolve(base: Path, value) -> Path:
    path = Path(str(value).strip()).expanduser()
    return path if path.is_absolute() else base / path


def row_options(row: Row, defaults: dict) -> dict:
    """The pipeline keyword arguments of a row: `defaults` overridden by its own values
    (ValueError for a value of the wrong type)."""
    options = dict(defaults)
    gaze = list(options.pop("gaze", None) or (None, None))
    for name, value in row.options.items():
        try:
            parsed = _parse(value, OPTION_TYPES[name])
        except (TypeError, ValueError) as err:
            raise ValueError(f"{name} = {value!r} is not a valid "
                             f"{OPTION_TYPES[name].__name__}") from err
        if name in ("gaze_yaw", "gaze_pitch"):
            gaze[name == "gaze_pitch"] = parsed
        else:
            options[name] = parsed
    if (gaze[0] is None) != (gaze[1] is None):
        raise ValueError("give both gaze_yaw and gaze_pitch, or neither")
    options["gaze"] = None if gaze[0] is None else (gaze[0], gaze[1])
    return options


def _parse(value, kind: type):
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in _TRUE | _FALSE:
            raise ValueError(value)
        return text in _TRUE
    if kind is int:
        if isinstance(value, bool) or float(value) != int(float(value)):
            raise ValueError(value)
        return int(float(value))
    if kind is float and isinstance(value, bool):
        raise ValueError(value)
    return kind(value)


def process_rows(count: int, index: int, processes: int) -> range:
    """The rows (0-based) that process `index` of `processes` takes: contiguous shares,
    the first count % processes processes one row more; Accelerate's
    `PartialState.split_between_processes` rule without padding, so each row is taken
    exactly once."""
    if not 0 <= index < processes:
        raise ValueError(f"process index {index} is not in 0..{processes - 1}")
    share, extra = divmod(count, processes)
    start = index * share + min(index, extra)
    return range(start, start + share + (index < extra))


@dataclass
class BatchResult:
    written: list[Path]
    failed: list[tuple[Row, str]]


def run_batch(pipe, rows: list[Row], defaults: dict, *, progress: bool = True,
              position: int = 0, desc: str = "generate") -> BatchResult:
    """Generate every row with `pipe`, continuing past failures; a tqdm bar on stderr."""
    from tqdm import tqdm

    written, failed = [], []
    bar = tqdm(rows, desc=desc, unit="clip", disable=not progress, position=position,
               dynamic_ncols=True)
    for row in bar:
        try:
            options = row_options(row, defaults)
            out = pipe(row.image, row.audio, **options)
            written.append(out.save(row.out))
        except Exception as err:  # noqa: BLE001 - one bad row must not stop the batch
            message = str(err) if isinstance(err, ValueError) else f"{type(err).__name__}: {err}"
            failed.append((row, message))
            tqdm.write(f"error: {row.label()}: {message}", file=sys.stderr)
    bar.close()
    return BatchResult(written, failed)
