"""What a kind of job tells the engine: how its tasks are prepared and committed, and what it is called.

A handler's own service splits the job's input into tasks (``TaskSpec``: consecutive units and an opaque payload)
when it starts the job (``JobService.start``); registration splits a manifest while it validates it. Then, for
each task, the engine leases it and calls:

* ``prepare(job, task, heartbeat=...)`` outside any transaction (storage requests, inspection, encoding); it calls
  ``heartbeat()`` now and then during long work, which renews the lease (and raises ``Conflict`` if it was lost);
* ``commit(repos, job, task, prepared, result)`` inside the task's one transaction, under its lease (``job`` is
  the job row as read in that transaction, locked: its summary may be changed without reading it again): it writes
  what the task made and fills ``result`` (created, skipped, updated, errors); the engine then adds the counts,
  applies the strict rule and finishes the job after its last task. A job started ``validating`` has one first
  task that checks the input; its commit adds the other tasks (``JobService.add_tasks``) or sets the job's status
  to ``error``, and the engine enqueues what was added. That first task may also hand tasks out while it runs
  (``JobService.hand_out``); a commit of such a task that cannot decide yet (it needs what only the end of the
  check tells) raises ``Deferred``: the engine rolls it back and runs it again after the first task's commit;
* ``closed(job, task)`` after that transaction, to release what only the task needed (a stored manifest). It is
  also called when the task fails as a whole, and for a validating job's first task when the job is cancelled
  before that task started (``task.owner`` is then empty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cairn.db.repositories import Repos
from cairn.domain.jobs import Job, TaskResult

__all__ = ["ClaimedTask", "Deferred", "JobHandler", "NewJob", "TaskSpec"]


class Deferred(Exception):
    """Raised by a handler's ``commit`` of a task handed out while its job is still ``validating``, when the commit
    depends on what the job's first task has not decided yet. The engine rolls the commit back and puts the task
    back, unsent and without counting the attempt; it is sent again once the job has left ``validating``."""


@dataclass(frozen=True)
class TaskSpec:
    """One task of a new job: ``unit_count`` units from ``unit_start``, described by ``payload`` (the handler's)."""

    unit_start: int
    unit_count: int
    payload: bytes


@dataclass(frozen=True)
class ClaimedTask:
    """A task leased by this worker."""

    job_id: int
    seq: int
    unit_start: int
    unit_count: int
    payload: bytes
    attempts: int
    owner: str


@dataclass(frozen=True)
class NewJob:
    """What a job is about, as its handler's service starts it."""

    kind: str
    title: str
    units_total: int
    folder_id: int | None = None
    dataset_id: int | None = None
    integration_id: int | None = None
    params: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    ignore_errors: bool = False


class JobHandler(Protocol):
    """The work of one kind of job (see the module docstring)."""

    kind: str

    def prepare(self, job: Job, task: ClaimedTask, *, heartbeat: Callable[[], None]) -> Any: ...

    def commit(self, repos: Repos, job: Job, task: ClaimedTask, prepared: Any, result: TaskResult) -> None: ...

    def closed(self, job: Job, task: ClaimedTask) -> None:
        """Called after ``task``'s transaction closed it (committed, cancelled or failed): release what only it
        needed."""
        ...

    def describe(self, job: Job) -> str:
        """The job in a few words, for its notification (``Registration of 'videos.json'``)."""
        ...
