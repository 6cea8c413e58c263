"""Result objects: what a task is about to upload, recorded so that an upload whose item never came is removed.

Revision ID: resultobj1
Revises: reencode1
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "resultobj1"
down_revision = "reencode1"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "result_objects",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("job_id", ID, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("integration_id", ID, sa.ForeignKey("integrations.id", ondelete="CASCADE"), nullable=True),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_result_objects_task", "result_objects", ["job_id", "seq"])
    op.create_index("ix_result_objects_place", "result_objects", ["integration_id", "key"], unique=True)


def downgrade() -> None:
    op.drop_table("result_objects")
