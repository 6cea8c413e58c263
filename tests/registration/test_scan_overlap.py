"""A registration that ignores errors hands each chunk out as soon as the scan packed it: workers commit while the
scan goes on; a scan run again after a crash hands out nothing twice; a chunk that meets a duplicate before the
manifest's options are known waits for the scan's end. Strict jobs hand nothing out before the scan ended."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cairn.db.repositories import Repos
from cairn.db.repositories._common import now
from cairn.domain.jobs import Job, JobStatus
from cairn.domain.records import Folder, User
from cairn.services.jobs.handler import ClaimedTask
from cairn.services.registry import Registry
from cairn.settings import Settings

OWNER = "test-host/1/scan"
META = {"fps": 30, "duration": 2.0, "width": 64, "height": 48, "file_size": 10, "mime_type": "video/mp4"}


@pytest.fixture
def chunked(settings: Settings) -> Iterator[Registry]:
    """A registry whose jobs have 2 units per chunk."""
    registry = Registry(settings.model_copy(update={"job_chunk_size": 2}))
    yield registry
    registry.close()


@pytest.fixture
def place(chunked: Registry, tmp_path: Path) -> tuple[User, Folder, Path]:
    admin = chunked.users.ensure_local_admin()[0]
    root = tmp_path / "bucket"
    root.mkdir()
    chunked.integrations.add(actor=admin, name="disk", provider="local", root=str(root))
    return admin, chunked.folders.create(actor=admin, name="in"), root


def manifest(path: Path, urls: list[str], **options: Any) -> Path:
    videos = [{"objectUrl": url, "videoMetadata": META} for url in urls]
    path.write_text(json.dumps({"videos": videos, **options}), encoding="utf-8")  # options after the array
    return path


def task_seqs(registry: Registry, job_id: int) -> list[int]:
    with registry.db.read() as conn:
        rows = conn.execute(sa.text("SELECT seq FROM job_tasks WHERE job_id = :j ORDER BY seq"), {"j": job_id})
        return [int(seq) for (seq,) in rows]


def scan_that_dies(registry: Registry, actor: User, job: Job, *, during: list[tuple[str, int]]) -> None:
    """Run the scan task's work as a worker would, committing every task handed out so far at each heartbeat (a
    second worker), then die before the scan's commit; its lease is released as recovery does for a dead worker.
    ``during`` gets (job status, items created) as seen at each heartbeat."""
    with registry.db.write() as conn:
        claimed = Repos(conn).jobs.claim_task(job_id=job.id, seq=0, owner=OWNER, lease_until=now() + timedelta(hours=1))
    assert claimed is not None
    payload, first, count, attempts = claimed
    task = ClaimedTask(job.id, 0, first, count, payload, attempts, OWNER)

    def heartbeat() -> None:
        for seq in task_seqs(registry, job.id)[1:]:
            registry.jobs.run_task(job_id=job.id, seq=seq)
        seen = registry.jobs.get(actor=actor, job_id=job.id)
        during.append((seen.status.value, seen.items_created))

    registry.registration.prepare(registry.jobs.get(actor=actor, job_id=job.id), task, heartbeat=heartbeat)
    with registry.db.write() as conn:
        assert Repos(conn).jobs.release_task(job_id=job.id, seq=0, owner=OWNER)


def run_rest(registry: Registry, actor: User, job: Job) -> Job:
    """The scan again (recovered), then every task, as workers do."""
    registry.jobs.run_task(job_id=job.id, seq=0)
    for seq in task_seqs(registry, job.id)[1:]:
        registry.jobs.run_task(job_id=job.id, seq=seq)
    return registry.jobs.get(actor=actor, job_id=job.id)


def folder_urls(registry: Registry, folder: Folder) -> list[tuple[str, int]]:
    with registry.db.read() as conn:
        rows = conn.execute(
            sa.text("SELECT object_url, copy_no FROM items WHERE folder_id = :f ORDER BY object_url, copy_no"),
            {"f": folder.id},
        )
        return [(str(url), int(copy)) for url, copy in rows]


def test_chunks_commit_while_the_scan_goes_on_and_a_rerun_scan_hands_out_nothing_twice(
    *, chunked: Registry, place: tuple[User, Folder, Path], tmp_path: Path
) -> None:
    admin, folder, root = place
    urls = [f"file://{root}/v{n}.mp4" for n in range(7)]
    path = manifest(tmp_path / "m.json", [*urls[:3], "file:///elsewhere/x.mp4", *urls[3:]])
    job = chunked.registration.register(
        actor=admin, folder_id=folder.id, integration="disk", manifest=path, ignore_errors=True
    )
    during: list[tuple[str, int]] = []
    scan_that_dies(chunked, admin, job, during=during)
    assert ("validating", 4) in during  # two chunks committed by "another worker" before the scan's end
    assert task_seqs(chunked, job.id) == [0, 1, 2, 3, 4]  # 7 valid units in chunks of 2, handed out once

    ended = run_rest(chunked, admin, job)
    assert task_seqs(chunked, job.id) == [0, 1, 2, 3, 4]  # the scan ran again and added none twice
    counts = (ended.units_total, ended.units_done, ended.units_pending, ended.items_created, ended.tasks_total)
    assert (ended.status, counts) == (JobStatus.DONE, (7, 7, 0, 7, 5))
    assert [p["location"] for p in ended.summary["problems"]] == ["/videos/3"]
    assert folder_urls(chunked, folder) == [(url, 0) for url in sorted(urls)]


def test_a_chunk_meeting_a_duplicate_during_the_scan_waits_for_the_manifests_options(
    *, chunked: Registry, place: tuple[User, Folder, Path], tmp_path: Path
) -> None:
    admin, folder, root = place
    urls = [f"file://{root}/v{n}.mp4" for n in range(7)]
    first = chunked.registration.register(
        actor=admin, folder_id=folder.id, integration="disk", manifest=manifest(tmp_path / "a.json", [urls[2]])
    )
    assert run_rest(chunked, admin, first).status is JobStatus.DONE
    path = manifest(tmp_path / "b.json", urls, skip_duplicate_urls=True)  # known only at the end of the file
    job = chunked.registration.register(
        actor=admin, folder_id=folder.id, integration="disk", manifest=path, ignore_errors=True
    )
    during: list[tuple[str, int]] = []
    scan_that_dies(chunked, admin, job, during=during)
    assert during[-1] == ("validating", 2)  # chunk 1 committed; chunk 2 (v2 is in the folder) waited
    assert folder_urls(chunked, folder) == [(urls[0], 0), (urls[1], 0), (urls[2], 0)]
    with chunked.db.read() as conn:
        waiting = conn.execute(
            sa.text("SELECT status, attempts, enqueued_at FROM job_tasks WHERE job_id = :j AND seq = 2"), {"j": job.id}
        ).one()
    assert (waiting[0], waiting[1], waiting[2]) == ("pending", 0, None)  # put back, unsent, attempt not counted

    ended = run_rest(chunked, admin, job)
    assert (ended.status, ended.items_created, ended.units_skipped, ended.units_done) == (JobStatus.DONE, 6, 1, 7)
    assert folder_urls(chunked, folder) == [(url, 0) for url in urls]  # skipped, not a second copy


def test_a_strict_job_hands_nothing_out_before_its_scan_ended(
    *, chunked: Registry, place: tuple[User, Folder, Path], tmp_path: Path
) -> None:
    admin, folder, root = place
    path = manifest(tmp_path / "m.json", [f"file://{root}/v{n}.mp4" for n in range(5)])
    job = chunked.registration.register(actor=admin, folder_id=folder.id, integration="disk", manifest=path)
    during: list[tuple[str, int]] = []
    scan_that_dies(chunked, admin, job, during=during)
    assert task_seqs(chunked, job.id) == [0] and during and all(seen == ("validating", 0) for seen in during)
    ended = run_rest(chunked, admin, job)
    assert (ended.status, ended.items_created, ended.tasks_total) == (JobStatus.DONE, 5, 4)
