"""Tables of the job engine and of notifications, on the shared metadata (see cairn.db.schema).

A job (of any kind: registration, and later re-encoding, frames, sync...) owns its tasks (a slice of the job's
units, as one opaque payload per task, plus the lease of the worker processing it) and the errors of the units that
failed. Counts live on the job row and change in the same transaction that commits a task's work, so they are
always exact; ``revision`` grows with every change of the row, which is what the event stream watches.
A notification tells a job's actor that it ended.
"""

from __future__ import annotations

import sqlalchemy as sa

from cairn.db.schema import Id, Json, Timestamp, metadata

__all__ = ["job_errors", "job_tasks", "jobs", "metadata", "notifications", "result_objects"]


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, nullable=False, server_default="0")


jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("actor_id", Id, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    # the scope: a folder, a dataset, or items (their ids in params); a job of a deleted scope is deleted with it
    sa.Column("folder_id", Id, sa.ForeignKey("folders.id", ondelete="CASCADE"), nullable=True),
    sa.Column("dataset_id", Id, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=True),
    sa.Column("integration_id", Id, sa.ForeignKey("integrations.id", ondelete="SET NULL"), nullable=True),
    sa.Column("params", Json, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("ignore_errors", sa.Boolean, nullable=False),
    _count("units_total"),
    _count("units_pending"),
    _count("units_done"),
    _count("units_error"),
    _count("units_cancelled"),
    _count("units_skipped"),
    _count("units_updated"),
    _count("items_created"),
    _count("tasks_total"),
    _count("revision"),
    sa.Column("summary", Json, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("started_at", Timestamp, nullable=True),
    sa.Column("finished_at", Timestamp, nullable=True),
    sa.Index("ix_jobs_status", "status"),
    sa.Index("ix_jobs_folder", "folder_id"),
    sa.Index("ix_jobs_dataset", "dataset_id"),
    sa.Index("ix_jobs_actor", "actor_id"),
    sqlite_autoincrement=True,  # ids are never given out twice
)

job_tasks = sa.Table(
    "job_tasks",
    metadata,
    sa.Column("job_id", Id, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("unit_start", sa.Integer, nullable=False),
    sa.Column("unit_count", sa.Integer, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    _count("attempts"),
    sa.Column("lease_owner", sa.String(200), nullable=True),
    sa.Column("lease_expires_at", Timestamp, nullable=True),
    sa.Column("enqueued_at", Timestamp, nullable=True),
    sa.Column("finished_at", Timestamp, nullable=True),
    sa.Index("ix_job_tasks_status", "status"),
)

job_errors = sa.Table(
    "job_errors",
    metadata,
    sa.Column("job_id", Id, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("object_urls", Json, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("code", sa.String(50), nullable=False),
    sa.Column("action_description", sa.String(100), nullable=False),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("job_id", Id, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=True),
    sa.Column("folder_id", Id, sa.ForeignKey("folders.id", ondelete="SET NULL"), nullable=True),
    sa.Column("dataset_id", Id, sa.ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("read_at", Timestamp, nullable=True),
    sa.Index("ix_notifications_user", "user_id", "id"),
    sqlite_autoincrement=True,
)

# An object a task is about to upload (a result file in the user's bucket or in managed storage), recorded before
# the upload and deleted in the transaction that commits the item referencing it. A row that outlives its task
# (a kill -9, a lost lease, a cancel) names an object to remove. Not tied to the job by a foreign key: the row must
# outlive a job deleted with its folder, or the object would be forgotten.
result_objects = sa.Table(
    "result_objects",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("job_id", Id, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("integration_id", Id, sa.ForeignKey("integrations.id", ondelete="CASCADE"), nullable=True),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index("ix_result_objects_task", "job_id", "seq"),
    sa.Index("ix_result_objects_place", "integration_id", "key", unique=True),
    sqlite_autoincrement=True,
)
