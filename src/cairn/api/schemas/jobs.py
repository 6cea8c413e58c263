"""Jobs of any kind, their per-unit errors, notifications and the events of the stream."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from cairn.api.schemas.common import Public
from cairn.domain.jobs import JobStatus, Outcome
from cairn.domain.kinds import ItemKind


class JobPublic(Public):
    """A job: what it is, on what, how far it got. ``units_skipped`` and ``units_updated`` are part of
    ``units_done``."""

    id: int
    kind: str = Field(description="What the job does: `registration`, ...")
    title: str = Field(description="The job in a few words (a registration: its manifest's name).")
    actor_id: int | None = Field(description="Who started it.")
    folder_id: int | None = Field(description="Scope: the folder it works in (null for a dataset's or items').")
    dataset_id: int | None = Field(description="Scope: the dataset it works on.")
    integration_id: int | None = Field(description="The integration it reads from, if any.")
    params: dict[str, Any] = Field(description="The kind's options (a registration: source, format, flags).")
    status: JobStatus
    ignore_errors: bool = Field(description="False (strict): the first failing unit stops the job.")
    units_total: int
    units_pending: int
    units_done: int
    units_error: int
    units_cancelled: int
    units_skipped: int
    units_updated: int
    items_created: int
    tasks_total: int
    revision: int = Field(description="Grows with every change of the job.")
    progress: float = Field(description="Finished units over all units, 0..1.")
    summary: dict[str, Any] = Field(
        description="What the kind reports beyond the counts (registration: counts_by_kind; re-encode: `made`, "
        "the first 100 `{original_item_id, item_id}` pairs of what it made)."
    )
    error: str | None = Field(description="Why the job stopped or what went wrong as a whole.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobsPublic(Public):
    jobs: list[JobPublic]


class UnitErrorPublic(Public):
    unit: int = Field(description="Position of the unit in the job's input (0-based).")
    location: str = Field(description="Where the unit is in the input (JSON pointer or CSV line).")
    kind: ItemKind
    title: str
    object_urls: list[str]
    error: str
    code: str
    action_description: str


class UnitErrorsPublic(Public):
    errors: list[UnitErrorPublic]
    next_after_unit: int | None = Field(default=None, description="Pass as `after_unit` for the next page.")


class NotificationPublic(Public):
    """A job of yours ended: how, in a sentence, with links to the job and to what it worked on."""

    id: int
    job_id: int | None
    folder_id: int | None
    dataset_id: int | None
    outcome: Outcome
    message: str
    is_read: bool
    created_at: datetime
    read_at: datetime | None


class NotificationsPublic(Public):
    notifications: list[NotificationPublic]
    unread: int = Field(description="How many of your notifications are unread (all of them, not this page's).")
    next_before_id: int | None = Field(default=None, description="Pass as `before_id` for the next page.")
