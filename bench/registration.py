"""Registration throughput: a generated JSON manifest with supplied metadata into SQLite and PostgreSQL, and
HEAD-only registration of objects on a local S3-compatible server (s3rver).

    python -m bench registration --items 1000000 --databases sqlite,postgresql --head-objects 10000
    python -m bench.registration --items 100000          # the same, run directly (``main(argv)``)
    python -m bench registration --items 1000000 --databases postgresql --workers 1,2 --profile

``--workers 1,2`` also runs the job on that many ``cairn worker`` processes sharing a Redis queue (started before
the clock, stopped after it), one run per count, and reports each count's rate against one worker's. ``--profile``
runs the job once more in this process's main thread under cProfile (the scan task, then every chunk, through the
engine's ``run_task`` as a worker calls it) and prints the functions the time goes to. ``--ignore-errors`` registers
with ``ignore_errors``: each chunk is then handed out to the workers as soon as the scan packed it (a strict job's
chunks wait for the scan's end: docs/architecture.md).

What is timed is the whole user-visible path: ``register()`` (validate the manifest, check every URL, pack and
store the chunks, enqueue them), then the embedded Huey consumer (``--threads`` threads, as in ``cairn serve``)
until the job is DONE. Peak RSS is this process's (validation, packing, and the consumer threads all run in it):
``ru_maxrss``, which also counts the pages of the SQLite database file that SQLite reads through its memory map
(``mmap_size``; clean, shared with the page cache, given back under memory pressure), and "private", the peak of
``RssAnon`` (memory only this process holds) sampled every 50 ms during the run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.databases import DIALECTS, machine, throwaway_database
from bench.manifest_gen import write_json_manifest_of_size
from bench.processes import stop
from bench.registration_ceiling import FLOORS, Ceiling, measure, measure_floor

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    name: str
    units: int
    register_s: float
    process_s: float
    peak_rss_mib: float
    peak_private_mib: float
    status: str
    note: str = ""

    @property
    def total_s(self) -> float:
        return self.register_s + self.process_s

    def row(self) -> str:
        rate = self.units / self.total_s if self.total_s else 0.0
        process_rate = self.units / self.process_s if self.process_s else 0.0
        return (
            f"| {self.name} | {self.units:,} | {self.register_s:.1f} | {self.process_s:.1f} | {rate:,.0f} | "
            f"{process_rate:,.0f} | {self.peak_rss_mib:.0f} | {self.peak_private_mib:.0f} | {self.status} | "
            f"{self.note} |"
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=int, default=1_000_000, help="units in the generated manifest")
    parser.add_argument("--databases", default=",".join(DIALECTS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--threads", type=int, default=2, help="consumer threads (cairn serve's CAIRN_WORKERS)")
    parser.add_argument("--chunk", type=int, default=5000, help="units per chunk (CAIRN_JOB_CHUNK_SIZE)")
    parser.add_argument("--head-objects", type=int, default=10_000, help="objects for the HEAD-only run (0: skip)")
    parser.add_argument("--head-concurrency", type=int, default=32, help="CAIRN_INSPECTION_CONCURRENCY for it")
    parser.add_argument(
        "--workers",
        default="",
        help="also run on N `cairn worker` processes sharing a Redis queue, for each N of this comma-separated list",
    )
    parser.add_argument("--queue-url", default="redis://127.0.0.1:6379/0", help="the Redis queue of --workers")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run the job once in this thread under cProfile and print where the time goes (top functions)",
    )
    parser.add_argument(
        "--ignore-errors",
        action="store_true",
        help="register with ignore_errors: each chunk is handed out to the workers as soon as the scan packed it",
    )
    parser.add_argument(
        "--ceiling",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also insert the same number of prebuilt rows with nothing else on the path (the database's ceiling)",
    )


def _mode(args: argparse.Namespace) -> str:
    return ", ignore_errors (chunks handed out during the scan)" if args.ignore_errors else ""


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _PrivateMemory:
    """The peak of this process's ``RssAnon`` while it runs, sampled every ``every`` seconds (Linux); and of the
    processes in ``others`` (worker processes), each on its own: ``peak_mib`` is the largest of these peaks."""

    def __init__(self, every: float = 0.05, others: list[int] | None = None) -> None:
        self.peak_mib = 0.0
        self.others = others if others is not None else []
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="private-memory", daemon=True)

    def __enter__(self) -> _PrivateMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            for pid in ["self", *self.others]:
                self.peak_mib = max(self.peak_mib, _rss_anon_kib(pid) / 1024)
            if self._stop.wait(self._every):
                return


class _BusyCores:
    """How many cores the whole machine kept busy on average while the block ran (``/proc/stat``: every process,
    PostgreSQL's and Redis's included). On an otherwise idle machine, a run that keeps ``b`` of ``n`` cores busy can
    go at most ``n / b`` times as fast with more workers."""

    cores = 0.0

    def __enter__(self) -> _BusyCores:
        self._start, self._busy = time.perf_counter(), _busy_seconds()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.cores = (_busy_seconds() - self._busy) / (time.perf_counter() - self._start)


def _busy_seconds() -> float:
    """CPU seconds every core of the machine spent on anything but idling (Linux)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _rss_anon_kib(pid: int | str = "self") -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # the process has ended
        return 0
    for line in lines:
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    return 0


