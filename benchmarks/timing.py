"""Shared timing helper for the benchmark scripts (run as `python benchmarks/<name>.py`)."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np


def median_seconds(fn: Callable[[], object], repeats: int = 3) -> float:
    """Median wall time of `repeats` calls of `fn`, after one untimed warm-up call (this
    shared machine's timings vary by ~20 % between runs)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))
