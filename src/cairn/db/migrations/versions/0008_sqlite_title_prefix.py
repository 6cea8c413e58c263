"""SQLite: drop ``ix_items_title`` (title, id), a prefix of ``ix_items_search_title`` (title, id, object_url). Every
query in name order is planned on the covering index (no plan of the listing, search, folder or registration
queries reads the prefix), so the prefix only cost each insert a B-tree entry. PostgreSQL: nothing changes (its
``ix_items_title`` includes what a search checks, and no other index has the same order).

Revision ID: titleprefix1
Revises: kindtrgm1
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "titleprefix1"
down_revision = "kindtrgm1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_items_title", table_name="items")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_index("ix_items_title", "items", ["title", "id"])