def _registry(  # type: ignore[no-untyped-def]
    data_dir: Path, url: str | None, *, chunk: int, concurrency: int = 8, queue_url: str | None = None
):
    from cairn.services.registry import Registry
    from cairn.settings import Settings

    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        queue_url=queue_url,
        job_chunk_size=chunk,
        allow_private_endpoints=True,
        inspection_concurrency=concurrency,
    )
    registry = Registry(settings)
    registry.migrate()
    return registry


def _register_and_process(
    registry,
    manifest: Path,
    integration: str,
    threads: int,
    units: int,
    *,
    consume: str = "embedded",
    ignore_errors: bool = False,
) -> tuple[float, float, str]:  # type: ignore[no-untyped-def]
    """Register, then wait for DONE: ``consume`` is "embedded" (consumer threads in this process, as ``cairn serve``),
    "workers" (``cairn worker`` processes already running on the shared queue) or "profile" (every task run in
    this thread, in order, as a worker would run it: for cProfile)."""
    from cairn.cli.worker import embedded_consumer
    from cairn.domain.manifest import DEFAULT_LIMITS, ManifestLimits

    # Encord's per-file limit is 500,000 units: a bigger benchmark manifest raises it (documented in the report).
    limits = ManifestLimits(
        max_units=max(units, DEFAULT_LIMITS.max_units), max_urls=max(units, DEFAULT_LIMITS.max_urls)
    )

    admin = registry.users.ensure_local_admin()[0]
    folder = registry.folders.create(actor=admin, name=f"bench-{time.time_ns()}")
    registry.queue()  # open the queue (and import Huey) before the clock starts
    started = time.perf_counter()
    job = registry.registration.register(
        actor=admin,
        folder_id=folder.id,
        integration=integration,
        manifest=manifest,
        limits=limits,
        ignore_errors=ignore_errors,
    )
    registered = time.perf_counter()
    if consume == "profile":
        seq = 0
        while not job.status.is_final and seq <= units + 1:
            registry.jobs.run_task(job_id=job.id, seq=seq)
            seq += 1
            job = registry.jobs.get(actor=admin, job_id=job.id)
    else:
        with embedded_consumer(registry, workers=threads if consume == "embedded" else 0):
            while not job.status.is_final:
                time.sleep(0.2)
                job = registry.jobs.get(actor=admin, job_id=job.id)
    finished = time.perf_counter()
    status = f"{job.status.value}, {job.items_created:,} items, {job.units_error} errors"
    return registered - started, finished - registered, status


