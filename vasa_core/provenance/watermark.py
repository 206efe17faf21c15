"""The invisible watermark on every frame the package renders, and its detector.

Every output frame carries it, whether or not the visible "AI-generated" label is on
(`pipeline._render`, `vasa animate`); `vasa detect VIDEO` looks for it.

Embedding: a fixed, keyed pseudo-random +/-1 pattern on a GRID x GRID grid of cells in
normalised image coordinates (seeded by KEY), upsampled smoothly (bicubic) to the frame
size and added to all three channels alike, i.e. to the luma only, with an RMS of
AMPLITUDE grey levels (PSNR about 42 dB, at most 4 grey levels anywhere). The same pattern
sits on every frame. Its cells are 8 px at 512 x 512, coarse enough for H.264 to keep
(static, so P-frames inherit it), and it is defined relative to the frame, so resizing the
video (to 256 x 256, say) resizes the pattern with it.

Detection: each frame's luma is area-averaged onto the GRID x GRID cells; the cell values
are averaged over up to `max_frames` frames spread over the video (moving content averages
out, the pattern does not), whitened with a discrete Laplacian (natural images are smooth
at cell scale, the +/-1 pattern is not) and divided by the local residual power (edges
and texture are loud, flat areas quiet: a matched filter for that uneven "noise"), giving
evidence v; then

    z = <v, p> / ||v||,   p = the +/-1 key pattern.

For any video that does not depend on the key, z is a weighted sum of the key's random
signs scaled to unit variance: mean 0, standard deviation 1, and (Hoeffding) P(z > t) <=
exp(-t^2 / 2), whatever the content. THRESHOLD = 6 puts that at 1.5e-8 per video. A
watermarked 512 x 512 portrait video scores about 30 raw and still about 28 after an
H.264 re-encode at default quality and a resize to 256 x 256 (tests/test_watermark.py).

Not robust to cropping, rotation or flipping (the grid would no longer line up).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

KEY = 0x7A5A_C0DE  # seed of the pattern: changing it orphans every marked video
GRID = 64  # cells per side of the pattern (8 px cells at 512 x 512)
AMPLITUDE = 2.0  # RMS of the added pattern, in grey levels (0..255)
THRESHOLD = 6.0  # z at or above which a video is ours (false alarm <= exp(-18))
MAX_FRAMES = 50  # frames read by detect_video, spread over the video
RADIUS = 1  # cells around each cell whose residual sets its weight
FLOOR = 1.0  # grey levels: the least residual a cell is assumed to have
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass(frozen=True)
class Detection:
    """What `detect_video` found in one file."""

    path: str
    found: bool  # the pixel watermark is there (score >= THRESHOLD)
    score: float  # z: ~N(0, 1) for videos we did not make
    frames_read: int
    metadata_tag: bool  # the container carries media.AI_COMMENT (easily stripped or forged)

    def to_dict(self) -> dict:
        return asdict(self)


def key_pattern(key: int = KEY) -> np.ndarray:
    """The (GRID, GRID) float32 +/-1 pattern of `key`."""
    rng = np.random.default_rng(key)
    return (rng.integers(0, 2, size=(GRID, GRID)) * 2 - 1).astype(np.float32)


def embed(frames: np.ndarray) -> np.ndarray:
    """A copy of (H, W, 3) or (B, H, W, 3) uint8 frames with the invisible watermark."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or frames.shape[-1] != 3:
        raise ValueError(f"frames must be (H, W, 3) or (B, H, W, 3) uint8, got "
                         f"{frames.shape} {frames.dtype}")
    height, width = frames.shape[-3:-1]
    field = _field(height, width)  # (H, W, 1) int16, grey levels
    out = frames.astype(np.int16)
    out += field  # integer frame + rounded field = the rounded sum, exactly
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


@lru_cache(maxsize=8)
def _field(height: int, width: int) -> np.ndarray:
    """(H, W, 1) int16: AMPLITUDE * the unit-RMS upsampled pattern, rounded."""
    grid = Image.fromarray(key_pattern())
    smooth = np.asarray(grid.resize((width, height), Image.Resampling.BICUBIC), np.float32)
    smooth = smooth * (AMPLITUDE / max(float(np.sqrt(np.mean(smooth ** 2))), 1e-6))
    field = np.rint(smooth)[..., None].astype(np.int16)
    field.flags.writeable = False
    return field


