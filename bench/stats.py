"""Timing samples and their summaries (median, p95) in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Samples:
    """Durations of many runs of one scenario, in milliseconds."""

    name: str
    values: list[float] = field(default_factory=list)  # wall-clock time
    cpu: list[float] = field(default_factory=list)  # CPU time of this process (all of SQLite's work; not the server's)
    notes: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def timed(self) -> Iterator[None]:
        start, start_cpu = time.perf_counter(), time.process_time()
        yield
        self.values.append((time.perf_counter() - start) * 1000)
        self.cpu.append((time.process_time() - start_cpu) * 1000)

    def measure(self, call: Callable[[], Any]) -> Any:
        with self.timed():
            return call()

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p95(self) -> float:
        return percentile(self.values, 95)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile with linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(slow: float, fast: float) -> str:
    """``slow / fast`` as text ("12.3x"), guarding against a zero denominator."""
    return f"{slow / fast:.1f}x" if fast > 0 else "n/a"