def _supplied_metadata_run(dialect: str, args: argparse.Namespace, manifest: Path) -> Run:
    with throwaway_database(dialect) as url, tempfile.TemporaryDirectory(prefix="cairn-bench-reg-") as tmp:
        registry = _registry(Path(tmp) / "data", url, chunk=args.chunk)
        admin = registry.users.ensure_local_admin()[0]
        registry.integrations.add(actor=admin, name="bench", provider="s3", bucket="cairn-bench", region="eu-west-1")
        with _PrivateMemory() as private:
            register_s, process_s, status = _register_and_process(
                registry, manifest, "bench", args.threads, args.items, ignore_errors=args.ignore_errors
            )
        registry.close()
    note = f"{args.threads} threads, chunks of {args.chunk:,}{_mode(args)}"
    name = f"{dialect}, supplied metadata"
    return Run(name, args.items, register_s, process_s, _peak_rss_mib(), private.peak_mib, status, note)


def _workers_run(dialect: str, args: argparse.Namespace, manifest: Path, workers: int) -> Run:
    """The same job on ``workers`` ``cairn worker`` processes (``--threads`` threads each) sharing a Redis queue."""
    queue_url = f"{args.queue_url}?queue=cairn-bench-{uuid.uuid4().hex[:10]}"
    with throwaway_database(dialect) as url, tempfile.TemporaryDirectory(prefix="cairn-bench-reg-") as tmp:
        registry = _registry(Path(tmp) / "data", url, chunk=args.chunk, queue_url=queue_url)
        admin = registry.users.ensure_local_admin()[0]
        registry.integrations.add(actor=admin, name="bench", provider="s3", bucket="cairn-bench", region="eu-west-1")
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO / "src"),
            "CAIRN_DATA_DIR": str(Path(tmp) / "data"),
            "CAIRN_DATABASE_URL": registry.settings.resolved_database_url,
            "CAIRN_QUEUE_URL": queue_url,
            "CAIRN_JOB_CHUNK_SIZE": str(args.chunk),
            "CAIRN_ALLOW_PRIVATE_ENDPOINTS": "true",
        }
        command = [sys.executable, "-c", "from cairn.cli.main import main; main()", "worker"]
        log = Path(tmp) / "workers.log"
        with log.open("ab") as out:
            processes = [
                subprocess.Popen([*command, "--threads", str(args.threads)], env=env, stdout=out, stderr=out)
                for _ in range(workers)
            ]
        try:
            time.sleep(5)  # started before the clock: their imports are not the job's time
            with _PrivateMemory(others=[p.pid for p in processes]) as private, _BusyCores() as busy:
                register_s, process_s, status = _register_and_process(
                    registry,
                    manifest,
                    "bench",
                    args.threads,
                    args.items,
                    consume="workers",
                    ignore_errors=args.ignore_errors,
                )
        finally:
            for process in processes:
                stop(process, timeout=30)
            registry.queue().flush()
            registry.close()
        if "done" not in status:
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
    note = (
        f"{workers} `cairn worker` on Redis, {args.threads} threads each, chunks of {args.chunk:,}{_mode(args)}; "
        f"the machine's cores busy: {busy.cores:.2f} of {os.cpu_count()}"
    )
    name = f"{dialect}, supplied metadata, {workers} worker{'s' if workers > 1 else ''}"
    return Run(name, args.items, register_s, process_s, _peak_rss_mib(), private.peak_mib, status, note)


def _profiled_run(dialect: str, args: argparse.Namespace, manifest: Path) -> tuple[Run, str]:
    """The job once more, every task in this thread under cProfile: the run's figures and the top functions."""
    profile = cProfile.Profile()
    with throwaway_database(dialect) as url, tempfile.TemporaryDirectory(prefix="cairn-bench-reg-") as tmp:
        registry = _registry(Path(tmp) / "data", url, chunk=args.chunk)
        admin = registry.users.ensure_local_admin()[0]
        registry.integrations.add(actor=admin, name="bench", provider="s3", bucket="cairn-bench", region="eu-west-1")
        with _PrivateMemory() as private:
            profile.enable()
            register_s, process_s, status = _register_and_process(
                registry, manifest, "bench", 1, args.items, consume="profile", ignore_errors=args.ignore_errors
            )
            profile.disable()
        registry.close()
    name = f"{dialect}, supplied metadata, profiled"
    run = Run(
        name, args.items, register_s, process_s, _peak_rss_mib(), private.peak_mib, status, "one thread, cProfile"
    )
    return run, _top_functions(profile, dialect)


