"""`io.prefetch`: items drawn in a worker thread ahead of the consumer, in order, with the
worker's errors raised in the consumer and the worker stopped when the consumer stops."""
from __future__ import annotations

import threading
import time

import pytest

from vasa_core.io.prefetch import prefetch


def test_items_come_in_order_and_are_drawn_in_another_thread():
    threads = []

    def source():
        for i in range(50):
            threads.append(threading.current_thread())
            yield i

    assert list(prefetch(source(), depth=3)) == list(range(50))
    assert threads and all(t is not threading.current_thread() for t in threads)


def test_the_worker_runs_ahead_while_the_consumer_works():
    drawn = []

    def source():
        for i in range(4):
            drawn.append(i)
            yield i

    items = prefetch(source(), depth=2)
    assert next(items) == 0
    deadline = time.monotonic() + 5
    while len(drawn) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert drawn == [0, 1, 2]  # one handed out, two waiting: no further
    assert list(items) == [1, 2, 3]


def test_an_error_in_the_worker_is_raised_in_the_consumer():
    def source():
        yield 1
        raise ValueError("the renderer failed")

    items = prefetch(source())
    assert next(items) == 1
    with pytest.raises(ValueError, match="the renderer failed"):
        next(items)


def test_a_consumer_that_stops_stops_the_worker_and_closes_the_source():
    closed = threading.Event()

    def source():
        try:
            for i in range(10_000):
                yield i
        finally:
            closed.set()

    items = prefetch(source(), depth=2)
    assert next(items) == 0
    items.close()
    assert closed.wait(5), "the source was not closed"
