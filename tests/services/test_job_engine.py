"""The job engine with a handler of its own kind (no registration): tasks, retries with backoff, failures, cancel,
notifications and what an event stream sees. Real databases (both dialects) and the embedded queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from cairn.db.repositories import Repos
from cairn.domain.access import Role
from cairn.domain.jobs import Job, JobStatus, Outcome, TaskResult
from cairn.domain.records import Folder, User
from cairn.errors import MediaError, NotFound, StorageError
from cairn.services.jobs import engine as engine_module
from cairn.services.jobs.engine import BACKOFF_SECONDS, MAX_ATTEMPTS, JobService
from cairn.services.jobs.handler import ClaimedTask, NewJob, TaskSpec
from cairn.services.registry import Registry


@dataclass
class Counting:
    """A handler whose task payload is the number of units that fail; ``failures`` raises before preparing."""

    kind: str = "test.count"
    failures: list[Exception] = field(default_factory=list)
    prepared: list[int] = field(default_factory=list)

    def describe(self, job: Job) -> str:
        return f"Counting {job.title!r}"

    def closed(self, job: Job, task: ClaimedTask) -> None:
        pass

    def prepare(self, job: Job, task: ClaimedTask, *, heartbeat: Callable[[], None]) -> int:
        heartbeat()
        if self.failures:
            raise self.failures.pop(0)
        self.prepared.append(task.seq)
        return int(task.payload.decode())

    def commit(self, repos: Repos, job: Job, task: ClaimedTask, prepared: Any, result: TaskResult) -> None:
        result.errors = prepared
        result.created = task.unit_count - prepared


@pytest.fixture
def handler() -> Counting:
    return Counting()


@pytest.fixture
def engine(registry: Registry, handler: Counting) -> JobService:
    return JobService(registry.db, queue=registry.queue, handlers={handler.kind: lambda: handler})


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="work")


def start(engine: JobService, actor: User, folder: Folder, failing: list[int], *, ignore_errors: bool = True) -> Job:
    """A job of 10 units per task, ``failing[i]`` of task i failing."""
    new = NewJob(
        kind="test.count", title="t", units_total=10 * len(failing), folder_id=folder.id, ignore_errors=ignore_errors
    )
    tasks = [TaskSpec(unit_start=10 * i, unit_count=10, payload=str(n).encode()) for i, n in enumerate(failing)]
    return engine.start(actor=actor, new=new, tasks=tasks, details={})


def run_all(engine: JobService, job: Job) -> list[TaskResult | None]:
    return [engine.run_task(job_id=job.id, seq=seq) for seq in range(job.tasks_total)]


def test_a_job_runs_its_tasks_and_its_actor_is_notified(
    registry: Registry, engine: JobService, admin: User, folder: Folder
) -> None:
    job = start(engine, admin, folder, [0, 2])
    assert (job.status, job.tasks_total, job.units_pending) == (JobStatus.QUEUED, 2, 20)
    results = run_all(engine, job)
    assert [r.job_status if r else None for r in results] == [None, JobStatus.DONE]
    done = engine.get(actor=admin, job_id=job.id)
    assert (done.status, done.units_done, done.units_error, done.items_created, done.outcome) == (
        JobStatus.DONE,
        18,
        2,
        18,
        Outcome.DONE_WITH_ERRORS,
    )
    page = registry.notifications.page(actor=admin)
    [note] = page.notifications
    assert (note.job_id, note.folder_id, note.outcome, page.unread) == (job.id, folder.id, Outcome.DONE_WITH_ERRORS, 1)
    assert note.message == "Counting 't' done with errors: 18 of 20 unit(s) done, 18 item(s) created, 2 error(s)."


def test_a_transient_storage_error_is_retried_with_backoff(
    registry: Registry, engine: JobService, handler: Counting, admin: User, folder: Folder
) -> None:
    handler.failures = [StorageError("connection reset"), StorageError("connection reset")]
    job = start(engine, admin, folder, [0])
    queue = registry.queue()
    queue.flush()
    for attempt, backoff in ((1, BACKOFF_SECONDS), (2, 2 * BACKOFF_SECONDS)):
        asked = datetime.now(UTC).replace(tzinfo=None)  # Huey's etas are naive UTC
        assert engine.run_task(job_id=job.id, seq=0) is None  # failed: released, a retry is enqueued for later
        assert engine.get(actor=admin, job_id=job.id).status is JobStatus.RUNNING
        [retry] = queue.huey.pending()
        waits = (retry.eta - asked).total_seconds()
        assert backoff - 0.5 <= waits <= backoff + 5, f"attempt {attempt}: retry after {waits} s"
        queue.flush()
    result = engine.run_task(job_id=job.id, seq=0)
    assert result is not None and result.job_status is JobStatus.DONE
    queue.flush()


def test_after_the_last_attempt_the_units_fail_and_the_job_says_why(
    engine: JobService, handler: Counting, admin: User, folder: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BACKOFF_SECONDS", 0.0)
    handler.failures = [StorageError("connection reset") for _ in range(MAX_ATTEMPTS)]
    job = start(engine, admin, folder, [0, 0], ignore_errors=False)
    for _ in range(MAX_ATTEMPTS):
        assert engine.run_task(job_id=job.id, seq=0) is None
    failed = engine.get(actor=admin, job_id=job.id)
    assert (failed.status, failed.units_error, failed.units_cancelled, failed.units_pending) == (
        JobStatus.ERROR,
        10,
        10,
        0,
    )
    assert failed.error == "task 0 (10 unit(s)) could not be run: connection reset"


def test_an_error_that_will_not_pass_fails_the_task_at_once(
    engine: JobService, handler: Counting, admin: User, folder: Folder
) -> None:
    handler.failures = [MediaError("not a video")]
    job = start(engine, admin, folder, [0, 0])
    assert engine.run_task(job_id=job.id, seq=0) is None
    assert engine.run_task(job_id=job.id, seq=1) is not None
    ended = engine.get(actor=admin, job_id=job.id)
    assert (ended.status, ended.units_error, ended.units_done) == (JobStatus.DONE, 10, 10)  # ignore_errors: goes on


def test_cancel_ends_the_job_and_notifies(registry: Registry, engine: JobService, admin: User, folder: Folder) -> None:
    job = start(engine, admin, folder, [0, 0, 0])
    engine.run_task(job_id=job.id, seq=0)
    cancelled = engine.cancel(actor=admin, job_id=job.id)
    assert (cancelled.status, cancelled.units_done, cancelled.units_cancelled) == (JobStatus.CANCELLED, 10, 20)
    assert cancelled.finished_at is not None
    [note] = registry.notifications.page(actor=admin).notifications
    assert note.outcome is Outcome.CANCELLED


def test_notifications_are_their_users_only(
    registry: Registry, engine: JobService, admin: User, folder: Folder, make_user: Callable[[str], User]
) -> None:
    other = make_user("other")
    run_all(engine, start(engine, admin, folder, [0]))
    [note] = registry.notifications.page(actor=admin).notifications
    assert registry.notifications.page(actor=other).notifications == []
    with pytest.raises(NotFound) as hidden:
        registry.notifications.mark_read(actor=other, notification_id=note.id)
    with pytest.raises(NotFound) as missing:
        registry.notifications.mark_read(actor=other, notification_id=note.id + 1000)
    assert str(hidden.value).replace(str(note.id), "N") == str(missing.value).replace(str(note.id + 1000), "N")
    assert registry.notifications.mark_read(actor=admin, notification_id=note.id).is_read
    assert registry.notifications.page(actor=admin).unread == 0


def test_an_event_watch_sees_a_jobs_changes_in_order_and_only_jobs_it_may_see(
    registry: Registry, engine: JobService, admin: User, folder: Folder, make_user: Callable[[str], User]
) -> None:
    viewer, stranger = make_user("viewer"), make_user("stranger")
    registry.access.grant(actor=admin, folder_id=folder.id, email=viewer.email, role=Role.VIEWER)
    watches = {u.email: registry.notifications.watch(actor=u) for u in (admin, viewer, stranger)}
    job = start(engine, admin, folder, [0, 0, 0])
    seen: dict[str, list[Any]] = {email: [] for email in watches}
    for seq in range(3):
        for email, watch in watches.items():
            seen[email] += watch.poll() or []
        engine.run_task(job_id=job.id, seq=seq)
    for email, watch in watches.items():
        seen[email] += watch.poll() or []
    jobs = [e.job for e in seen[viewer.email] if e.kind == "job"]
    assert [(j.status, j.units_pending) for j in jobs] == [
        (JobStatus.QUEUED, 30),
        (JobStatus.RUNNING, 20),
        (JobStatus.RUNNING, 10),
        (JobStatus.DONE, 0),
    ]
    assert [e.kind for e in seen[admin.email]] == ["job"] * 4 + ["notification"]
    assert seen[viewer.email][-1].kind == "job"  # the notification is the actor's alone
    assert seen[stranger.email] == []
