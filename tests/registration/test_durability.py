"""Durability: kill -9 of a `cairn worker` mid-job, then a restart, registers every unit exactly once; two
`cairn worker` processes on Redis share one job. Real processes, real queues, supplied metadata (no network)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from cairn.domain.jobs import Job, JobStatus
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.conftest import require

CAIRN = Path(sys.executable).parent / "cairn"


def write_video_manifest(path: Path, root: Path, count: int) -> Path:
    """``count`` videos with supplied videoMetadata (trusted: registering them needs no request)."""
    meta = {"fps": 30, "duration": 10.0, "width": 1280, "height": 720, "file_size": 1000, "mime_type": "video/mp4"}
    with path.open("w", encoding="utf-8") as out:
        out.write('{"videos": [\n')
        for n in range(count):
            entry = {"objectUrl": f"file://{root}/v/{n:07d}.mp4", "videoMetadata": meta, "clientMetadata": {"n": n}}
            out.write(("," if n else "") + json.dumps(entry) + "\n")
        out.write("]}\n")
    return path


def start_job(registry: Registry, tmp_path: Path, units: int, *, scan: bool = False) -> tuple[User, Job]:
    """A registration of ``units`` videos, ``validating``; with ``scan`` its scan task is run here first (the job
    is then split into its registering tasks)."""
    admin = registry.users.ensure_local_admin()[0]
    root = tmp_path / "bucket"
    root.mkdir(exist_ok=True)
    folder = registry.folders.create(actor=admin, name="big")
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root))
    manifest = write_video_manifest(tmp_path / "videos.json", root, units)
    job = registry.registration.register(actor=admin, folder_id=folder.id, integration="disk", manifest=manifest)
    assert job.status is JobStatus.VALIDATING
    if scan:
        registry.jobs.run_task(job_id=job.id, seq=0)
        job = registry.jobs.get(actor=admin, job_id=job.id)
    return admin, job


def worker_env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "CAIRN_DATA_DIR": str(settings.data_dir), "CAIRN_DATABASE_URL": settings.resolved_database_url}
    if settings.queue_url:
        env["CAIRN_QUEUE_URL"] = settings.queue_url
    return env


@contextmanager
def cairn_worker(settings: Settings, log: Path, *, serve: bool = False) -> Iterator[subprocess.Popen[bytes]]:
    """``cairn worker`` (or, with ``serve``, ``cairn serve`` on a free loopback port, whose embedded consumer runs
    the jobs) over ``settings``' data; stopped with SIGINT at the end unless the test killed it."""
    env = worker_env(settings)
    command = [str(CAIRN), "worker", "--threads", "2"]
    if serve:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            env |= {"CAIRN_HOST": "127.0.0.1", "CAIRN_PORT": str(probe.getsockname()[1])}
        command = [str(CAIRN), "serve"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(registry: Registry, admin: User, job_id: int, *, done: int, timeout: float, log: Path) -> Job:
    """Poll until ``done`` units are finished or the job is final."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = registry.jobs.get(actor=admin, job_id=job_id)
        if job.status.is_final or job.units_done >= done:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} stuck at {job}; worker log:\n{log.read_text(errors='replace')[-3000:]}")


def item_counts(registry: Registry) -> tuple[int, int]:
    with registry.db.read() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM items")).scalar_one()
        distinct = conn.execute(sa.text("SELECT count(DISTINCT url_key) FROM items")).scalar_one()
    return int(total), int(distinct)


@pytest.mark.slow
def test_kill_9_of_a_worker_during_the_scan_then_restart_finishes_the_job(*, tmp_path: Path) -> None:
    """A worker killed while it scans the stored manifest: nothing of the scan was written; recovery (the pid is
    gone) releases the scan task, a new worker scans again and registers every unit once; the manifest is removed."""
    units = 100_000
    settings = Settings(data_dir=tmp_path / "data", job_chunk_size=2000, allow_private_endpoints=True)
    registry = Registry(settings)
    registry.migrate()
    admin, job = start_job(registry, tmp_path, units)
    log = tmp_path / "worker.log"
    with cairn_worker(settings, log) as first:
        deadline = time.monotonic() + 300
        while registry.jobs.get(actor=admin, job_id=job.id).summary.get("bytes_scanned", 0) == 0:
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    killed = registry.jobs.get(actor=admin, job_id=job.id)
    assert (killed.status, killed.tasks_total, item_counts(registry)[0]) == (JobStatus.VALIDATING, 1, 0)
    with cairn_worker(settings, log):
        finished = wait_for(registry, admin, job.id, done=units, timeout=900, log=log)
    assert (finished.status, finished.units_done, finished.units_error) == (JobStatus.DONE, units, 0)
    assert item_counts(registry) == (units, units)
    assert not list((settings.managed_storage_dir / "manifests").glob("*"))
    registry.close()


@pytest.mark.slow
def test_kill_9_of_a_worker_mid_job_then_restart_registers_every_unit_once(*, tmp_path: Path) -> None:
    units = 100_000
    settings = Settings(data_dir=tmp_path / "data", job_chunk_size=2000, allow_private_endpoints=True)
    registry = Registry(settings)
    registry.migrate()
    admin, job = start_job(registry, tmp_path, units)
    log = tmp_path / "worker.log"
    with cairn_worker(settings, log) as first:
        wait_for(registry, admin, job.id, done=6000, timeout=300, log=log)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    killed = registry.jobs.get(actor=admin, job_id=job.id)
    assert not killed.status.is_final, "the job finished before the kill: make it bigger"
    assert item_counts(registry)[0] == killed.units_done  # every committed chunk whole, nothing else
    with cairn_worker(settings, log):
        finished = wait_for(registry, admin, job.id, done=units, timeout=900, log=log)
    assert (finished.status, finished.units_done, finished.units_error, finished.units_pending) == (
        JobStatus.DONE,
        units,
        0,
        0,
    )
    assert item_counts(registry) == (units, units)
    registry.close()


def test_two_workers_on_redis_share_one_job(*, settings: Settings, tmp_path: Path) -> None:
    require(_redis_up(), "Redis not reachable at 127.0.0.1:6379")
    queue_url = f"redis://127.0.0.1:6379/0?queue=cairn-test-{uuid.uuid4().hex[:10]}"
    shared = settings.model_copy(update={"queue_url": queue_url, "job_chunk_size": 500})
    registry = Registry(shared)
    units = 10_000
    # scanned here: an idle Huey consumer polls ever more slowly, so one worker would take all tasks the scan adds
    admin, job = start_job(registry, tmp_path, units, scan=True)
    log = tmp_path / "workers.log"
    try:
        with cairn_worker(shared, log), cairn_worker(shared, log):
            finished = wait_for(registry, admin, job.id, done=units, timeout=600, log=log)
        assert (finished.status, finished.units_done, finished.items_created) == (JobStatus.DONE, units, units)
        assert item_counts(registry) == (units, units)
        workers = {e.details["worker"].split("/")[1] for e in _chunk_entries(registry, admin, job.id)}
        assert len(workers) == 2, f"both workers should have taken chunks, saw {workers}"
    finally:
        registry.queue().flush()
        registry.close()


def _chunk_entries(registry: Registry, admin: User, job_id: int) -> list:  # type: ignore[type-arg]
    entries = registry.journal.entries(actor=admin, target_type="job", target_id=job_id, limit=1000)
    return [e for e in entries if e.action == "registration.chunk"]


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping())
    except Exception:
        return False


def test_recover_releases_the_scan_of_a_dead_local_worker(*, registry: Registry, tmp_path: Path) -> None:
    """A worker killed during the scan (its lease names a pid that is gone): recovery releases the scan, which
    runs again from the stored manifest; the job is split, registered, and the manifest file removed."""
    admin, job = start_job(registry, tmp_path, 10)
    dead = f"{socket.gethostname()}/999999999/deadbeef"
    with registry.db.write() as conn:
        conn.execute(
            sa.text("UPDATE job_tasks SET status='running', lease_owner=:o, lease_expires_at=:t"),
            {"o": dead, "t": datetime(2999, 1, 1, tzinfo=UTC)},
        )
    assert registry.jobs.run_task(job_id=job.id, seq=0) is None  # leased: not claimable
    assert registry.jobs.recover() == 1  # released (the pid is gone) and enqueued again
    assert registry.jobs.run_task(job_id=job.id, seq=0) is not None
    assert not list((registry.settings.managed_storage_dir / "manifests").glob("*"))  # removed, and its directory
    scanned = registry.jobs.get(actor=admin, job_id=job.id)
    assert (scanned.status, scanned.units_total, scanned.tasks_total) == (JobStatus.RUNNING, 10, 2)
    result = registry.jobs.run_task(job_id=job.id, seq=1)
    assert result is not None and result.created == 10 and result.job_status is JobStatus.DONE


def test_cairn_serve_runs_jobs_in_its_embedded_consumer(*, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", allow_private_endpoints=True)
    registry = Registry(settings)
    registry.migrate()
    admin, job = start_job(registry, tmp_path, 50)
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    number = port.getsockname()[1]
    port.close()
    log = tmp_path / "serve.log"
    with log.open("ab") as out:
        server = subprocess.Popen(
            [str(CAIRN), "serve", "--port", str(number)], env=worker_env(settings), stdout=out, stderr=out
        )
    try:
        finished = wait_for(registry, admin, job.id, done=50, timeout=300, log=log)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    assert (finished.status, finished.items_created) == (JobStatus.DONE, 50)
    registry.close()


def test_an_unreadable_chunk_fails_its_units_instead_of_staying_leased(*, registry: Registry, tmp_path: Path) -> None:
    admin, job = start_job(registry, tmp_path, 10, scan=True)
    with registry.db.write() as conn:
        conn.execute(sa.text("UPDATE job_tasks SET payload = :p WHERE seq = 1"), {"p": b"not zlib"})
    assert registry.jobs.run_task(job_id=job.id, seq=1) is None
    failed = registry.jobs.get(actor=admin, job_id=job.id)
    assert (failed.status, failed.units_error, failed.units_pending) == (JobStatus.ERROR, 10, 0)
    assert failed.error is not None and "could not be run" in failed.error and "corrupt" in failed.error
