"""Registration jobs: jobs, their chunks (units + lease) and per-unit errors.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    _create_jobs()
    _create_chunks()
    _create_errors()


def downgrade() -> None:
    op.drop_table("registration_errors")
    op.drop_table("registration_chunks")
    op.drop_table("registration_jobs")


def _create_jobs() -> None:
    op.create_table(
        "registration_jobs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("folder_id", ID, nullable=True),
        sa.Column("integration_id", ID, nullable=True),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ignore_errors", sa.Boolean(), nullable=False),
        sa.Column("skip_duplicate_urls", sa.Boolean(), nullable=False),
        sa.Column("upsert_metadata", sa.Boolean(), nullable=False),
        _count("units_total"),
        _count("units_pending"),
        _count("units_done"),
        _count("units_error"),
        _count("units_cancelled"),
        _count("units_skipped"),
        _count("units_updated"),
        _count("items_created"),
        _count("chunks_total"),
        sa.Column("counts_by_kind", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name=op.f("fk_registration_jobs_folder_id_folders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_registration_jobs_integration_id_integrations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_registration_jobs_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_jobs")),
    )
    op.create_index("ix_registration_jobs_status", "registration_jobs", ["status"], unique=False)
    op.create_index("ix_registration_jobs_folder", "registration_jobs", ["folder_id"], unique=False)


def _create_chunks() -> None:
    op.create_table(
        "registration_chunks",
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
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["registration_jobs.id"],
            name=op.f("fk_registration_chunks_job_id_registration_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_registration_chunks")),
    )
    op.create_index("ix_registration_chunks_status", "registration_chunks", ["status"], unique=False)


def _create_errors() -> None:
    op.create_table(
        "registration_errors",
        sa.Column("job_id", ID, nullable=False),
        sa.Column("unit", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("object_urls", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("action_description", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["registration_jobs.id"],
            name=op.f("fk_registration_errors_job_id_registration_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "unit", name=op.f("pk_registration_errors")),
    )