def cells(luma: np.ndarray) -> np.ndarray:
    """(GRID, GRID) float64 area averages of one (H, W) luma image."""
    image = Image.fromarray(np.ascontiguousarray(luma, dtype=np.float32))
    return np.asarray(image.resize((GRID, GRID), Image.Resampling.BOX), np.float64)


def luma(frames: np.ndarray) -> np.ndarray:
    """(..., H, W) float32 luma of (..., H, W, 3) RGB frames."""
    return np.asarray(frames, np.float32) @ _LUMA


def z_score(mean_cells: np.ndarray, key: int = KEY) -> float:
    """z of (GRID, GRID) frame-averaged cell values against the pattern of `key`."""
    v = _evidence(mean_cells)
    norm = float(np.sqrt(np.sum(v * v)))
    if norm < 1e-12:  # a flat image: no evidence either way
        return 0.0
    return float(np.sum(v * key_pattern(key)) / norm)


def _evidence(grid: np.ndarray) -> np.ndarray:
    """Whitened cell values, each divided by its neighbourhood's residual power (a matched
    filter for image 'noise' that is strong on edges and weak on flat areas)."""
    w = _whiten(grid)
    power = _box(w * w, RADIUS) + FLOOR ** 2
    return w / power


def _box(grid: np.ndarray, radius: int) -> np.ndarray:
    padded = np.pad(grid, radius, mode="reflect")
    size = 2 * radius + 1
    c = np.cumsum(np.cumsum(np.pad(padded, ((1, 0), (1, 0))), 0), 1)
    return (c[size:, size:] - c[:-size, size:] - c[size:, :-size] + c[:-size, :-size]) / size ** 2


def _whiten(grid: np.ndarray) -> np.ndarray:
    """The cell values minus the mean of their 4 neighbours (edges reflected)."""
    padded = np.pad(grid, 1, mode="reflect")
    neighbours = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2]
                  + padded[1:-1, 2:]) / 4.0
    return grid - neighbours


def score(frames: np.ndarray, key: int = KEY) -> float:
    """z of (H, W, 3) or (T, H, W, 3) RGB frames (uint8 or float in 0..255); >= THRESHOLD
    means watermarked."""
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[None]
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"frames must be (H, W, 3) or (T, H, W, 3), got {frames.shape}")
    mean = np.mean([cells(luma(frame)) for frame in frames], axis=0)
    return z_score(mean, key)


def detect_video(path: str | Path, max_frames: int = MAX_FRAMES) -> Detection:
    """Look for the watermark in up to `max_frames` frames spread over a video, and for
    the metadata tag. ValueError if the file cannot be read as a video."""
    mean, frames_read, tagged = _video_cells(Path(path), max_frames)
    z = z_score(mean)
    return Detection(str(path), z >= THRESHOLD, round(z, 3), frames_read, tagged)


def _video_cells(path: Path, max_frames: int) -> tuple[np.ndarray, int, bool]:
    """(mean (GRID, GRID) cells over the sampled frames, frames used, metadata tag)."""
    import av

    from ..io.media import AI_COMMENT, _open_video

    if max_frames < 1:
        raise ValueError(f"max_frames must be at least 1, got {max_frames}")
    container = _open_video(path)
    try:
        tagged = container.metadata.get("comment") == AI_COMMENT
        total = container.streams.video[0].frames  # 0 when the container does not say
        step = max(1, total // max_frames) if total else 1
        acc, used = np.zeros((GRID, GRID)), 0
        for i, frame in enumerate(container.decode(video=0)):
            if i % step:
                continue
            # Y plane as 8-bit grey: luma, which is where the pattern lives.
            acc += cells(frame.to_ndarray(format="gray"))
            used += 1
            if used >= max_frames:
                break
    except av.FFmpegError as err:
        raise ValueError(f"could not decode {path} ({err}); the file may be truncated") from err
    finally:
        container.close()
    if not used:
        raise ValueError(f"{path} contains no decodable video frames")
    return acc / used, used, tagged
