"""How long starting a registration takes once the manifest is uploaded: what ``POST /jobs/upload`` does after the
multipart body is spooled to disk (store the manifest in managed storage, record the job ``validating`` with its
scan task, enqueue it). No consumer runs, so the scan does not compete; it is timed after, for comparison.

    python -m bench.registration_post /tmp/m.json [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _start(manifest: Path, data_dir: Path) -> tuple[float, float]:
    from cairn.domain.manifest import ManifestLimits
    from cairn.services.registry import Registry
    from cairn.settings import Settings

    registry = Registry(Settings(data_dir=data_dir, workers=0))
    registry.migrate()
    admin = registry.users.ensure_local_admin()[0]
    folder = registry.folders.create(actor=admin, name="bench")
    registry.integrations.add(actor=admin, name="bench", provider="s3", bucket="cairn-bench", region="eu-west-1")
    registry.queue()  # open the queue before the clock starts
    limits = ManifestLimits(max_units=10**7, max_urls=10**7)  # above Encord's 500,000 units per file
    with manifest.open("rb") as upload:  # the route's spooled upload: an open file
        started = time.perf_counter()
        job = registry.registration.register(
            actor=admin, folder_id=folder.id, integration="bench", manifest=upload, limits=limits
        )
        answered = time.perf_counter() - started
    assert job.status.value == "validating", job.status
    started = time.perf_counter()
    registry.jobs.run_task(job_id=job.id, seq=0)  # the scan, as a worker runs it
    scanned = time.perf_counter() - started
    registry.close()
    return answered, scanned


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    answers: list[float] = []
    scans: list[float] = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(dir=args.manifest.parent) as data_dir:
            answered, scanned = _start(args.manifest, Path(data_dir))
        answers.append(answered)
        scans.append(scanned)
        print(f"request {answered:.3f} s, scan (off the request) {scanned:.1f} s", flush=True)
    size = args.manifest.stat().st_size
    print(
        f"{size / 2**20:.1f} MiB: request median {statistics.median(answers):.3f} s "
        f"(min {min(answers):.3f}, max {max(answers):.3f}); scan median {statistics.median(scans):.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
