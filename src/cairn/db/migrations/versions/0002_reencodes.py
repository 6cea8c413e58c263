"""Re-encodes: which item a re-encode made from which, its recipe and its frame remap.

Revision ID: reencode1
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "reencode1"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "reencodes",
        sa.Column("result_item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("original_item_id", ID, sa.ForeignKey("items.id", ondelete="SET NULL"), nullable=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("remap", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reencodes_original", "reencodes", ["original_item_id"])


def downgrade() -> None:
    op.drop_table("reencodes")
