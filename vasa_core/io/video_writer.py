"""A streaming H.264 + AAC mp4 writer (PyAV). Use `media.write_video`; this is its engine.

Frames are encoded one at a time as they arrive; the audio track is encoded alongside, up
to the current video time, so the file is interleaved and nothing is held in memory.
The video is written to a hidden temporary file next to the target and renamed into place
when complete, so the target is never seen half-written (nor clobbered by a second
writer's partial output).
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import os

import av
import numpy as np

_FASTSTART_SUFFIXES = {".mp4", ".m4v", ".mov"}


def open_output(target, shown, comment: str, **kwargs) -> av.container.Container:
    """An output container at `target` (a path, or a writable binary file object; options
    for PyAV in `kwargs`) carrying the `comment` metadata tag; ValueError naming `shown`
    (the path the user gave) when it cannot be created."""
    try:
        container = av.open(target if hasattr(target, "write") else str(target), "w",
                            **kwargs)
    except (av.FFmpegError, OSError, ValueError) as err:
        raise ValueError(f"cannot write a video to {shown} ({err}); use an .mp4 path in a "
                         "writable folder") from err
    container.metadata["comment"] = comment
    return container


class VideoWriter:
    """Context manager: `with VideoWriter(...) as w: w.add(frame)`; the file appears at
    `path` on a clean exit, and nothing does if the block raises."""

    def __init__(self, path: Path, fps: float, audio: np.ndarray | None, sample_rate: int,
                 crf: int, preset: str, comment: str) -> None:
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path, self.fps, self.sample_rate = Path(path), float(fps), int(sample_rate)
        self.crf, self.preset = crf, preset
        self.audio = _mono_audio(audio)
        self.frames_written = 0
        # Same folder (so the final rename is atomic) and same suffix (it picks the format).
        unique = f"{os.getpid()}-{id(self):x}"
        self._tmp = self.path.with_name(f".{self.path.stem}.{unique}.partial{self.path.suffix}")
        self._audio_pos = 0  # samples already encoded
        self._size: tuple[int, int] | None = None  # (H, W) of the incoming frames
        self._video = self._audio_stream = None
        # +faststart moves the index to the front so browsers start playing at once.
        faststart = self.path.suffix.lower() in _FASTSTART_SUFFIXES
        options = {"movflags": "+faststart"} if faststart else {}
        self._container = open_output(self._tmp, self.path, comment, options=options)

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
            return
        self._container.close()
        self._tmp.unlink(missing_ok=True)

    def add(self, frame: np.ndarray) -> None:
        """Encode one (H, W, 3) uint8 RGB frame."""
        frame = self._checked(frame)
        if self._video is None:
            self._open_streams(*frame.shape[:2])
        self._container.mux(self._video.encode(video_frame(frame, self._video)))
        self.frames_written += 1
        self._encode_audio(until_s=self.frames_written / self.fps)

    def close(self) -> None:
        """Flush the encoders and finish the file."""
        if self._video is None:
            self._container.close()
            self._tmp.unlink(missing_ok=True)
            raise ValueError("no frames to write: the frame iterable was empty")
        self._encode_audio(until_s=float("inf"))
        self._container.mux(self._video.encode(None))
        if self._audio_stream is not None:
            self._container.mux(self._audio_stream.encode(None))
        self._container.close()
        os.replace(self._tmp, self.path)

    def _checked(self, frame: np.ndarray) -> np.ndarray:
        frame = checked_frame(frame)
        if self._size is not None and frame.shape[:2] != self._size:
            raise ValueError(f"frame {self.frames_written} is {frame.shape[:2]}, but the "
                             f"video started at {self._size}; all frames must be the same size")
        return frame

    def _open_streams(self, height: int, width: int) -> None:
        self._size = (height, width)
        self._video = add_video_stream(self._container, self.fps, height, width,
                                       {"crf": str(self.crf), "preset": self.preset})
        if self.audio is not None:
            self._audio_stream = self._container.add_stream(
                "aac", rate=self.sample_rate, layout="mono")

    def _encode_audio(self, until_s: float) -> None:
        if self._audio_stream is None:
            return
        end = int(min(len(self.audio), until_s * self.sample_rate))
        if end <= self._audio_pos:
            return
        self._container.mux(self._audio_stream.encode(audio_frame(
            self.audio[self._audio_pos:end], self._audio_pos, self.sample_rate)))
        self._audio_pos = end


def checked_frame(frame: np.ndarray) -> np.ndarray:
    """`frame` as an (H, W, 3) uint8 RGB array, or a ValueError saying what it is."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"frames must be (H, W, 3) uint8 RGB, got {frame.shape} "
                         f"{frame.dtype}")
    return frame


def add_video_stream(container, fps: float, height: int, width: int, options: dict):
    """An H.264 yuv420p stream for (height, width) frames; yuv420p subsamples chroma 2x2,
    so odd sides are padded up to even ones (`video_frame` pads the frames to match)."""
    stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
    stream.height, stream.width = height + height % 2, width + width % 2
    stream.pix_fmt = "yuv420p"
    stream.options = options
    return stream


def video_frame(frame: np.ndarray, stream) -> av.VideoFrame:
    """An (H, W, 3) uint8 frame as a VideoFrame for `stream`, edge-padded to its size."""
    pad_h, pad_w = stream.height - frame.shape[0], stream.width - frame.shape[1]
    if pad_h or pad_w:
        frame = np.pad(frame, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")


def audio_frame(samples: np.ndarray, start: int, sample_rate: int) -> av.AudioFrame:
    """Mono float samples (n,) starting at sample `start` as an AudioFrame."""
    frame = av.AudioFrame.from_ndarray(samples[None], format="flt", layout="mono")
    frame.sample_rate = sample_rate
    frame.pts, frame.time_base = start, Fraction(1, sample_rate)
    return frame


def _mono_audio(audio: np.ndarray | None) -> np.ndarray | None:
    """(N,) or (N, 1) float -> contiguous (N,) float32 clipped to [-1, 1]."""
    if audio is None:
        return None
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 2 and audio.shape[1] == 1:
        audio = audio[:, 0]
    if audio.ndim != 1:
        raise ValueError(f"audio must be mono (N,) samples, got shape {audio.shape}")
    if not np.all(np.isfinite(audio)):
        raise ValueError("audio contains NaN or infinite samples")
    return np.ascontiguousarray(np.clip(audio, -1.0, 1.0))
