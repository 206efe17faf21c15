"""`FragmentedMp4Writer` into a file object, one fragment per frame: what the app's live
player (demo/live.py, demo/player.js) receives. Browsers' Media Source buffers need each
fragment's start time (tfdt) to follow the last one, and a frame must leave the writer when
it is added, not after the sound of later frames."""
from __future__ import annotations

import io
import struct

import av
import numpy as np
import pytest

from vasa_core.io.stream_writer import FragmentedMp4Writer

FPS, RATE, SIDE = 25, 16000, 64


class Sink:
    """A write-only file object that keeps its writes."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def data(self) -> bytes:
        return b"".join(self.chunks)


def boxes(data: bytes, start: int = 0, end: int | None = None):
    """(type, offset, size) of the ISO-BMFF boxes in data[start:end]."""
    end = len(data) if end is None else end
    while start < end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        assert size >= 8, f"bad box size {size} at {start}"
        yield kind.decode(), start, size
        start += size


def fragments(data: bytes) -> list[tuple[int, int, int]]:
    """(track id, decode time of its first sample, samples) of every track fragment."""
    out = []
    for kind, moof, size in boxes(data):
        if kind != "moof":
            continue
        for inner, traf, traf_size in boxes(data, moof + 8, moof + size):
            if inner != "traf":
                continue
            track = decode = count = None
            for box, at, _ in boxes(data, traf + 8, traf + traf_size):
                if box == "tfhd":
                    track = struct.unpack(">I", data[at + 12:at + 16])[0]
                elif box == "tfdt":
                    wide = data[at + 8] == 1
                    decode = struct.unpack(">Q" if wide else ">I",
                                           data[at + 12:at + (20 if wide else 16)])[0]
                elif box == "trun":
                    count = struct.unpack(">I", data[at + 12:at + 16])[0]
            out.append((track, decode, count))
    return out


def frames(count: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (count, SIDE, SIDE, 3), dtype=np.uint8)


def speech(count: int) -> np.ndarray:
    t = np.arange(count * RATE // FPS) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_every_frame_is_a_fragment_that_leaves_when_it_is_added():
    sink, count = Sink(), 40
    sent = []
    with FragmentedMp4Writer(sink, FPS, RATE, every_frame=True) as out:
        out.push_audio(speech(count))  # all the sound first, as the live stream does
        for frame in frames(count):
            out.add(frame)
            sent.append(sum(track == 1 for track, *_ in fragments(sink.data())))
    data = sink.data()
    video = [f for f in fragments(data) if f[0] == 1]
    audio = [f for f in fragments(data) if f[0] == 2]
    assert [n for *_, n in video] == [1] * count  # one frame per fragment
    # start times strictly increase: no fragment overwrites another in a browser's buffer
    assert all(b[1] > a[1] for a, b in zip(video, video[1:])), video
    assert all(b[1] > a[1] for a, b in zip(audio, audio[1:])), audio
    # Frame k is written out by the time frame k + 2 is added: a fragment closes when the
    # next frame arrives, and sound already pushed does not hold frames back. (The last
    # frames, past the end of the sound, leave when the writer closes.)
    held = [k for k, out in enumerate(sent[:count - 8]) if out < k - 1]
    assert not held, sent
    with av.open(io.BytesIO(data)) as container:
        assert container.streams.audio, "no sound track"
        assert sum(1 for _ in container.decode(video=0)) == count


def test_a_file_object_gets_a_whole_playable_mp4_and_a_path_is_not_created(tmp_path):
    sink = Sink()
    with FragmentedMp4Writer(sink, FPS, None) as out:
        out.add(frames(30))
    assert out.path is None and not list(tmp_path.iterdir())
    with av.open(io.BytesIO(sink.data())) as container:
        assert not container.streams.audio
        assert sum(1 for _ in container.decode(video=0)) == 30


@pytest.mark.parametrize("every_frame", [False, True])
def test_sound_ends_with_the_video(every_frame):
    sink, count = Sink(), 30
    with FragmentedMp4Writer(sink, FPS, RATE, every_frame=every_frame) as out:
        out.push_audio(speech(count))
        out.add(frames(count))
    with av.open(io.BytesIO(sink.data())) as container:
        samples = sum(f.samples for f in container.decode(audio=0))
    # AAC pads to whole 1024-sample frames (and primes one), never more than ~3 of them
    assert count * RATE // FPS <= samples <= count * RATE // FPS + 3 * 1024
