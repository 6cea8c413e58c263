"""The job engine: durable jobs of any kind, split into tasks that any number of workers share.

::

    start(...)      job row + its tasks + journal, one transaction; then one queue message per task
    run_task(...)   lease the task, let its handler prepare it (outside any transaction, renewing the lease), then
                    commit the handler's writes + unit errors + counts in ONE transaction, only while the lease
                    holds; the last task gives the job its final status and notifies its actor
    recover()       re-enqueue tasks never enqueued, lost from the queue, or leased by a dead worker

A kill -9 anywhere leaves either a task's whole transaction or none of it; a task retried after a crash never
writes twice, because it commits only while its lease holds. A task that fails as a whole is released and retried
with backoff when the failure may pass (a storage or connection error), and after ``MAX_ATTEMPTS`` (or at once for
any other error) its units count as errors and the job says why. Huey only carries "run task N of job J"; the
database is the source of truth.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.db.repositories._common import now
from cairn.db.repositories.jobs import TaskRef
from cairn.domain.access import Action
from cairn.domain.jobs import BACKGROUND_KINDS, OPEN_STATUSES, Job, JobStatus, TaskResult, TaskStatus, UnitError
from cairn.domain.records import User
from cairn.errors import CairnError, Conflict, NotFound, PermissionDenied, StorageError
from cairn.jobs.queue import JobQueue
from cairn.services._base import Service, can_see, require, visible_paths
from cairn.services.jobs.ending import add_result, end_job, finish_if_last, stop_strict
from cairn.services.jobs.handler import ClaimedTask, Deferred, JobHandler, NewJob, TaskSpec
from cairn.services.jobs.leases import lease_owner, owner_is_dead

__all__ = ["TASK_MESSAGE", "JobService"]

TASK_MESSAGE = "job.task"
"""The queue message that runs one task of a job (payload ``{"job_id", "seq"}``)."""
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 2.0  # the first retry waits this long, each next one twice as long
log = logging.getLogger("cairn.jobs")


def is_transient(exc: BaseException) -> bool:
    """Whether a task that failed with ``exc`` may succeed if run again: a storage error that is not a refusal or
    a missing object, or an error from outside cairn's tree (a lost connection, a database that was busy)."""
    if isinstance(exc, StorageError):
        return type(exc) is StorageError
    return not isinstance(exc, CairnError)


