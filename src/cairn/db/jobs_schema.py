"""Tables of the jobs concept, on the shared metadata (see cairn.db.schema).

A registration job owns its chunks (the units to register, as one compressed blob per chunk, plus the lease of the
worker processing it) and the errors of the units that failed. Counts live on the job row and change in the same
transaction that commits a chunk's items, so they are always exact.
"""

from __future__ import annotations

import sqlalchemy as sa

from cairn.db.schema import Id, Json, Timestamp, metadata

__all__ = ["metadata", "registration_chunks", "registration_errors", "registration_jobs"]


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, nullable=False, server_default="0")


registration_jobs = sa.Table(
    "registration_jobs",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("folder_id", Id, sa.ForeignKey("folders.id", ondelete="CASCADE"), nullable=True),
    sa.Column("integration_id", Id, sa.ForeignKey("integrations.id", ondelete="SET NULL"), nullable=True),
    sa.Column("actor_id", Id, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("format", sa.String(10), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("ignore_errors", sa.Boolean, nullable=False),
    sa.Column("skip_duplicate_urls", sa.Boolean, nullable=False),
    sa.Column("upsert_metadata", sa.Boolean, nullable=False),
    _count("units_total"),
    _count("units_pending"),
    _count("units_done"),
    _count("units_error"),
    _count("units_cancelled"),
    _count("units_skipped"),
    _count("units_updated"),
    _count("items_created"),
    _count("chunks_total"),
    sa.Column("counts_by_kind", Json, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("started_at", Timestamp, nullable=True),
    sa.Column("finished_at", Timestamp, nullable=True),
    sa.Index("ix_registration_jobs_status", "status"),
    sa.Index("ix_registration_jobs_folder", "folder_id"),
    sqlite_autoincrement=True,  # ids are never given out twice
)

registration_chunks = sa.Table(
    "registration_chunks",
    metadata,
    sa.Column("job_id", Id, sa.ForeignKey("registration_jobs.id", ondelete="CASCADE"), primary_key=True),
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
    sa.Index("ix_registration_chunks_status", "status"),
)

registration_errors = sa.Table(
    "registration_errors",
    metadata,
    sa.Column("job_id", Id, sa.ForeignKey("registration_jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("object_urls", Json, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("code", sa.String(50), nullable=False),
    sa.Column("action_description", sa.String(100), nullable=False),
)
