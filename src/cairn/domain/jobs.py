"""Jobs as values: states, the job record, per-unit errors, a task's result and notifications.

A job (of one *kind*: ``registration``, and later re-encoding, frames, sync...) works on a scope (a folder, a
dataset or items) on behalf of its actor. Its units are split into tasks of consecutive units; a task is what a
worker leases, prepares and commits in one transaction (``cairn.services.jobs``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cairn.domain.kinds import ItemKind
from cairn.errors import Problem

__all__ = [
    "ACTION_DESCRIPTIONS",
    "BACKGROUND_KINDS",
    "Job",
    "JobStatus",
    "Notification",
    "Outcome",
    "TaskResult",
    "TaskStatus",
    "UnitError",
]


class JobStatus(StrEnum):
    """Where a job is. ``DONE``, ``ERROR`` and ``CANCELLED`` are final (Encord's LongPollingStatus).

    ``VALIDATING``: its input is being checked before it is split into tasks (issue 15, item 3)."""

    QUEUED = "queued"
    VALIDATING = "validating"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({JobStatus.DONE, JobStatus.ERROR, JobStatus.CANCELLED})
OPEN_STATUSES = tuple(s.value for s in JobStatus if s not in FINAL_STATUSES)


BACKGROUND_KINDS = frozenset({"thumbnails"})
"""Kinds of job cairn starts for itself (a thumbnail a page asked for), not for a person: no actor, no journal entry,
no notification, and left out of the jobs list and the event stream unless asked for by kind (or failed as a whole).
What fails in them is told where it was asked for (a thumbnail's request answers why it has none)."""


class TaskStatus(StrEnum):
    """Where a task is: waiting, leased by a worker, committed, or cancelled before it ran."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """How a job ended, as its notification says."""

    DONE = "done"
    DONE_WITH_ERRORS = "done_with_errors"
    ERROR = "error"
    CANCELLED = "cancelled"


ACTION_DESCRIPTIONS: dict[ItemKind, str] = {
    ItemKind.VIDEO: "Registering video",
    ItemKind.IMAGE: "Registering image",
    ItemKind.AUDIO: "Registering audio file",
    ItemKind.TEXT: "Registering text file",
    ItemKind.PDF: "Registering PDF",
    ItemKind.NIFTI: "Registering NIfTI file",
    ItemKind.DICOM_FILE: "Registering DICOM file",
    ItemKind.DICOM_SERIES: "Registering DICOM series",
    ItemKind.IMAGE_GROUP: "Registering image group",
    ItemKind.IMAGE_SEQUENCE: "Registering image sequence",
}
"""What a unit's registration is called in its error (Encord's ``action_description``)."""


@dataclass(frozen=True)
class UnitError:
    """Why one unit of a job failed, in Encord's shape plus where the unit is in the job's input."""

    unit: int
    location: str
    kind: ItemKind
    title: str
    object_urls: tuple[str, ...]
    error: str
    code: str
    action_description: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "location": self.location,
            "kind": self.kind.value,
            "title": self.title,
            "object_urls": list(self.object_urls),
            "error": self.error,
            "code": self.code,
            "action_description": self.action_description,
        }


@dataclass(frozen=True)
class Job:
    """A job and its unit counts (``units_skipped``/``units_updated`` are part of ``units_done``).

    ``params`` are the kind's own options (registration: source, format, skip_duplicate_urls, upsert_metadata);
    ``summary`` what the kind reports beyond the counts (registration: counts_by_kind). ``revision`` grows with
    every change of the job."""

    id: int
    kind: str
    title: str
    actor_id: int | None
    folder_id: int | None
    dataset_id: int | None
    integration_id: int | None
    params: dict[str, Any]
    status: JobStatus
    ignore_errors: bool
    units_total: int
    units_pending: int
    units_done: int
    units_error: int
    units_cancelled: int
    units_skipped: int
    units_updated: int
    items_created: int
    tasks_total: int
    revision: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def progress(self) -> float:
        """Finished units (done, error, cancelled) over all units, 0..1 (while ``validating``: the input checked)."""
        if self.status is JobStatus.VALIDATING:
            done, total = self.progress_counts()
            return done / total if total else 0.0
        if self.units_total == 0:
            return 1.0
        return (self.units_total - self.units_pending) / self.units_total

    @property
    def outcome(self) -> Outcome | None:
        """How the job ended (None while it runs)."""
        if self.status is JobStatus.CANCELLED:
            return Outcome.CANCELLED
        if self.status is JobStatus.ERROR:
            return Outcome.ERROR
        if self.status is JobStatus.DONE:
            return Outcome.DONE_WITH_ERRORS if self.units_error or self.manifest_problems else Outcome.DONE
        return None

    @property
    def manifest_problems(self) -> list[Problem]:
        """The located problems the scan of a registration's manifest recorded: the entries a job that ignores
        errors did not register, or why a strict job registered nothing."""
        recorded = self.summary.get("problems") or []
        return [Problem(location=p["location"], message=p["message"], field=p.get("field")) for p in recorded]

    @property
    def manifest_problems_truncated(self) -> bool:
        """Whether the scan stopped recording problems at its limit (there are more than listed)."""
        return bool(self.summary.get("problems_truncated"))

    def progress_counts(self) -> tuple[int, int]:
        """What a progress bar shows, (done, total): bytes of the input checked while ``validating`` (when the
        job's summary says how far its check got), else finished units."""
        if self.status is JobStatus.VALIDATING and "manifest_bytes" in self.summary:
            return int(self.summary.get("bytes_scanned", 0)), int(self.summary["manifest_bytes"])
        return self.units_total - self.units_pending, self.units_total

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["progress"] = self.progress
        for name in ("created_at", "started_at", "finished_at"):
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        return data


@dataclass
class TaskResult:
    """What committing one task did (and the job's status if that task finished it)."""

    job_id: int
    seq: int
    created: int = 0
    skipped: int = 0
    updated: int = 0
    errors: int = 0
    cancelled: int = 0
    job_status: JobStatus | None = None

    @property
    def done(self) -> int:
        return self.created + self.skipped + self.updated

    @property
    def finished(self) -> int:
        return self.done + self.errors + self.cancelled


@dataclass(frozen=True)
class Notification:
    """A message to a user that a job of theirs ended, with links to the job and to what it worked on."""

    id: int
    user_id: int
    job_id: int | None
    folder_id: int | None
    dataset_id: int | None
    outcome: Outcome
    message: str
    created_at: datetime
    read_at: datetime | None

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
