"""Real talking-face videos -> training shards in exactly the synthetic corpus' layout.

Users with a real corpus (VoxCeleb2, HDTF, their own recordings) train on it with the same
command as on the synthetic one: `python -m vasa_core.train --corpus OUT`. Each video is
streamed frame by frame (at most `max_seconds` of it, so hours of footage never sit in
memory) through the face analyzer's tracking detector (`face.analyze.detect_and_fit`, the
same motion encoder that measures generated videos), and its sound is read at 16 kHz.

    frames with a face   -> runs of consecutive frames; a run breaks where the face
                            vanishes or jumps (a cut, or the largest face is now someone
                            else); runs shorter than `min_seconds` are dropped
    each run             -> one Clip: Motion resampled onto the 25 fps grid, clipped to
                            the teacher's valid ranges, audio cut to exactly T * 640 samples
    labels               -> read off the motion as the teacher does: main gaze = mean gaze,
                            head distance = mean log_scale; emotion unknown (None: no
                            annotation exists for real clips; trained as dropped)

With several faces in a frame the analyzer takes the largest one. Audio and video are
taken to start together, and frames to be evenly spaced at the average frame rate. Files
without sound, without a usable face, or that cannot be decoded are skipped; their reasons
go to the manifest (`skipped: [{file, reason}]`) and to stderr, and the run goes on.
Clip metadata: kind "video", the source file (relative to the videos folder), start and
end (s) in it and its frame rate; language "unknown", text "".
"""
from __future__ import annotations

import contextlib
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE, SAMPLES_PER_FRAME as HOP, load_audio
from ..io.media import VIDEO_SUFFIXES, find_videos  # noqa: F401 (find_videos: re-exported)
from ..latent import GAZE_SLICE, MOTION_DIM, POSE_SLICE, Motion
from .corpus import MANIFEST, Clip, write_manifest, write_shard
from ..teacher.rules import FPS, GAZE_LIMIT_DEG, POSE_LIMITS, Labels

LANGUAGE = "unknown"  # real clips come without a transcript or a language tag


@dataclass(frozen=True)
class ExtractConfig:
    """How much of each video is read and how it is cut into clips and shards."""

    max_seconds: float = 600.0  # read at most this much of each video
    shard_seconds: float = 300.0  # a shard is written once this much audio is pending
    min_seconds: float = 2.0  # shorter face runs are dropped (too short for a window)
    # A face centre moving more than this many face widths between two frames is a cut
    # (or another, larger face): the run breaks there rather than blending two shots.
    cut_jump: float = 0.5


def clip_labels(motion: Motion) -> Labels:
    """The condition labels of a clip, read as for synthetic clips (`Labels.read`); no
    emotion annotation exists, so the emotion is unknown (None) and trained as dropped."""
    return Labels.read(motion, emotion=None)


def _track(path: Path, config: ExtractConfig) -> tuple[np.ndarray, np.ndarray, float]:
    """(rows (F, 40) float32, NaN where no face; cuts (F,) bool, True where a new shot
    starts; fps) of the first `max_seconds` of a video, decoded one frame at a time."""
    from ..face.analyze import FaceDetector, detect_and_fit, motion_from_fits
    from ..io.media import iter_video

    frames, fps = iter_video(path)
    detector = FaceDetector(static=False)  # fresh tracking state for every video
    rows, cuts, last = [], [], None
    with contextlib.closing(frames), contextlib.closing(detector):
        for _, frame in zip(range(int(config.max_seconds * fps)), frames):
            found = detect_and_fit(frame, detector, retry=False)
            if found is None:
                rows.append(np.full(MOTION_DIM, np.nan, np.float32))
                cuts.append(False)
                last = None
                continue
            rows.append(motion_from_fits([found], fps).values[0])
            x0, y0, x1, y1 = found[2]
            centre, width = np.array([x0 + x1, y0 + y1]) / 2, max(x1 - x0, 1.0)
            cuts.append(last is not None and
                        np.linalg.norm(centre - last[0]) > config.cut_jump * last[1])
            last = centre, width
    if not rows:
        raise ValueError("no decodable video frames")
    return np.stack(rows), np.array(cuts), fps


def _runs(ok: np.ndarray, cuts: np.ndarray, min_frames: int) -> list[tuple[int, int]]:
    """[start, stop) frame ranges of consecutive `ok` frames, broken at `cuts`, each at
    least `min_frames` long."""
    runs, start = [], None
    for i, (good, cut) in enumerate(zip(ok, cuts)):
        if start is not None and (not good or cut):
            runs.append((start, i))
            start = None
        if good and start is None:
            start = i
    if start is not None:
        runs.append((start, len(ok)))
    return [(a, b) for a, b in runs if b - a >= min_frames]