def _top_functions(profile: cProfile.Profile, dialect: str, count: int = 30) -> str:
    """The functions the profiled run spent its time in (own time, then with callees), as a Markdown block."""
    lines = []
    for key, title in (("tottime", "own time"), ("cumulative", "with what they call")):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.strip_dirs().sort_stats(key).print_stats(count)
        body = out.getvalue()
        body = body[body.find("   ncalls") :] if "   ncalls" in body else body
        lines += [
            f"Where the time goes, {dialect}, by {title} (top {count}; cProfile slows Python code down):",
            "",
            "```",
            body.rstrip(),
            "```",
            "",
        ]
    return "\n".join(lines)


# --- HEAD-only against s3rver ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _s3rver(directory: Path) -> Iterator[str]:
    tool = REPO / "node_modules" / ".bin" / "s3rver"
    if not tool.exists():
        raise SystemExit(f"{tool} missing: run `npm install` in {REPO}")
    port = _free_port()
    argv = [str(tool), "-d", str(directory), "-a", "127.0.0.1", "-p", str(port), "--configure-bucket", "bench"]
    env = {**os.environ, "NODE_OPTIONS": "--openssl-legacy-provider"}
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _upload(store, count: int) -> None:  # type: ignore[no-untyped-def]
    import obstore

    gate = asyncio.Semaphore(32)

    async def put(n: int) -> None:
        async with gate:
            await obstore.put_async(
                store,
                f"head/{n:06d}.jpg",
                b"\xff\xd8\xff" + n.to_bytes(4, "big") * 64,
                attributes={"Content-Type": "image/jpeg"},
            )

    await asyncio.gather(*(put(n) for n in range(count)))


def _head_only_run(args: argparse.Namespace) -> Run:
    from obstore.store import S3Store

    count = args.head_objects
    with tempfile.TemporaryDirectory(prefix="cairn-bench-head-") as tmp, _s3rver(Path(tmp) / "s3") as endpoint:
        store = S3Store(
            "bench",
            endpoint=endpoint,
            access_key_id="S3RVER",
            secret_access_key="S3RVER",
            region="us-east-1",
            client_options={"allow_http": True},
        )
        asyncio.run(_upload(store, count))
        manifest = Path(tmp) / "head.json"
        urls = ",".join(f'{{"objectUrl":"{endpoint}/bench/head/{n:06d}.jpg"}}' for n in range(count))
        manifest.write_text(f'{{"images":[{urls}]}}')
        registry = _registry(Path(tmp) / "data", None, chunk=args.chunk, concurrency=args.head_concurrency)
        from cairn.services.registration_units import head_only

        registry.registration.inspector = head_only  # this run measures HEADs, not media inspection
        admin = registry.users.ensure_local_admin()[0]
        registry.integrations.add(
            actor=admin,
            name="s3rver",
            provider="s3_compatible",
            bucket="bench",
            endpoint=endpoint,
            region="us-east-1",
            credentials={"access_key_id": "S3RVER", "secret_access_key": "S3RVER"},
        )
        with _PrivateMemory() as private:
            register_s, process_s, status = _register_and_process(registry, manifest, "s3rver", args.threads, count)
        registry.close()
    note = f"HEAD concurrency {args.head_concurrency} per chunk, {args.threads} threads"
    name = "sqlite, HEAD-only (s3rver)"
    return Run(name, count, register_s, process_s, _peak_rss_mib(), private.peak_mib, status, note)


def run(args: argparse.Namespace) -> str:
    runs: list[Run] = []
    profiles: list[str] = []
    worker_counts = [int(n) for n in args.workers.split(",") if n.strip()]
    with tempfile.TemporaryDirectory(prefix="cairn-bench-manifest-") as tmp:
        manifest = Path(tmp) / "manifest.json"
        size = write_json_manifest_of_size(
            manifest, args.items, with_metadata=True, kind="mixed", base_url="s3://cairn-bench/data"
        )
        ceilings: list[Ceiling] = []
        for dialect in [d.strip() for d in args.databases.split(",") if d.strip()]:
            runs.append(_supplied_metadata_run(dialect, args, manifest))
            print(runs[-1].row(), file=sys.stderr)
            for workers in worker_counts:
                runs.append(_workers_run(dialect, args, manifest, workers))
                print(runs[-1].row(), file=sys.stderr)
            if args.profile:
                profiled, top = _profiled_run(dialect, args, manifest)
                runs.append(profiled)
                profiles.append(top)
                print(runs[-1].row(), file=sys.stderr)
            if args.ceiling:
                ceilings += _ceilings(dialect, args.items)
    if args.head_objects:
        runs.append(_head_only_run(args))
    return "\n".join([_report(runs, size, ceilings), *_scaling_lines(runs), *profiles])


