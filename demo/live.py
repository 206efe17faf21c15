"""Live in the page: the pipeline's frames as one growing fragmented mp4, sent over HTTP as
they are drawn and played by the page's Media Source Extensions player (`player.js`).

Gradio's streaming video cuts a stream into 1 s HLS segments, so the first picture waits
for a whole encoded segment and playback stalls at segment joins. Here every frame closes
an mp4 fragment (H.264 zerolatency + AAC, `FragmentedMp4Writer(every_frame=True)`) that is
written to the HTTP response at once: the browser can show a frame about 40 ms after it
was drawn, and the pipeline, which runs faster than real time, keeps its buffer growing.

    streams = LiveStreams()
    stream = streams.start(lambda: pipe.stream(...), wave)  # set up, drawn, encoded in a thread
    stream.url       # "/vasa-live/<token>", at once: the page GETs it while the stream starts
    stream.wait()    # until the last fragment is written; then stream.error, stream.notes

The route comes from `streams.route()`, added to the app's FastAPI routes at launch.
Tokens are random, serve one request each, and an unplayed stream is dropped (and its
drawing stopped) after `KEEP_SECONDS`; a viewer who leaves stops the drawing too.
"""
from __future__ import annotations

import contextlib
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator

import anyio
import numpy as np
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from vasa_core.grid import FPS, SAMPLE_RATE
from vasa_core.io.stream_writer import FragmentedMp4Writer
from vasa_core.pipeline import notices

ROUTE = "/vasa-live/{token}"
KEEP_SECONDS = 600.0  # a stream nobody fetched within this is stopped and forgotten
# Threads of torch and OpenCV while a stream is drawn. One core draws faster than real
# time; a second thread buys little wall time for much more CPU (OpenMP's busy waits),
# which the viewer's own video decoder on the same machine then lacks
# (benchmarks/RESULTS.md).
DRAW_THREADS = 1


class _Chunks:
    """A write-only binary file whose writes become items of a queue (the HTTP body)."""

    def __init__(self) -> None:
        self.items: queue.Queue[bytes | None] = queue.Queue()

    def write(self, data) -> int:
        self.items.put(bytes(data))
        return len(data)


Frames = Callable[[], Iterator[np.ndarray]]  # starts a stream of (1, H, W, 3) uint8 frames


class LiveStream:
    """One live clip: the frames of `frames()` and their 16 kHz sound encoded, in a thread,
    into mp4 fragments queued for the one HTTP request that plays them. `frames` is called
    in that thread too, so the page can fetch the URL while the pipeline sets up; its
    errors end the stream (`error`) and its pipeline notices are kept (`notes`)."""

    def __init__(self, frames: Frames, wave: np.ndarray) -> None:
        self.token = secrets.token_urlsafe(18)
        self.url = ROUTE.format(token=self.token)
        self.created = time.monotonic()
        self.frames = 0
        self.first_frame_s: float | None = None  # from `created` to the first frame drawn
        self.drawing_s = 0.0  # from the first frame drawn to the last one encoded
        self.error: BaseException | None = None
        self.notes: list[str] = []
        self._chunks = _Chunks()
        self._stop, self._done = threading.Event(), threading.Event()
        threading.Thread(target=self._produce, args=(frames, wave), daemon=True,
                         name=f"live-{self.token[:6]}").start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every frame is encoded (or the stream stopped); False on timeout."""
        return self._done.wait(timeout)

    def stop(self) -> None:
        """Stop drawing after the current frame (the viewer left, or nobody came)."""
        self._stop.set()

    def body(self) -> Iterator[bytes]:
        """The mp4's bytes in the order written, blocking until each exists; ends with
        the stream."""
        while (chunk := self._chunks.items.get()) is not None:
            yield chunk

    def _produce(self, frames: Frames, wave: np.ndarray) -> None:
        drawn = None
        try:
            with _threads(DRAW_THREADS), notices() as self.notes, FragmentedMp4Writer(
                    self._chunks, FPS, SAMPLE_RATE, every_frame=True) as out:
                drawn = frames()
                out.push_audio(wave)  # all of it: the writer keeps it a little ahead
                for batch in drawn:
                    if self._stop.is_set():
                        break
                    self.first_frame_s = self.first_frame_s or time.monotonic() - self.created
                    out.add(batch)
                    self.frames += len(batch)
                    self.drawing_s = time.monotonic() - self.created - self.first_frame_s
        except Exception as err:  # noqa: BLE001 - handed to the waiting request handler
            self.error = err
        finally:
            if hasattr(drawn, "close"):
                drawn.close()  # release the pipeline's generators at once
            self._chunks.items.put(None)
            self._done.set()


class LiveStreams:
    """The live streams of one app, by token."""

    def __init__(self) -> None:
        self._streams: dict[str, LiveStream] = {}
        self._lock = threading.Lock()

    def start(self, frames: Frames, wave: np.ndarray) -> LiveStream:
        """Start drawing `frames()` (with `wave`, 16 kHz mono) into a new stream."""
        stream = LiveStream(frames, wave)
        with self._lock:
            for token, old in list(self._streams.items()):
                if time.monotonic() - old.created > KEEP_SECONDS:
                    old.stop()
                    del self._streams[token]
            self._streams[stream.token] = stream
        return stream

    def take(self, token: str) -> LiveStream | None:
        """The stream of `token`, handed out once."""
        with self._lock:
            return self._streams.pop(token, None)

    def stop_all(self) -> None:
        with self._lock:
            for stream in self._streams.values():
                stream.stop()
            self._streams.clear()

    def route(self) -> Route:
        """GET ROUTE: the stream's mp4 as it grows (404 for an unknown or used token)."""
        async def serve(request: Request) -> Response:
            stream = self.take(request.path_params["token"])
            if stream is None:
                return PlainTextResponse("No such live stream: it was already played or "
                                         "has expired. Press Live again.", status_code=404)
            return StreamingResponse(_body(stream), media_type="video/mp4", headers={
                # identity: Gradio's Brotli middleware leaves the (incompressible) video
                # alone instead of buffering it
                "Cache-Control": "no-store", "Content-Encoding": "identity"})

        return Route(ROUTE, serve, methods=["GET"])


@contextlib.contextmanager
def _threads(count: int):
    """torch's and OpenCV's thread pools at `count` threads (process-wide) inside the block."""
    import cv2
    import torch

    before = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(count)
    cv2.setNumThreads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])


async def _body(stream: LiveStream):
    """The stream's bytes for Starlette; a viewer who disconnects stops the drawing."""
    chunks = stream.body()
    try:
        while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
            yield chunk
    finally:
        stream.stop()
