"""Jobs of every kind, their tasks (units + lease) and per-unit errors: the job engine's SQL.

Every change of a job row goes through ``_touch`` and so bumps its ``revision``, which the event stream watches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cairn.db.jobs_schema import job_errors, job_tasks, jobs
from cairn.db.repositories._common import Repository, now, utc
from cairn.db.repositories.folders import subtree_condition
from cairn.db.schema import folders
from cairn.domain.jobs import BACKGROUND_KINDS, OPEN_STATUSES, Job, JobStatus, TaskStatus, UnitError
from cairn.domain.kinds import ItemKind

__all__ = ["JobRepository", "TaskRef"]

_OPEN_TASKS = (TaskStatus.PENDING.value, TaskStatus.RUNNING.value)
# Constant statements, their values given as parameters: SQLAlchemy builds and compiles each once, not per call
# (a task's commit runs them on every task). A parameter named after a column of ``jobs`` sets it.
_INSERT_JOB = jobs.insert().returning(jobs.c.id)
_JOB_KEY = "job_key"
_UPDATE_JOB = jobs.update().where(jobs.c.id == sa.bindparam(_JOB_KEY)).values(revision=jobs.c.revision + 1)
_CHANGE_JOB = _UPDATE_JOB.returning(*jobs.c)
_GET_JOB = sa.select(jobs).where(jobs.c.id == sa.bindparam(_JOB_KEY))
_GET_JOB_LOCKED = _GET_JOB.with_for_update()
_THE_TASK = (job_tasks.c.job_id == sa.bindparam(_JOB_KEY), job_tasks.c.seq == sa.bindparam("task_seq"))
_CLAIM_TASK = (
    job_tasks.update()
    .where(
        *_THE_TASK,
        sa.or_(
            job_tasks.c.status == TaskStatus.PENDING.value,
            sa.and_(
                job_tasks.c.status == TaskStatus.RUNNING.value,
                job_tasks.c.lease_expires_at < sa.bindparam("stamp", type_=job_tasks.c.lease_expires_at.type),
            ),
        ),
    )
    .values(status=TaskStatus.RUNNING.value, attempts=job_tasks.c.attempts + 1)  # and the lease's owner and end
    .returning(job_tasks.c.payload, job_tasks.c.unit_start, job_tasks.c.unit_count, job_tasks.c.attempts)
)
_FINISH_TASK = (  # its units are no longer needed: the payload is dropped
    job_tasks.update()
    .where(
        *_THE_TASK,
        job_tasks.c.status == TaskStatus.RUNNING.value,
        job_tasks.c.lease_owner == sa.bindparam("owner", type_=job_tasks.c.lease_owner.type),
    )
    .values(lease_owner=None, lease_expires_at=None, payload=b"")  # and its status and end
)
_OPEN_TASK_COUNT = sa.select(sa.func.count()).where(
    job_tasks.c.job_id == sa.bindparam(_JOB_KEY), job_tasks.c.status.in_(_OPEN_TASKS)
)
_MARK_STARTED = (
    jobs.update()
    .where(jobs.c.id == sa.bindparam(_JOB_KEY), jobs.c.status == JobStatus.QUEUED.value)
    .values(revision=jobs.c.revision + 1, status=JobStatus.RUNNING.value)  # and its start
)
_ADD_TASK = job_tasks.insert()
_MARK_ENQUEUED = (
    job_tasks.update()
    .where(job_tasks.c.job_id == sa.bindparam(_JOB_KEY), job_tasks.c.seq.in_(sa.bindparam("seqs", expanding=True)))
    .values(enqueued_at=sa.bindparam("at", type_=job_tasks.c.enqueued_at.type))
)
_COUNTERS = ("units_done", "units_error", "units_cancelled", "units_skipped", "units_updated", "items_created")
_ADD_COUNTS = (
    jobs.update()
    .where(jobs.c.id == sa.bindparam(_JOB_KEY))
    .values(
        revision=jobs.c.revision + 1,
        units_pending=jobs.c.units_pending - sa.bindparam("add_units_finished"),
        **{name: jobs.c[name] + sa.bindparam(f"add_{name}") for name in _COUNTERS},
    )
    .returning(*jobs.c)
)


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        title=row.title,
        actor_id=row.actor_id,
        folder_id=row.folder_id,
        dataset_id=row.dataset_id,
        integration_id=row.integration_id,
        params=dict(row.params or {}),
        status=JobStatus(row.status),
        ignore_errors=row.ignore_errors,
        units_total=row.units_total,
        units_pending=row.units_pending,
        units_done=row.units_done,
        units_error=row.units_error,
        units_cancelled=row.units_cancelled,
        units_skipped=row.units_skipped,
        units_updated=row.units_updated,
        items_created=row.items_created,
        tasks_total=row.tasks_total,
        revision=row.revision,
        error=row.error,
        created_at=utc(row.created_at),
        started_at=utc(row.started_at) if row.started_at else None,
        finished_at=utc(row.finished_at) if row.finished_at else None,
        summary=dict(row.summary or {}),
    )


def _unit_error(row: Any) -> UnitError:
    return UnitError(
        unit=row.unit,
        location=row.location,
        kind=ItemKind(row.kind),
        title=row.title,
        object_urls=tuple(row.object_urls),
        error=row.error,
        code=row.code,
        action_description=row.action_description,
    )


@dataclass(frozen=True)
class TaskRef:
    """A task that needs a worker: its job and number, and the lease it holds (if any)."""

    job_id: int
    seq: int
    status: str
    lease_owner: str | None
    lease_expired: bool
    job_status: str


class JobRepository(Repository):
    # --- jobs ---------------------------------------------------------------------------------------------
    def create_job(self, **values: Any) -> int:
        # the values as parameters of a constant statement: SQLAlchemy compiles it once, not per call
        return int(self.conn.execute(_INSERT_JOB, {"created_at": now(), **values}).scalar_one())

    def get_job(self, job_id: int, *, for_update: bool = False) -> Job | None:
        query = _GET_JOB_LOCKED if for_update and not self.is_sqlite else _GET_JOB
        row = self.conn.execute(query, {_JOB_KEY: job_id}).first()
        return _job(row) if row else None

    def jobs(
        self,
        *,
        seen_by: tuple[int, list[str]] | None = None,
        statuses: Sequence[str] = (),
        kinds: Sequence[str] = (),
        before_id: int | None = None,
        limit: int = 50,
        background: bool = True,
    ) -> list[Job]:
        """Newest first. ``seen_by=(user_id, paths)`` keeps the user's own jobs and those of folders in the subtrees
        at ``paths`` (None: every job); ``background=False`` leaves out cairn's own background jobs that did not
        fail as a whole."""
        query = sa.select(jobs).order_by(jobs.c.id.desc()).limit(limit)
        if seen_by is not None:
            query = query.where(self._seen_by(*seen_by))
        if statuses:
            query = query.where(jobs.c.status.in_(list(statuses)))
        if kinds:
            query = query.where(jobs.c.kind.in_(list(kinds)))
        if not background:
            query = query.where(
                sa.or_(jobs.c.kind.not_in(sorted(BACKGROUND_KINDS)), jobs.c.status == JobStatus.ERROR.value)
            )
        if before_id is not None:
            query = query.where(jobs.c.id < before_id)
        return [_job(r) for r in self.conn.execute(query)]

    def watched(self, *, seen_by: tuple[int, list[str]] | None, after_id: int, ids: Sequence[int]) -> list[Job]:
        """What an event stream looks at: the open jobs the user sees, jobs newer than ``after_id``, and the jobs
        ``ids`` it already follows, by id."""
        terms = [jobs.c.status.in_(OPEN_STATUSES), jobs.c.id > after_id]
        if ids:  # an empty IN would keep SQLite from reading each term through its index
            terms.append(jobs.c.id.in_(list(ids)))
        wanted = sa.or_(*terms)
        query = sa.select(jobs).where(
            wanted, jobs.c.kind.not_in(sorted(BACKGROUND_KINDS))
        )  # no ORDER BY: SQLite would scan the table in id order
        if seen_by is not None:
            query = query.where(self._seen_by(*seen_by))
        return sorted((_job(r) for r in self.conn.execute(query)), key=lambda job: job.id)

    def last_id(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.coalesce(sa.func.max(jobs.c.id), 0))).scalar_one())

    @staticmethod
    def _seen_by(user_id: int, paths: list[str]) -> sa.ColumnElement[bool]:
        in_sight = sa.or_(sa.false(), *(subtree_condition(folders.c.path, p) for p in paths))
        return sa.or_(jobs.c.actor_id == user_id, jobs.c.folder_id.in_(sa.select(folders.c.id).where(in_sight)))

    def _touch(self, job_id: int, *conditions: sa.ColumnElement[bool], **values: Any) -> int:
        """Change a job row (and bump its revision); returns how many rows changed."""
        statement = jobs.update().where(jobs.c.id == job_id, *conditions).values(revision=jobs.c.revision + 1, **values)
        return int(self.conn.execute(statement).rowcount)

    def update_job(self, job_id: int, **values: Any) -> None:
        """Set columns of a job row (and bump its revision)."""
        self.conn.execute(_UPDATE_JOB, {_JOB_KEY: job_id, **values})

    def change_job(self, job_id: int, **values: Any) -> Job | None:
        """``update_job`` that returns the row as changed (the same statement reads it), None when there is no such
        job: for a caller that decides on the row next (a task's commit)."""
        row = self.conn.execute(_CHANGE_JOB, {_JOB_KEY: job_id, **values}).first()
        return _job(row) if row else None

    def add_counts(self, job_id: int, deltas: dict[str, int]) -> Job | None:
        """Add to the job's counters (``_COUNTERS``); ``units_finished`` leaves ``units_pending``. Locks the job row
        until commit; returns the row as changed."""
        unknown = set(deltas) - {*_COUNTERS, "units_finished"}
        if unknown:
            raise KeyError(f"not counters of a job: {sorted(unknown)}")
        added = {f"add_{name}": deltas.get(name, 0) for name in (*_COUNTERS, "units_finished")}
        row = self.conn.execute(_ADD_COUNTS, {_JOB_KEY: job_id, **added}).first()
        return _job(row) if row else None

    def grow_job(self, job_id: int, *, units: int, tasks: int) -> None:
        """Tasks were added to an open job: its unit total, pending units and task total grow by them."""
        self._touch(
            job_id,
            units_total=jobs.c.units_total + units,
            units_pending=jobs.c.units_pending + units,
            tasks_total=jobs.c.tasks_total + tasks,
        )

    def mark_started(self, job_id: int) -> None:
        self.conn.execute(_MARK_STARTED, {_JOB_KEY: job_id, "started_at": now()})

    # --- tasks --------------------------------------------------------------------------------------------
    def add_task(self, *, job_id: int, seq: int, unit_start: int, unit_count: int, payload: bytes) -> None:
        values = {"job_id": job_id, "seq": seq, "status": TaskStatus.PENDING.value, "unit_start": unit_start,
                  "unit_count": unit_count, "payload": payload}  # fmt: skip
        self.conn.execute(_ADD_TASK, values)

    def claim_task(
        self, *, job_id: int, seq: int, owner: str, lease_until: datetime
    ) -> tuple[bytes, int, int, int] | None:
        """Lease a pending task (or one whose lease expired) to ``owner``: its (payload, first unit, unit count,
        attempts so far, this one included), or None if it is not claimable. One statement: the update returns
        what it leased."""
        values = {
            _JOB_KEY: job_id,
            "task_seq": seq,
            "stamp": now(),
            "lease_owner": owner,
            "lease_expires_at": lease_until,
        }
        row = self.conn.execute(_CLAIM_TASK, values).one_or_none()
        return None if row is None else (bytes(row[0]), int(row[1]), int(row[2]), int(row[3]))

    def pending_task(self, job_id: int, seq: int) -> tuple[bytes, int, int, int] | None:
        """A task nobody has started: (payload, first unit, unit count, attempts), or None."""
        return self._task_work(job_id, seq, job_tasks.c.status == TaskStatus.PENDING.value)

    def _task_work(self, job_id: int, seq: int, *where: sa.ColumnElement[bool]) -> tuple[bytes, int, int, int] | None:
        columns = (job_tasks.c.payload, job_tasks.c.unit_start, job_tasks.c.unit_count, job_tasks.c.attempts)
        row = self.conn.execute(
            sa.select(*columns).where(job_tasks.c.job_id == job_id, job_tasks.c.seq == seq, *where)
        ).one_or_none()
        return None if row is None else (bytes(row[0]), int(row[1]), int(row[2]), int(row[3]))

    def task_unit_count(self, job_id: int, seq: int) -> int:
        query = sa.select(job_tasks.c.unit_count).where(job_tasks.c.job_id == job_id, job_tasks.c.seq == seq)
        return int(self.conn.execute(query).scalar_one())

    def renew_lease(self, *, job_id: int, seq: int, owner: str, lease_until: datetime) -> bool:
        result = self.conn.execute(
            job_tasks.update().where(*self._leased(job_id, seq, owner)).values(lease_expires_at=lease_until)
        )
        return result.rowcount == 1

    def finish_task(self, *, job_id: int, seq: int, owner: str, status: TaskStatus) -> bool:
        """Close a task this owner still holds (its units are no longer needed: the payload is dropped); False
        when the lease was lost (another worker took it over)."""
        values = {_JOB_KEY: job_id, "task_seq": seq, "owner": owner, "status": status.value, "finished_at": now()}
        return self.conn.execute(_FINISH_TASK, values).rowcount == 1

    def _leased(self, job_id: int, seq: int, owner: str) -> tuple[sa.ColumnElement[bool], ...]:
        return (
            job_tasks.c.job_id == job_id,
            job_tasks.c.seq == seq,
            job_tasks.c.status == TaskStatus.RUNNING.value,
            job_tasks.c.lease_owner == owner,
        )

    def cancel_pending_tasks(self, job_id: int) -> int:
        """Cancel the tasks nobody has started; returns how many units they held."""
        pending = sa.and_(job_tasks.c.job_id == job_id, job_tasks.c.status == TaskStatus.PENDING.value)
        units = self.conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(job_tasks.c.unit_count), 0)).where(pending)
        ).scalar_one()
        self.conn.execute(
            job_tasks.update().where(pending).values(status=TaskStatus.CANCELLED.value, finished_at=now(), payload=b"")
        )
        return int(units)

    def cancel_task(self, job_id: int, seq: int) -> int:
        """Cancel one open task (its worker is gone); returns its unit count, 0 if it was not open."""
        where = (
            job_tasks.c.job_id == job_id,
            job_tasks.c.seq == seq,
            job_tasks.c.status.in_(_OPEN_TASKS),
        )
        count = self.conn.execute(sa.select(job_tasks.c.unit_count).where(*where)).scalar_one_or_none()
        if count is None:
            return 0
        self.conn.execute(
            job_tasks.update()
            .where(*where)
            .values(status=TaskStatus.CANCELLED.value, lease_owner=None, finished_at=now(), payload=b"")
        )
        return int(count)

    def open_tasks(self, job_id: int) -> int:
        return int(self.conn.execute(_OPEN_TASK_COUNT, {_JOB_KEY: job_id}).scalar_one())

    def tasks_needing_work(self, *, expired_before: datetime, limit: int = 10_000) -> list[TaskRef]:
        """Open tasks that may need a worker: pending ones never enqueued, and every leased one (with whether its
        lease expired; the caller decides which owners are dead)."""
        query = (
            sa.select(
                job_tasks.c.job_id,
                job_tasks.c.seq,
                job_tasks.c.status,
                job_tasks.c.lease_owner,
                jobs.c.status.label("job_status"),
                job_tasks.c.enqueued_at,
                job_tasks.c.lease_expires_at,
            )
            .join(jobs, jobs.c.id == job_tasks.c.job_id)
            .where(job_tasks.c.status.in_(_OPEN_TASKS))
            .order_by(job_tasks.c.job_id, job_tasks.c.seq)
            .limit(limit)
        )
        refs = []
        for row in self.conn.execute(query):
            never_enqueued = row.status == TaskStatus.PENDING.value and row.enqueued_at is None
            expired = row.lease_expires_at is not None and utc(row.lease_expires_at) < expired_before
            if never_enqueued or row.status == TaskStatus.RUNNING.value:
                refs.append(TaskRef(row.job_id, row.seq, row.status, row.lease_owner, expired, row.job_status))
        return refs

    def release_task(self, *, job_id: int, seq: int, owner: str | None) -> bool:
        """Put a running task back to pending (its worker died); guarded by the owner it had."""
        result = self.conn.execute(
            job_tasks.update()
            .where(
                job_tasks.c.job_id == job_id,
                job_tasks.c.seq == seq,
                job_tasks.c.status == TaskStatus.RUNNING.value,
                job_tasks.c.lease_owner == owner,
            )
            .values(status=TaskStatus.PENDING.value, lease_owner=None, lease_expires_at=None)
        )
        return result.rowcount == 1

    def defer_task(self, *, job_id: int, seq: int, owner: str) -> bool:
        """Put a leased task back to pending, unsent, its attempt not counted (``Deferred``); guarded by its owner."""
        result = self.conn.execute(
            job_tasks.update()
            .where(*self._leased(job_id, seq, owner))
            .values(
                status=TaskStatus.PENDING.value,
                lease_owner=None,
                lease_expires_at=None,
                enqueued_at=None,
                attempts=job_tasks.c.attempts - 1,
            )
        )
        return result.rowcount == 1

    def mark_enqueued(self, job_id: int, seqs: Sequence[int]) -> None:
        for start in range(0, len(seqs), 500):
            self.conn.execute(_MARK_ENQUEUED, {_JOB_KEY: job_id, "seqs": list(seqs[start : start + 500]), "at": now()})

    def unsent_tasks(self, job_id: int) -> list[int]:
        """Pending tasks of a job never enqueued."""
        query = sa.select(job_tasks.c.seq).where(
            job_tasks.c.job_id == job_id,
            job_tasks.c.status == TaskStatus.PENDING.value,
            job_tasks.c.enqueued_at.is_(None),
        )
        return [int(seq) for seq in self.conn.execute(query.order_by(job_tasks.c.seq)).scalars()]

    def existing_seqs(self, job_id: int, seqs: Sequence[int]) -> set[int]:
        """Which of ``seqs`` are tasks of the job already."""
        if not seqs:
            return set()
        query = sa.select(job_tasks.c.seq).where(
            job_tasks.c.job_id == job_id, job_tasks.c.seq.between(min(seqs), max(seqs))
        )
        return {int(seq) for seq in self.conn.execute(query).scalars()} & set(seqs)

    def task_seqs(self, job_id: int, *, status: TaskStatus) -> list[int]:
        query = (
            sa.select(job_tasks.c.seq)
            .where(job_tasks.c.job_id == job_id, job_tasks.c.status == status.value)
            .order_by(job_tasks.c.seq)
        )
        return [int(s) for s in self.conn.execute(query).scalars()]

    # --- unit errors --------------------------------------------------------------------------------------
    def add_errors(self, job_id: int, errors: Sequence[UnitError]) -> None:
        if not errors:
            return
        rows = [{"job_id": job_id, **e.to_dict()} for e in errors]
        self.conn.execute(job_errors.insert(), rows)

    def errors(self, job_id: int, *, after_unit: int = -1, limit: int = 100) -> list[UnitError]:
        query = (
            sa.select(job_errors)
            .where(job_errors.c.job_id == job_id, job_errors.c.unit > after_unit)
            .order_by(job_errors.c.unit)
            .limit(limit)
        )
        return [_unit_error(r) for r in self.conn.execute(query)]

    # --- integrations -------------------------------------------------------------------------------------
    def unfinished_using(self, integration_id: int) -> int:
        """How many open jobs read from an integration."""
        query = (
            sa.select(sa.func.count())
            .select_from(jobs)
            .where(jobs.c.integration_id == integration_id, jobs.c.status.in_(OPEN_STATUSES))
        )
        return int(self.conn.execute(query).scalar_one())
