"""Batch generation from a manifest: many (portrait, speech) pairs, one mp4 each.

A manifest is a CSV with a header row, or JSON Lines (one object per line; `.jsonl` or
`.ndjson`). Columns:

    image, audio       required: paths, relative to the manifest's folder when not absolute
    out                optional: the mp4, relative to the output folder (default:
                       <audio stem>.mp4, with -<row> added when two rows would collide)
    one column per generation control (`settings.Settings`; gaze as gaze_yaw, gaze_pitch)
                       optional per-row values; an empty cell (CSV) or a missing key
                       (JSON) takes the command line's value

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

from ..settings import part_names, table

# One column per control (`settings.Settings`), a tuple control one per part (gaze_yaw,
# gaze_pitch): {column: (control, part index or None, scalar type)}.
OPTION_COLUMNS: dict[str, tuple[str, int | None, type]] = {
    column: (name, index if spec.parts else None, kind)
    for name, (_, spec, kind) in table().items()
    for index, column in enumerate(part_names(name))
}
OPTION_TYPES: dict[str, type] = {column: kind for column, (_, _, kind) in OPTION_COLUMNS.items()}
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
    parts: dict[str, dict[int, object]] = {}  # a tuple control's parts given in this row
    for column, value in row.options.items():
        name, index, kind = OPTION_COLUMNS[column]
        try:
            parsed = _parse(value, kind)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{column} = {value!r} is not a valid {kind.__name__}") from err
        if index is None:
            options[name] = parsed
        else:
            parts.setdefault(name, {})[index] = parsed
    for name, given in parts.items():
        names = part_names(name)
        if len(given) != len(names):
            raise ValueError(f"give all of {' and '.join(names)}, or none")
        options[name] = tuple(given[i] for i in range(len(names)))
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
            written.append(pipe.write(row.image, row.audio, row.out, **options).path)
        except Exception as err:  # noqa: BLE001 - one bad row must not stop the batch
            message = str(err) if isinstance(err, ValueError) else f"{type(err).__name__}: {err}"
            failed.append((row, message))
            tqdm.write(f"error: {row.label()}: {message}", file=sys.stderr)
    bar.close()
    return BatchResult(written, failed)
