"""Registration throughput: a generated JSON manifest with supplied metadata into SQLite and PostgreSQL, and
HEAD-only registration of objects on a local S3-compatible server (s3rver).

    python -m bench registration --items 1000000 --databases sqlite,postgresql --head-objects 10000
    python -m bench.registration --items 100000          # the same, run directly (``main(argv)``)

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
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.databases import DIALECTS, machine, throwaway_database
from bench.manifest_gen import write_json_manifest_of_size
from bench.registration_ceiling import Ceiling, measure

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
        "--ceiling",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also insert the same number of prebuilt rows with nothing else on the path (the database's ceiling)",
    )


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _PrivateMemory:
    """The peak of this process's ``RssAnon`` while it runs, sampled every ``every`` seconds (Linux)."""

    def __init__(self, every: float = 0.05) -> None:
        self.peak_mib = 0.0
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
            self.peak_mib = max(self.peak_mib, _rss_anon_kib() / 1024)
            if self._stop.wait(self._every):
                return


def _rss_anon_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    return 0


def _registry(data_dir: Path, url: str | None, *, chunk: int, concurrency: int = 8):  # type: ignore[no-untyped-def]
    from cairn.services.registry import Registry
    from cairn.settings import Settings

    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        job_chunk_size=chunk,
        allow_private_endpoints=True,
        inspection_concurrency=concurrency,
    )
    registry = Registry(settings)
    registry.migrate()
    return registry


def _register_and_process(
    registry, manifest: Path, integration: str, threads: int, units: int
) -> tuple[float, float, str]:  # type: ignore[no-untyped-def]
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
        actor=admin, folder_id=folder.id, integration=integration, manifest=manifest, limits=limits
    )
    registered = time.perf_counter()
    with embedded_consumer(registry, workers=threads):
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
            register_s, process_s, status = _register_and_process(registry, manifest, "bench", args.threads, args.items)
        registry.close()
    note = f"{args.threads} threads, chunks of {args.chunk:,}"
    name = f"{dialect}, supplied metadata"
    return Run(name, args.items, register_s, process_s, _peak_rss_mib(), private.peak_mib, status, note)


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
    with tempfile.TemporaryDirectory(prefix="cairn-bench-manifest-") as tmp:
        manifest = Path(tmp) / "manifest.json"
        size = write_json_manifest_of_size(
            manifest, args.items, with_metadata=True, kind="mixed", base_url="s3://cairn-bench/data"
        )
        ceilings: list[Ceiling] = []
        for dialect in [d.strip() for d in args.databases.split(",") if d.strip()]:
            runs.append(_supplied_metadata_run(dialect, args, manifest))
            print(runs[-1].row(), file=sys.stderr)
            if args.ceiling:
                ceilings += _ceilings(dialect, args.items)
    if args.head_objects:
        runs.append(_head_only_run(args))
    return _report(runs, size, ceilings)


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
    overall = {r.name.split(",")[0]: r.units / r.total_s for r in runs if "supplied" in r.name and r.total_s}
    lines = [
        "The same number of rows, built in memory first, inserted with nothing else on the path "
        "(`bench/registration_ceiling.py`; one transaction and one staged `INSERT ... SELECT` per 5,000 rows):",
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
