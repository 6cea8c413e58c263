"""The measurements: throughput at several concurrencies, the big mp4 files, and cairn against ffprobe.

Every cairn figure is one call of ``cairn.services.inspection.inspect_object`` (one GET for the size and the
first bytes, then RangeFile + the media dispatcher), blocking, from a thread pool. cairn and ffprobe runs are
interleaved so that the machine's noise falls on both alike.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import psutil

from bench.inspection.corpus import Media
from bench.inspection.reference import Picture, picture_of_inspection, scan, startup_seconds
from bench.inspection.server import Server
from cairn.services.inspection import Inspected, inspect_object
from cairn.settings import Settings
from cairn.storage import ObjectStore


@dataclass
class Throughput:
    """Wall seconds of each run over all ``count`` objects at one concurrency, and the per-object costs."""

    group: str
    concurrency: int
    count: int
    seconds: list[float] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)
    bytes_read: list[int] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    failed: int = 0

    @property
    def per_second(self) -> float:
        return self.count / statistics.median(self.seconds)

    def record(self, outcomes: list[Inspected]) -> None:
        self.failed += sum(1 for o in outcomes if o.status.value != "ready")
        self.bytes_read = [o.bytes_read for o in outcomes]
        self.requests = [o.requests for o in outcomes]


@dataclass
class BigFile:
    """One big mp4: cairn's and ffprobe's wall times per run, and what cairn read."""

    media: Media
    cairn_seconds: list[float] = field(default_factory=list)
    ffprobe_seconds: list[float] = field(default_factory=list)
    bytes_read: int = 0
    inspector_bytes: int = 0
    requests: int = 0
    server_requests_cairn: int = 0
    server_requests_ffprobe: int = 0
    packets: int = 0
    cairn: Picture | None = None
    ffprobe: Picture | None = None
    verdict: str = ""


@dataclass
class Comparison:
    """One video of the small set: cairn's and ffprobe's picture and median times."""

    media: Media
    cairn: Picture
    ffprobe: Picture
    verdict: str
    whole_file_read: bool
    bytes_read: int
    requests: int
    cairn_seconds: list[float] = field(default_factory=list)
    ffprobe_seconds: list[float] = field(default_factory=list)


class Bench:
    def __init__(self, server: Server, settings: Settings, *, runs: int, ffprobe: str) -> None:
        self.server = server
        self.store: ObjectStore = server.store()
        self.settings = settings
        self.runs = runs
        self.ffprobe = ffprobe
        self.client = psutil.Process()
        self.server_process = psutil.Process(server.pid)

    def inspect(self, media: Media) -> Inspected:
        return inspect_object(self.store, media.name, kind=media.kind, settings=self.settings)

    def url(self, media: Media) -> str:
        return self.store.presign_get(media.name, expires_in=timedelta(hours=2))

    # --- throughput ---------------------------------------------------------------------------------------------

    def throughput(self, group: str, media: list[Media], concurrencies: list[int]) -> list[Throughput]:
        """Passes over ``media`` at each concurrency, the concurrencies taking turns within every run."""
        results = [Throughput(group, c, len(media)) for c in concurrencies]
        pools = [ThreadPoolExecutor(max_workers=c) for c in concurrencies]
        try:
            for pool in pools:
                list(pool.map(self.inspect, media))  # warm-up: thread start, page cache, connection pool
            for _ in range(self.runs):
                for pool, result in zip(pools, results, strict=True):
                    self._pass(pool, media, result)
        finally:
            for pool in pools:
                pool.shutdown()
        return results

    def _pass(self, pool: ThreadPoolExecutor, media: list[Media], result: Throughput) -> None:
        client, server = _cpu(self.client), _cpu(self.server_process)
        began = time.perf_counter()
        outcomes = list(pool.map(self.inspect, media))
        result.seconds.append(time.perf_counter() - began)
        result.client_cpu.append(_cpu(self.client) - client)
        result.server_cpu.append(_cpu(self.server_process) - server)
        result.record(outcomes)

    # --- big files ----------------------------------------------------------------------------------------------

    def big_file(self, media: Media) -> BigFile:
        result = BigFile(media)
        url = self.url(media)
        self.inspect(media)  # warm-up
        for _ in range(self.runs):
            before = self.server.log_lines()
            began = time.perf_counter()
            outcome = self.inspect(media)
            result.cairn_seconds.append(time.perf_counter() - began)
            middle = self.server.log_lines()
            reference = scan(self.ffprobe, url)
            after = self.server.log_lines()
            result.ffprobe_seconds.append(reference.seconds)
            result.server_requests_cairn, result.server_requests_ffprobe = middle - before, after - middle
            result.bytes_read, result.requests, result.packets = outcome.bytes_read, outcome.requests, reference.packets
            result.inspector_bytes = int(outcome.report.get("bytes_read", 0))
            result.cairn, result.ffprobe = picture_of_inspection(outcome), reference.picture
            result.verdict = outcome.verdict
        return result

    # --- the small videos against ffprobe -----------------------------------------------------------------------

    def compare(self, videos: list[Media]) -> list[Comparison]:
        comparisons = [self._first_comparison(media) for media in videos]
        for _ in range(self.runs):
            for comparison in comparisons:
                began = time.perf_counter()
                self.inspect(comparison.media)
                comparison.cairn_seconds.append(time.perf_counter() - began)
                comparison.ffprobe_seconds.append(scan(self.ffprobe, self.url(comparison.media)).seconds)
        return comparisons

    def _first_comparison(self, media: Media) -> Comparison:
        outcome = self.inspect(media)
        if outcome.status.value != "ready":
            raise RuntimeError(f"{media.name}: cairn failed: {outcome.reason}")
        reference = scan(self.ffprobe, self.url(media))
        return Comparison(
            media=media,
            cairn=picture_of_inspection(outcome),
            ffprobe=reference.picture,
            verdict=outcome.verdict,
            whole_file_read=outcome.whole_file_read,
            bytes_read=outcome.bytes_read,
            requests=outcome.requests,
        )

    def ffprobe_startup(self) -> list[float]:
        return [startup_seconds(self.ffprobe) for _ in range(max(self.runs, 5))]


def _cpu(process: psutil.Process) -> float:
    """User + system CPU seconds of a process so far (all its threads)."""
    times = process.cpu_times()
    return float(times.user + times.system)
