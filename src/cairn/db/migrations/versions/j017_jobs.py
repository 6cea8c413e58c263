"""One job engine: registration's job tables become general ones (``jobs``, ``job_tasks``, ``job_errors``), and
``notifications`` tell a job's actor that it ended.

``registration_jobs`` / ``registration_chunks`` / ``registration_errors`` are dropped, not converted: cairn is
unreleased and holds no job worth keeping (a job's items stay; only its progress record goes). A registration's
own options move into ``jobs.params``; ``jobs.revision`` grows with every change of a job (the event stream watches
it). The new tables' ids start past every job id the journal names, so an id is never given out twice (0013).

Both dialects. The downgrade makes 0002's tables again (empty).

Revision ID: j017
Revises: 0014, 0015, 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "j017"
down_revision = ("0014", "0015", "0016")
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

_0002 = importlib.import_module("cairn.db.migrations.versions.0002_jobs")
_0013 = importlib.import_module("cairn.db.migrations.versions.0013_ids_never_reused")


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def _fk(column: str, target: str, table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.drop_table("registration_errors")
    op.drop_table("registration_chunks")
    op.drop_table("registration_jobs")
    _create_jobs()
    _create_tasks()
    _create_errors()
    _create_notifications()
    _start_ids_past_journal()


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("job_errors")
    op.drop_table("job_tasks")
    op.drop_table("jobs")
    _0002.upgrade()
    if op.get_bind().dialect.name == "sqlite":
        _0013._remake("registration_jobs", _0013._with_autoincrement)


def _create_jobs() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("folder_id", ID, nullable=True),
        sa.Column("dataset_id", ID, nullable=True),
        sa.Column("integration_id", ID, nullable=True),
        sa.Column("params", JSON, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ignore_errors", sa.Boolean(), nullable=False),
        *(
            _count(name)
            for name in (
                "units_total",
                "units_pending",
                "units_done",
                "units_error",
                "units_cancelled",
                "units_skipped",
                "units_updated",
                "items_created",
                "tasks_total",
                "revision",
            )
        ),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        _fk("actor_id", "users", "jobs", "SET NULL"),
        _fk("folder_id", "folders", "jobs", "CASCADE"),
        _fk("dataset_id", "datasets", "jobs", "CASCADE"),
        _fk("integration_id", "integrations", "jobs", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_jobs_status", "jobs", ["status"], unique=False)
    op.create_index("ix_jobs_folder", "jobs", ["folder_id"], unique=False)
    op.create_index("ix_jobs_dataset", "jobs", ["dataset_id"], unique=False)
    op.create_index("ix_jobs_actor", "jobs", ["actor_id"], unique=False)


def _create_tasks() -> None:
    op.create_table(
        "job_tasks",
        sa.Column("job_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("unit_start", sa.Integer(), nullable=False),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        _count("attempts"),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", TIMESTAMP, nullable=True),
        sa.Column("enqueued_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        _fk("job_id", "jobs", "job_tasks", "CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_job_tasks")),
    )
    op.create_index("ix_job_tasks_status", "job_tasks", ["status"], unique=False)


def _create_errors() -> None:
    op.create_table(
        "job_errors",
        sa.Column("job_id", ID, nullable=False),
        sa.Column("unit", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("object_urls", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("action_description", sa.String(length=100), nullable=False),
        _fk("job_id", "jobs", "job_errors", "CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "unit", name=op.f("pk_job_errors")),
    )


def _create_notifications() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("job_id", ID, nullable=True),
        sa.Column("folder_id", ID, nullable=True),
        sa.Column("dataset_id", ID, nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("read_at", TIMESTAMP, nullable=True),
        _fk("user_id", "users", "notifications", "CASCADE"),
        _fk("job_id", "jobs", "notifications", "CASCADE"),
        _fk("folder_id", "folders", "notifications", "SET NULL"),
        _fk("dataset_id", "datasets", "notifications", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "id"], unique=False)


def _start_ids_past_journal() -> None:
    """Job ids start past every job id the journal names (those of the registration jobs just dropped)."""
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _0013._start_counter_past_journal("jobs", "job")
        return
    named = conn.execute(sa.text("SELECT max(target_id) FROM journal WHERE target_type = 'job'")).scalar()
    if named is not None:
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('jobs', 'id'), :n)"), {"n": named})
