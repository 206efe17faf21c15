"""Live output of `TalkingFacePipeline.stream`: a growing fragmented mp4, or PNG frames.

    with FragmentedMp4Writer("live.mp4", fps=25, sample_rate=16000) as writer:
        for chunk in microphone():
            writer.push_audio(chunk)            # sound, muxed as the frames catch up with it
            for frames in ...:                  # (n, H, W, 3) uint8 batches
                writer.add(frames)

`FragmentedMp4Writer` writes H.264 (x264 zerolatency, a keyframe every second) + AAC
straight to its path with movflags frag_keyframe+empty_moov+default_base_moof: the moov
box comes first and each second of video is a self-contained fragment, so players (and
`ffmpeg -i`) can read the file while it grows, and a stream that is cut off leaves a
playable file up to its last fragment. Sound is encoded up to the time of the last
written frame, so the two tracks stay interleaved.

The target may also be a writable binary file object (a socket, a queue). With
`every_frame=True` each frame closes a fragment (one frame long) that is
written out at once, which is what a browser's Media Source Extensions player needs to
show a frame 40 ms after it was drawn instead of a second later.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..grid import FPS, SAMPLE_RATE

FRAGMENT_MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"
# One fragment per frame: movflag frag_every_frame gives repeated fragment start times
# (tfdt) when audio is interleaved, which Chromium's Media Source buffer reads as frames
# overwriting each other; a fragment duration of one frame keeps them monotonic.
EVERY_FRAME_MOVFLAGS = "empty_moov+default_base_moof"
# Seconds of pushed sound encoded past the last frame when every frame is a fragment: the
# muxer holds a frame until the sound of its time is encoded, and AAC (1024-sample frames,
# 1024 samples of priming) returns a packet ~130 ms after its samples at 16 kHz, so without
# a lead each frame would leave 3-5 frames late.
EVERY_FRAME_AUDIO_LEAD = 0.2


class FragmentedMp4Writer:
    """Context manager writing a fragmented H.264 (+ AAC when `sample_rate` is given) mp4
    that is playable while it grows; see the module docstring."""

    def __init__(self, path: str | Path | BinaryIO, fps: float = FPS,
                 sample_rate: int | None = SAMPLE_RATE, crf: int = 20,
                 keyframe_seconds: float = 1.0, every_frame: bool = False) -> None:
        from .media import AI_COMMENT
        from .video_writer import open_output

        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.fps, self.sample_rate = float(fps), sample_rate
        self.crf, self.gop = crf, max(1, round(keyframe_seconds * fps))
        self.audio_lead = EVERY_FRAME_AUDIO_LEAD if every_frame else 0.0
        self.frames_written = 0
        self._pending: list[np.ndarray] = []  # audio pushed but not yet encoded
        self._audio_pos = 0  # samples encoded so far
        self._video = self._audio = None
        self.path = None if hasattr(path, "write") else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        options = ({"movflags": EVERY_FRAME_MOVFLAGS, "frag_duration": str(round(1e6 / fps))}
                   if every_frame else {"movflags": FRAGMENT_MOVFLAGS})
        self._container = open_output(self.path or path, self.path or "the stream",
                                      AI_COMMENT, format="mp4", options=options)

    def __enter__(self) -> "FragmentedMp4Writer":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._video is None:  # nothing was written: leave no empty file behind
            self._container.close()
            if self.path is not None:
                self.path.unlink(missing_ok=True)
            return
        self.close()

    def push_audio(self, samples: np.ndarray) -> None:
        """Queue mono float samples in [-1, 1] at `sample_rate`; they are encoded as the
        video reaches their time (ignored without an audio track)."""
        if self.sample_rate is not None and len(samples):
            self._pending.append(np.clip(np.asarray(samples, np.float32), -1.0, 1.0))

    def add(self, frames: np.ndarray) -> None:
        """Encode a (H, W, 3) frame or (n, H, W, 3) batch of uint8 RGB frames."""
        from .video_writer import checked_frame, video_frame

        frames = np.asarray(frames)
        for frame in frames[None] if frames.ndim == 3 else frames:
            frame = checked_frame(frame)
            if self._video is None:
                self._open_streams(*frame.shape[:2])
            encoded = video_frame(frame, self._video)
            encoded.pts = self.frames_written
            encoded.time_base = Fraction(1) / self._rate
            self._container.mux(self._video.encode(encoded))
            self.frames_written += 1
            self._encode_audio(self.frames_written / self.fps + self.audio_lead)

    def close(self) -> None:
        """Encode the queued sound up to the video's end, flush the encoders, finish."""
        if self._video is not None:
            self._encode_audio(self.frames_written / self.fps)
            self._container.mux(self._video.encode(None))
            if self._audio is not None:
                self._container.mux(self._audio.encode(None))
        self._container.close()

    def _open_streams(self, height: int, width: int) -> None:
        from .video_writer import add_video_stream

        self._rate = Fraction(self.fps).limit_denominator(1001)
        self._video = add_video_stream(self._container, self.fps, height, width,
                                       {"crf": str(self.crf), "preset": "veryfast",
                                        "tune": "zerolatency", "g": str(self.gop)})
        if self.sample_rate is not None:
            self._audio = self._container.add_stream("aac", rate=self.sample_rate,
                                                     layout="mono")

    def _encode_audio(self, until_s: float) -> None:
        """Encode queued samples up to `until_s` seconds of sound."""
        from .video_writer import audio_frame

        if self._audio is None or not self._pending:
            return
        queued = np.concatenate(self._pending)
        take = min(len(queued), int(until_s * self.sample_rate) - self._audio_pos)
        if take <= 0:
            self._pending = [queued]
            return
        self._container.mux(self._audio.encode(
            audio_frame(queued[:take], self._audio_pos, self.sample_rate)))
        self._audio_pos += take
        self._pending = [queued[take:]]


class FramesDirWriter:
    """Write each frame as DIR/frame_000000.png, ... as it comes (same interface)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise ValueError(f"{self.directory} exists and is not a folder")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.frames_written = 0

    def __enter__(self) -> "FramesDirWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        pass

    def push_audio(self, samples: np.ndarray) -> None:
        """PNG frames have no sound."""

    def add(self, frames: np.ndarray) -> None:
        from PIL import Image

        frames = np.asarray(frames)
        for frame in frames[None] if frames.ndim == 3 else frames:
            Image.fromarray(frame).save(self.directory / f"frame_{self.frames_written:06d}.png",
                                        compress_level=1)
            self.frames_written += 1
