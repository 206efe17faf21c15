"""Keep MediaPipe's start-up notices off the user's terminal and notebooks.

MediaPipe's C++ graphs log a few notices when they are built and first run ("Created
TensorFlow Lite XNNPACK delegate", "Feedback manager requires a model with a single
signature", "Using NORM_RECT without IMAGE_DIMENSIONS"). They come from absl logging in
native threads, written straight to file descriptor 2: no Python logger or environment
variable of this MediaPipe release turns them off, and they say nothing a user can act on.
`filtered()` holds fd 2 in a temporary file for the duration of a block and passes every
other line on afterwards, so nothing else written meanwhile (by any thread) is lost, only
delayed. `QuietGraph` builds a graph inside that block and, still inside, runs it once on
a blank image: a graph finishes starting up in its own threads after its constructor has
returned, so without that run the notices would come out a few milliseconds later, outside
the block. Its first real `process` call (where the landmark projection's notice appears,
once a face is found) runs inside the block too.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from typing import Callable, Iterator

import numpy as np

NOTICE = re.compile(r"(W0000|I0000|INFO: Created TensorFlow Lite|"
                    r"WARNING: All log messages before absl::InitializeLog)")
_LOCK = threading.RLock()  # fd 2 is one per process: one redirection at a time


@contextlib.contextmanager
def filtered() -> Iterator[None]:
    """Inside the block, native writes to fd 2 are held; afterwards every line that is not
    a MediaPipe notice (NOTICE, at the start of the line) is written to stderr."""
    with _LOCK, tempfile.TemporaryFile() as held:
        _flush()
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all (a detached daemon): nothing to protect
            yield
            return
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            _flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            lines = held.read().decode(errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not NOTICE.match(line))
            if kept and sys.stderr is not None:
                sys.stderr.write(kept)
                _flush()


def _flush() -> None:
    if sys.stderr is not None:
        sys.stderr.flush()


class QuietGraph:
    """A MediaPipe solution (FaceMesh, FaceDetection, ...) built by `factory`, whose
    start-up and first `process` call run inside `filtered()` (module docstring)."""

    def __init__(self, factory: Callable[[], object]):
        with filtered():
            self._graph = factory()
            self._graph.process(np.zeros((64, 64, 3), np.uint8))  # wait for the start-up
        self._started = False

    def process(self, image):
        if self._started:
            return self._graph.process(image)
        self._started = True
        with filtered():
            return self._graph.process(image)

    def reset(self) -> None:
        """Start a new run: a tracking graph forgets the face it followed."""
        with filtered():
            self._graph.reset()

    def close(self) -> None:
        self._graph.close()