def _scaling_lines(runs: list[Run]) -> list[str]:
    """Each worker count's rate against one worker's, per dialect (issue 15: two workers >= 1.6x one)."""
    rates: dict[str, dict[int, float]] = {}
    for r in runs:
        if r.name.endswith(("worker", "workers")) and r.total_s and r.status.startswith("done"):
            dialect, _, count = r.name.split(", ")
            rates.setdefault(dialect, {})[int(count.split()[0])] = r.units / r.total_s
    lines = []
    for dialect, by_count in rates.items():
        one = by_count.get(1)
        for count, rate in sorted(by_count.items()):
            if one and count != 1:
                lines.append(
                    f"{dialect}: {count} workers {rate:,.0f} units/s = {rate / one:.2f}x one worker ({one:,.0f})."
                )
    return [*lines, ""] if lines else []


def _ceilings(dialect: str, rows: int) -> list[Ceiling]:
    found = []
    for unique_index_only, converted, plain in (
        (False, False, False),
        (True, False, False),
        (True, True, False),
        (True, True, True),
    ):
        with throwaway_database(dialect) as url:
            found.append(
                measure(dialect, url, rows, unique_index_only=unique_index_only, converted=converted, plain=plain)
            )
        print(f"{dialect} ceiling ({found[-1].schema}): {found[-1].rate:,.0f} rows/s", file=sys.stderr)
    floor = next(iter(FLOORS[dialect]))  # the needed indexes by the fastest bulk path (registration_floor has more)
    with throwaway_database(dialect) as url:
        found.append(measure_floor(dialect, url, rows, floor))
    print(f"{dialect} ceiling ({found[-1].schema}): {found[-1].rate:,.0f} rows/s", file=sys.stderr)
    return found


def _report(runs: list[Run], manifest_bytes: int, ceilings: list[Ceiling]) -> str:
    facts = ", ".join(f"{k}: {v}" for k, v in machine().items())
    lines = [
        "## Registration",
        "",
        f"Machine: {facts}; load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        f"Manifest: {manifest_bytes / 2**20:.0f} MiB JSON, every 10th unit a video, all with supplied metadata "
        "(above 500,000 units the per-file limit is raised to the manifest's size for the benchmark).",
        "",
        "| run | units | register s | process s | units/s overall | units/s processing | peak RSS MiB "
        "| peak private MiB | result | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        *(r.row() for r in runs),
        "",
        *_ceiling_lines(runs, ceilings),
    ]
    return "\n".join(lines)


def _ceiling_lines(runs: list[Run], ceilings: list[Ceiling]) -> list[str]:
    """The database's own insert rate for as many prebuilt rows, and cairn's whole path as a share of it."""
    if not ceilings:
        return []
    overall = {
        r.name.split(",")[0]: r.units / r.total_s for r in runs if r.name.endswith("supplied metadata") and r.total_s
    }
    lines = [
        "The same number of rows, built in memory first, inserted with nothing else on the path "
        "(`bench/registration_ceiling.py`; one transaction per 5,000 rows; the floor: the indexes the product needs, "
        "by the database's fastest bulk path):",
        "",
        "| database | schema | rows | seconds | rows/s | cairn overall / this |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for c in ceilings:
        share = f"{overall[c.dialect] / c.rate:.2f}" if c.dialect in overall and c.rate else "-"
        lines.append(f"| {c.dialect} | {c.schema} | {c.rows:,} | {c.seconds:.1f} | {c.rate:,.0f} | {share} |")
    return [*lines, ""]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.registration", description=__doc__.split("\n", 1)[0])
    add_arguments(parser)
    print(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