class JobService(Service):
    def __init__(
        self, db: Database, *, queue: Callable[[], JobQueue], handlers: Mapping[str, Callable[[], JobHandler]]
    ) -> None:
        super().__init__(db)
        self._queue = queue
        self._handlers = dict(handlers)

    def handler(self, kind: str) -> JobHandler:
        make = self._handlers.get(kind)
        if make is None:
            raise NotFound(f"no handler for jobs of kind {kind!r} in this version of cairn")
        return make()

    # --- starting a job -----------------------------------------------------------------------------------
    def start(
        self,
        *,
        actor: User,
        new: NewJob,
        tasks: Iterable[TaskSpec],
        details: dict[str, Any],
        status: JobStatus = JobStatus.QUEUED,
    ) -> Job:
        """Record a job and its tasks in one transaction, then enqueue the tasks; returns the job, ``queued`` (or
        ``validating``: its first task checks the input and adds the others with ``add_tasks``)."""
        specs = list(tasks)
        with self._write() as repos:
            job_id = self.create_in(repos, actor=actor, new=new, tasks=specs, details=details, status=status)
        self._enqueue(job_id, list(range(len(specs))))  # every task was just recorded, none sent
        return self.get(actor=actor, job_id=job_id)

    def create_background_in(self, repos: Repos, *, new: NewJob, tasks: Iterable[TaskSpec]) -> int:
        """Record one of cairn's own background jobs (``BACKGROUND_KINDS``) in the caller's transaction: no actor,
        no journal entry, no notification at its end. Its tasks are sent by ``enqueue_unsent`` after the commit
        (or by ``recover``)."""
        assert new.kind in BACKGROUND_KINDS, new.kind
        job_id = repos.jobs.create_job(
            kind=new.kind,
            title=new.title[:300],
            actor_id=None,
            folder_id=new.folder_id,
            dataset_id=new.dataset_id,
            integration_id=new.integration_id,
            params=new.params or {},
            summary=new.summary or {},
            status=JobStatus.QUEUED.value,
            ignore_errors=new.ignore_errors,
            units_total=new.units_total,
            units_pending=new.units_total,
        )
        repos.jobs.update_job(job_id, tasks_total=self.add_tasks(repos, job_id, tasks, first_seq=0))
        return job_id

    def create_in(
        self,
        repos: Repos,
        *,
        actor: User,
        new: NewJob,
        tasks: Iterable[TaskSpec],
        details: dict[str, Any],
        status: JobStatus = JobStatus.QUEUED,
    ) -> int:
        """Record a job and its tasks in the caller's transaction (a handler's commit that starts another job);
        returns its id. Its tasks are sent once that transaction has committed: ``enqueue_unsent`` (or, after a
        crash in between, ``recover``)."""
        job_id = repos.jobs.create_job(
            kind=new.kind,
            title=new.title[:300],
            actor_id=actor.id,
            folder_id=new.folder_id,
            dataset_id=new.dataset_id,
            integration_id=new.integration_id,
            params=new.params or {},
            summary=new.summary or {},
            status=status.value,
            ignore_errors=new.ignore_errors,
            units_total=new.units_total,
            units_pending=new.units_total,
        )
        count = self.add_tasks(repos, job_id, tasks, first_seq=0)
        repos.jobs.update_job(job_id, tasks_total=count)
        repos.journal.record(
            actor=actor,
            action=f"{new.kind}.start",
            target_type="job",
            target_id=job_id,
            target_label=new.title,
            folder_id=new.folder_id,
            details={**details, "tasks": count},
        )
        if count == 0:
            job = repos.jobs.get_job(job_id)
            assert job is not None
            end_job(repos, job, JobStatus.DONE, describe=self.handler(new.kind).describe(job))
        return job_id

    def add_tasks(self, repos: Repos, job_id: int, tasks: Iterable[TaskSpec], *, first_seq: int) -> int:
        """Add tasks to an open job inside the caller's transaction (a handler's commit); the engine enqueues them
        after the commit. Returns how many were added."""
        count = 0
        for seq, spec in enumerate(tasks, start=first_seq):
            repos.jobs.add_task(
                job_id=job_id, seq=seq, unit_start=spec.unit_start, unit_count=spec.unit_count, payload=spec.payload
            )
            count += 1
        return count

    def hand_out(self, task: ClaimedTask, tasks: Sequence[TaskSpec], *, first_seq: int) -> int:
        """Add tasks to a validating job from its first task while that task still runs (registration: each chunk
        as soon as the scan packed it), and enqueue them, so workers commit them meanwhile.

        One transaction, only while ``task``'s lease holds (else ``Conflict``, as a lost heartbeat) and the job is
        open (else nothing is added). A task whose seq the job already has is not added again: a first task run
        again after a crash hands out the same tasks, so each goes in once. The job's unit, pending and task
        totals grow by what was added. Returns how many were added.
        """
        with self._write() as repos:
            if not repos.jobs.renew_lease(
                job_id=task.job_id, seq=task.seq, owner=task.owner, lease_until=now() + LEASE
            ):
                raise Conflict(f"job {task.job_id} task {task.seq}: the lease was lost (another worker took it over)")
            job = repos.jobs.get_job(task.job_id, for_update=True)
            if job is None or job.status.is_final:
                return 0
            numbered = list(enumerate(tasks, start=first_seq))
            present = repos.jobs.existing_seqs(task.job_id, [seq for seq, _ in numbered])
            fresh = [(seq, spec) for seq, spec in numbered if seq not in present]
            for seq, spec in fresh:
                repos.jobs.add_task(
                    job_id=task.job_id,
                    seq=seq,
                    unit_start=spec.unit_start,
                    unit_count=spec.unit_count,
                    payload=spec.payload,
                )
            repos.jobs.grow_job(task.job_id, units=sum(spec.unit_count for _, spec in fresh), tasks=len(fresh))
        self._enqueue(task.job_id, [seq for seq, _ in fresh])
        return len(fresh)

    def _enqueue(self, job_id: int, seqs: list[int], *, delay: float = 0.0) -> None:
        """One message per task; a task whose message is never sent is found again by ``recover``."""
        if not seqs:
            return
        try:
            self._queue().enqueue_many(TASK_MESSAGE, ({"job_id": job_id, "seq": s} for s in seqs), delay=delay)
        except Exception as exc:  # the queue is down: the tasks stay un-enqueued and recovery sends them later
            log.warning("job %s: could not enqueue %d task(s), recovery will retry: %s", job_id, len(seqs), exc)
            return
        with self._write() as repos:
            repos.jobs.mark_enqueued(job_id, seqs)

    # --- running a task (called by the job consumer) -------------------------------------------------------
    def run_task(self, *, job_id: int, seq: int) -> TaskResult | None:
        """Lease, prepare and commit one task; None when it is not claimable (done, cancelled, or leased) or when
        it failed as a whole (then retried later, or its units counted as errors)."""
        claimed = self._claim(job_id, seq)
        if claimed is None:
            return None
        job, task = claimed
        handler = self.handler(job.kind)
        try:
            prepared = handler.prepare(job, task, heartbeat=lambda: self._renew(task))
            with self._write() as repos:
                result = self._commit(repos, handler, task, prepared)
        except Deferred:
            self._defer(task)
            return None
        except Exception as exc:
            self._failed(job, task, exc)
            return None
        except BaseException:
            self._release(task)
            raise
        if result is not None:
            if result.job_status is None:  # a job that ended has no task left to send
                self.enqueue_unsent(job.id)
            handler.closed(job, task)
        return result

    def enqueue_unsent(self, job_id: int) -> None:
        """Send the tasks of a job recorded but not yet sent (``create_in``; ``add_tasks`` by a validating job's
        first task)."""
        with self._read() as repos:
            seqs = repos.jobs.unsent_tasks(job_id)
        self._enqueue(job_id, seqs)

    def _defer(self, task: ClaimedTask) -> None:
        """Put back a task whose commit must wait for its job's first task (``Deferred``). That task's commit sends
        every unsent task; if it committed before this, the task is sent here."""
        with self._write() as repos:
            if not repos.jobs.defer_task(job_id=task.job_id, seq=task.seq, owner=task.owner):
                return
        with self._read() as repos:  # read after the commit above, so one of the two sends it
            job = repos.jobs.get_job(task.job_id)
        if job is not None and job.status is not JobStatus.VALIDATING:
            self.enqueue_unsent(task.job_id)

    def _claim(self, job_id: int, seq: int) -> tuple[Job, ClaimedTask] | None:
        owner = lease_owner()
        with self._write() as repos:
            job = repos.jobs.get_job(job_id)
            if job is None or job.status.is_final:
                return None
            claimed = repos.jobs.claim_task(job_id=job_id, seq=seq, owner=owner, lease_until=now() + LEASE)
            if claimed is None:
                return None
            if job.status is JobStatus.QUEUED:  # no job goes back to queued: a running one needs no update
                repos.jobs.mark_started(job_id)
        payload, first, count, attempts = claimed
        return job, ClaimedTask(job_id, seq, first, count, payload, attempts, owner)

    def _renew(self, task: ClaimedTask) -> None:
        with self._write() as repos:
            if not repos.jobs.renew_lease(
                job_id=task.job_id, seq=task.seq, owner=task.owner, lease_until=now() + LEASE
            ):
                raise Conflict(f"job {task.job_id} task {task.seq}: the lease was lost (another worker took it over)")

    def _commit(self, repos: Repos, handler: JobHandler, task: ClaimedTask, prepared: Any) -> TaskResult | None:
        """Commit a task this owner leases; None when the lease was lost (another worker owns the task now).

        The job row is read once, locked (PostgreSQL; SQLite's write transaction is the lock), so the handler's
        commit sees the current row and may change it; each later change returns the row it wrote."""
        job = repos.jobs.get_job(task.job_id, for_update=True)
        if job is None:
            return None
        result = TaskResult(task.job_id, task.seq)
        closing = TaskStatus.CANCELLED if job.status is JobStatus.CANCELLED else TaskStatus.DONE
        if not repos.jobs.finish_task(job_id=task.job_id, seq=task.seq, owner=task.owner, status=closing):
            return None
        if closing is TaskStatus.CANCELLED:
            result.cancelled = task.unit_count
        else:
            handler.commit(repos, job, task, prepared, result)
        counted = add_result(repos, job, result)
        if result.errors and not job.ignore_errors:
            counted = stop_strict(repos, counted, f"{result.errors} unit(s) of task {task.seq} failed")
        result.job_status = finish_if_last(repos, counted, describe=handler.describe(job))
        return result

    def _failed(self, job: Job, task: ClaimedTask, exc: Exception) -> None:
        """A task failed as a whole: retry it later if that may help, else count its units as errors."""
        if is_transient(exc) and task.attempts < MAX_ATTEMPTS:
            delay = BACKOFF_SECONDS * 2 ** (task.attempts - 1)
            log.warning(
                "job %s task %s: attempt %d failed, retry in %.0f s: %s", job.id, task.seq, task.attempts, delay, exc
            )
            if self._release(task):
                self._enqueue(job.id, [task.seq], delay=delay)
            return
        reason = exc.message if isinstance(exc, CairnError) else f"{type(exc).__name__}: {exc}"
        log.warning("job %s task %s failed after %d attempt(s): %s", job.id, task.seq, task.attempts, reason)
        with self._write() as repos:
            closed = self._fail_units(repos, job, task, reason)
        if closed:
            self.handler(job.kind).closed(job, task)

    def _fail_units(self, repos: Repos, job: Job, task: ClaimedTask, reason: str) -> bool:
        """Close a task that failed as a whole, its units counted as errors; False when the lease was lost."""
        if not repos.jobs.finish_task(job_id=task.job_id, seq=task.seq, owner=task.owner, status=TaskStatus.DONE):
            return False  # the task is another worker's now
        result = TaskResult(task.job_id, task.seq, errors=task.unit_count)
        add_result(repos, job, result)
        message = f"task {task.seq} ({task.unit_count} unit(s)) could not be run: {reason}"
        if not job.ignore_errors:
            stop_strict(repos, job, f"{task.unit_count} unit(s) of task {task.seq} failed")
        # a task without units (a validating job's check) that cannot run leaves the job nothing to do: it failed
        failed = {"status": JobStatus.ERROR.value} if task.unit_count == 0 else {}
        changed = repos.jobs.change_job(job.id, error=message, **failed)
        assert changed is not None, job.id  # add_result found it in this transaction
        finish_if_last(repos, changed, describe=self.handler(job.kind).describe(job))
        return True

    def _release(self, task: ClaimedTask) -> bool:
        with contextlib.suppress(Exception), self._write() as repos:
            return repos.jobs.release_task(job_id=task.job_id, seq=task.seq, owner=task.owner)
        return False

    # --- recovery -----------------------------------------------------------------------------------------
    def recover(self) -> int:
        """Re-enqueue tasks that were never enqueued, whose worker died or whose lease expired; close tasks of
        cancelled jobs. Safe to run any time, from any number of processes. Returns how many were re-enqueued."""
        with self._read() as repos:
            refs = repos.jobs.tasks_needing_work(expired_before=now())
        queue_empty = self._queue_is_empty()
        to_enqueue: dict[int, list[int]] = {}
        for ref in refs:
            if self._recover_one(ref):
                to_enqueue.setdefault(ref.job_id, []).append(ref.seq)
        for job_id, seqs in to_enqueue.items():
            self._enqueue(job_id, seqs)
        stale = self._stale_pending(queue_empty)
        for job_id, seqs in stale.items():
            self._enqueue(job_id, seqs)
        return sum(len(s) for s in to_enqueue.values()) + sum(len(s) for s in stale.values())

    def _recover_one(self, ref: TaskRef) -> bool:
        """Whether ``ref`` must be enqueued again (releasing it first when its worker is gone)."""
        if JobStatus(ref.job_status).is_final:
            with self._write() as repos:
                self._close_cancelled_task(repos, ref)
            return False
        if ref.status == TaskStatus.PENDING.value:
            return True
        if not (ref.lease_expired or owner_is_dead(ref.lease_owner)):
            return False
        with self._write() as repos:
            return repos.jobs.release_task(job_id=ref.job_id, seq=ref.seq, owner=ref.lease_owner)

    def _close_cancelled_task(self, repos: Repos, ref: TaskRef) -> None:
        units = repos.jobs.cancel_task(ref.job_id, ref.seq)
        if units:
            repos.jobs.add_counts(ref.job_id, {"units_cancelled": units, "units_finished": units})
        job = repos.jobs.get_job(ref.job_id)
        if job is not None and job.finished_at is None:
            finish_if_last(repos, job, describe=self.handler(job.kind).describe(job))

    def _stale_pending(self, queue_empty: bool) -> dict[int, list[int]]:
        """Pending tasks of open jobs whose message is gone: when the queue is empty, none is in it."""
        if not queue_empty:
            return {}
        with self._read() as repos:
            open_jobs = repos.jobs.jobs(statuses=OPEN_STATUSES, limit=1000)
            return {j.id: seqs for j in open_jobs if (seqs := repos.jobs.task_seqs(j.id, status=TaskStatus.PENDING))}

    def _queue_is_empty(self) -> bool:
        try:
            return self._queue().size() == 0
        except Exception:
            return False

    # --- reading and cancelling ---------------------------------------------------------------------------
    def get(self, *, actor: User, job_id: int) -> Job:
        with self._read() as repos:
            return visible_job(repos, actor, job_id)

    def is_cancelled(self, job_id: int) -> bool:
        """Whether a job was cancelled (or is gone): asked by running tasks, which then stop early."""
        with self._read() as repos:
            job = repos.jobs.get_job(job_id)
        return job is None or job.status is JobStatus.CANCELLED

    def jobs(
        self,
        *,
        actor: User,
        statuses: tuple[str, ...] = (),
        kinds: tuple[str, ...] = (),
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[Job]:
        """Newest first, the jobs ``actor`` may see (the rule of ``visible_job``); background jobs
        (``BACKGROUND_KINDS``) only when asked for by kind or when they failed as a whole."""
        with self._read() as repos:
            limit = min(max(limit, 1), 1000)
            return repos.jobs.jobs(
                seen_by=seen_by(repos, actor),
                statuses=statuses,
                kinds=kinds,
                before_id=before_id,
                limit=limit,
                background=bool(kinds),  # cairn's own (thumbnails) when asked for by kind, or failed
            )

    def errors(self, *, actor: User, job_id: int, after_unit: int = -1, limit: int = 100) -> list[UnitError]:
        """The per-unit errors of a job, in unit order (page with ``after_unit`` = the last unit seen)."""
        with self._read() as repos:
            visible_job(repos, actor, job_id)
            return repos.jobs.errors(job_id, after_unit=after_unit, limit=min(max(limit, 1), 1000))

    def cancel(self, *, actor: User, job_id: int) -> Job:
        """Cancel a job: units not yet committed are marked cancelled; committed ones stay."""
        with self._write() as repos:
            job = visible_job(repos, actor, job_id, for_update=True)
            _require_change(repos, actor, job)
            if job.status.is_final:
                raise Conflict(f"job {job_id} has already finished ({job.status.value})", details={"job_id": job_id})
            # a validating job's check that has not started is closed here, so its handler releases the input
            unchecked = repos.jobs.pending_task(job_id, 0) if job.status is JobStatus.VALIDATING else None
            cancelled = repos.jobs.cancel_pending_tasks(job_id)
            repos.jobs.add_counts(job_id, {"units_cancelled": cancelled, "units_finished": cancelled})
            repos.journal.record(
                actor=actor,
                action=f"{job.kind}.cancel",
                target_type="job",
                target_id=job_id,
                target_label=job.title,
                folder_id=job.folder_id,
                details={"units_cancelled": cancelled},
            )
            if repos.jobs.open_tasks(job_id) == 0:
                end_job(repos, job, JobStatus.CANCELLED, describe=self.handler(job.kind).describe(job))
            else:  # a worker holds a task: it closes the job when it commits (or recovery does)
                repos.jobs.update_job(job_id, status=JobStatus.CANCELLED.value)
        if unchecked is not None:
            payload, first, count, attempts = unchecked
            self.handler(job.kind).closed(job, ClaimedTask(job_id, 0, first, count, payload, attempts, owner=""))
        return self.get(actor=actor, job_id=job_id)

    def wait(self, *, actor: User, job_id: int, timeout: float | None = None, poll: float = 0.5) -> Job:
        """Poll until the job is final (or ``timeout`` seconds pass); returns the job as last seen."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get(actor=actor, job_id=job_id)
            if job.status.is_final or (deadline is not None and time.monotonic() >= deadline):
                return job
            time.sleep(poll)


def visible_job(repos: Repos, actor: User, job_id: int, *, for_update: bool = False) -> Job:
    """The job if ``actor`` may see it (organization admins, its author, whoever may see its folder); else the same
    ``NotFound`` as a missing id. A job without a folder (a dataset's or items') is its author's and admins'."""
    job = repos.jobs.get_job(job_id, for_update=for_update)
    if job is not None and (actor.is_org_admin or job.actor_id == actor.id):
        return job
    folder = repos.folders.get(job.folder_id) if job is not None and job.folder_id else None
    if job is not None and folder is not None and can_see(repos, actor, folder):
        return job
    raise NotFound(f"job {job_id} not found", details={"job_id": job_id})


def seen_by(repos: Repos, actor: User) -> tuple[int, list[str]] | None:
    """The listing form of ``visible_job``'s rule: None for organization admins (every job)."""
    paths = visible_paths(repos, actor)
    return None if paths is None else (actor.id, paths)


def _require_change(repos: Repos, actor: User, job: Job) -> None:
    """Cancelling a job changes its scope: its author, an editor of its folder, or an organization admin may."""
    if actor.is_org_admin or job.actor_id == actor.id:
        return
    folder = repos.folders.get(job.folder_id) if job.folder_id else None
    if folder is None:
        raise PermissionDenied(f"{actor.email} may not cancel job {job.id}")
    require(repos, actor, folder, Action.WRITE)