def _on_grid(rows: np.ndarray, fps: float) -> np.ndarray:
    """(n, 40) rows at the video's `fps` -> (T, 40) on the 25 fps grid (linear, every
    dimension), pose and gaze clipped to the ranges the teacher writes."""
    from ..grid import resample  # column by column

    grid = np.stack([resample(col, fps, FPS) for col in rows.T.astype(np.float64)], 1)
    grid[:, POSE_SLICE] = np.clip(grid[:, POSE_SLICE], POSE_LIMITS[:, 0], POSE_LIMITS[:, 1])
    grid[:, GAZE_SLICE] = np.clip(grid[:, GAZE_SLICE], -GAZE_LIMIT_DEG, GAZE_LIMIT_DEG)
    return grid.astype(np.float32)


def video_clips(path: Path, name: str, config: ExtractConfig = ExtractConfig()) -> list[Clip]:
    """The clips of one video (one per face run, see the module doc); ValueError with the
    reason when it has none. T motion frames = the run's frames on the 25 fps grid, cut to
    the whole 640-sample frames of sound left after the run's start."""
    # the sound first: it is cheap to read and refuses a silent file before any tracking
    audio = load_audio(path, max_seconds=None, first_seconds=config.max_seconds)
    rows, cuts, fps = _track(path, config)
    ok = np.isfinite(rows).all(1)
    if not ok.any():
        raise ValueError(f"no face found in any of its {len(rows)} frames")
    clips = []
    for a, b in _runs(ok, cuts, int(np.ceil(config.min_seconds * fps))):
        first = int(round(a / fps * SAMPLE_RATE))
        motion = _on_grid(rows[a:b], fps)
        frames = min(len(motion), (len(audio) - first) // HOP)
        if frames < config.min_seconds * FPS:
            continue
        meta = {"kind": "video", "source": name, "start": round(a / fps, 4),
                "end": round(a / fps + frames / FPS, 4), "source_fps": round(fps, 4)}
        m = Motion(motion[:frames], FPS)
        clips.append(Clip(audio[first:first + frames * HOP], m, clip_labels(m), LANGUAGE,
                          "", meta))
    if not clips:
        raise ValueError(f"no stretch of {config.min_seconds:g} s with a face and sound "
                         f"(a face in {ok.sum()} of {len(rows)} frames)")
    return clips


def _write(out: Path, summaries: list[dict], pending: list[Clip]) -> None:
    """Write `pending` as the next shard and add its summary to `summaries`."""
    path = out / f"shard-{len(summaries):05d}.safetensors"
    summaries.append(write_shard(path, pending))


def extract_corpus(videos: str | Path, out_dir: str | Path,
                   config: ExtractConfig = ExtractConfig(), progress: bool = True) -> dict:
    """Turn every video under `videos` into shards + manifest.json in `out_dir` (the
    layout of corpus.py); the manifest, whose `skipped` lists the files left out and why.

    `out_dir` must not hold a corpus already: the trainer caches audio features by shard
    name, so overwriting shards in place would pair new motion with stale features.
    """
    from tqdm import tqdm

    root, out = Path(videos), Path(out_dir)
    files = find_videos(root) if root.is_dir() else []
    if not files:
        raise ValueError(f"no videos ({', '.join(VIDEO_SUFFIXES)}) under {root}")
    if (out / MANIFEST).exists() or any(out.glob("shard-*.safetensors")):
        raise ValueError(f"{out} already holds a corpus; extract into a new, empty folder")
    out.mkdir(parents=True, exist_ok=True)
    summaries: list[dict] = []
    pending: list[Clip] = []
    skipped: list[dict] = []
    for path in tqdm(files, unit="video", desc="extracting", disable=not progress):
        name = path.relative_to(root).as_posix()
        try:
            pending += video_clips(path, name, config)
        except Exception as err:  # noqa: BLE001 - one bad file must not end a long run
            reason = str(err) if isinstance(err, ValueError) else f"{type(err).__name__}: {err}"
            skipped.append({"file": name, "reason": reason})
            tqdm.write(f"skipped {name}: {reason}", file=sys.stderr)
            continue
        if sum(c.duration for c in pending) >= config.shard_seconds:
            _write(out, summaries, pending)
            pending = []
    if pending:
        _write(out, summaries, pending)
    return write_manifest(out, summaries, FPS, source="videos", videos=len(files),
                          skipped=skipped, config=asdict(config))
