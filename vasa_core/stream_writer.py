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

`stream_file` feeds an audio file to `pipe.stream` in chunks, paced at real time like a
microphone (or as fast as possible), writes what comes out, and measures the first-frame
latency and the real-time factor.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

FRAGMENT_MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"


class FragmentedMp4Writer:
    """Context manager writing a fragmented H.264 (+ AAC when `sample_rate` is given) mp4
    that is playable while it grows; see the module docstring."""

    def __init__(self, path: str | Path, fps: float = 25.0, sample_rate: int | None = 16000,
                 crf: int = 20, keyframe_seconds: float = 1.0) -> None:
        import av

        from .media import AI_COMMENT

        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path, self.fps, self.sample_rate = Path(path), float(fps), sample_rate
        self.crf, self.gop = crf, max(1, round(keyframe_seconds * fps))
        self.frames_written = 0
        self._pending: list[np.ndarray] = []  # audio pushed but not yet encoded
        self._audio_pos = 0  # samples encoded so far
        self._video = self._audio = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._container = av.open(str(self.path), "w", format="mp4",
                                      options={"movflags": FRAGMENT_MOVFLAGS})
        except (av.FFmpegError, OSError) as err:
            raise ValueError(f"cannot write a video to {self.path} ({err}); use an .mp4 path "
                             "in a writable folder") from err
        self._container.metadata["comment"] = AI_COMMENT

    def __enter__(self) -> "FragmentedMp4Writer":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._video is None:  # nothing was written: leave no empty file behind
            self._container.close()
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
            self._encode_audio(self.frames_written / self.fps)

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


@dataclass
class StreamStats:
    """What `stream_file` measured. first_frame_s: from handing over the first audio chunk
    to the first rendered frame. realtime_factor: audio seconds / wall seconds (paced
    streams cannot exceed ~1; >= 1 without pacing means faster than real time).
    compute_per_audio_s: wall time not spent waiting for paced audio, per second of audio
    (< 1 keeps up with a live source)."""

    frames: int
    audio_s: float
    wall_s: float
    first_frame_s: float
    waited_s: float

    @property
    def realtime_factor(self) -> float:
        return self.audio_s / self.wall_s if self.wall_s > 0 else float("inf")

    @property
    def compute_per_audio_s(self) -> float:
        return (self.wall_s - self.waited_s) / self.audio_s if self.audio_s > 0 else 0.0

    def as_dict(self) -> dict:
        return {"frames": self.frames, "audio_s": round(self.audio_s, 3),
                "wall_s": round(self.wall_s, 3), "first_frame_ms": round(1000 * self.first_frame_s, 1),
                "realtime_factor": round(self.realtime_factor, 3),
                "compute_per_audio_s": round(self.compute_per_audio_s, 3)}


def stream_file(pipe, image, audio, *, out: str | Path | None = None,
                frames_dir: str | Path | None = None, paced: bool = True,
                chunk_ms: float = 20.0, **options) -> StreamStats:
    """Stream `audio` (anything `load_audio` takes) through `pipe.stream(image, ...)` in
    `chunk_ms` chunks, paced at real time unless `paced` is False, writing a fragmented
    mp4 with sound to `out` and/or PNG frames to `frames_dir` as the frames come.
    `options` are `pipe.stream`'s. Returns the measurements.

        stats = stream_file(pipe, "me.jpg", "speech.wav", out="live.mp4")
        print(stats.first_frame_s, stats.realtime_factor)
    """
    from contextlib import ExitStack

    from .audio import SAMPLE_RATE, load_audio

    if out is None and frames_dir is None:
        raise ValueError("give an output: an mp4 path and/or a folder for PNG frames")
    if not chunk_ms > 0:
        raise ValueError(f"chunk_ms must be positive, got {chunk_ms}")
    wave = load_audio(audio)
    chunk = max(1, int(SAMPLE_RATE * chunk_ms / 1000))
    with ExitStack() as stack:
        writers = []
        if out is not None:
            writers.append(stack.enter_context(FragmentedMp4Writer(out, 25.0, SAMPLE_RATE)))
        if frames_dir is not None:
            writers.append(stack.enter_context(FramesDirWriter(frames_dir)))
        clock: dict[str, float] = {"waited": 0.0}

        def microphone() -> Iterator[np.ndarray]:
            start = clock["start"] = time.perf_counter()
            for k, i in enumerate(range(0, len(wave), chunk)):
                if paced:  # chunk k is "recorded" k * chunk_ms after the first
                    delay = start + k * chunk_ms / 1000 - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                        clock["waited"] += delay
                piece = wave[i:i + chunk]
                for writer in writers:
                    writer.push_audio(piece)
                yield piece

        frames = 0
        for batch in pipe.stream(image, microphone(), **options):
            if frames == 0:
                clock["first"] = time.perf_counter()
            for writer in writers:
                writer.add(batch)
            frames += len(batch)
    end = time.perf_counter()  # the mp4's last fragment included
    if frames == 0:
        raise ValueError("the stream produced no frames; is the audio long enough?")
    return StreamStats(frames, len(wave) / SAMPLE_RATE, end - clock["start"],
                       clock["first"] - clock["start"], clock["waited"])
