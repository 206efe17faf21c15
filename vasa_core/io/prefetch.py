"""Draw ahead of the encoder: an iterator's items produced in a worker thread while the
caller consumes the previous ones.

Rendering (NumPy, OpenCV, torch) and H.264 encoding (x264 in PyAV) both release the GIL
for most of their work, so on two cores a clip's frames are drawn while the last batch is
being encoded instead of in turn (`TalkingFacePipeline.write`; benchmarks/RESULTS.md).

    for batch in prefetch(render(...)):   # render runs up to `depth` batches ahead
        encode(batch)

The worker stops when the consumer stops (`close()`, a break, an error); an error in the
worker is raised in the consumer.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")
_END = object()
_POLL_S = 0.1  # how often a blocked worker checks whether the consumer has gone


def prefetch(items: Iterable[Item], depth: int = 2) -> Iterator[Item]:
    """`items`, produced in a thread at most `depth` items ahead of the caller."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                pass
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as err:  # noqa: BLE001 - raised again in the consumer
            put(err)
        finally:
            if hasattr(items, "close"):
                items.close()

    threading.Thread(target=produce, daemon=True, name="prefetch").start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
