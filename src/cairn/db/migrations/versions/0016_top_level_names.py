"""Folder names are unique among siblings under a parent only; at the top level the service checks them.

``ix_folders_parent_name`` was unique on ``(coalesce(parent_id, 0), name)``: two top-level folders could not share a
name anywhere in the organization, so creating one answered "already exists" even when the caller could not see the
folder of that name, and anyone could confirm hidden names one guess at a time. Now the index is partial, on
``(parent_id, name) WHERE parent_id IS NOT NULL``; at the top level names are unique among the folders the actor
sees (``services/folders.py``), so an organization admin, who sees them all, still cannot make two of one name.

A downgrade restores the organization-wide index; it refuses, naming them, while two top-level folders share a name.

Both dialects.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0013"  # 0013 made the folders table again on SQLite, indexes included
branch_labels = None
depends_on = None

_INDEX = "ix_folders_parent_name"
_SIBLINGS = "parent_id IS NOT NULL"


def upgrade() -> None:
    op.drop_index(_INDEX, table_name="folders")
    op.create_index(
        _INDEX,
        "folders",
        ["parent_id", "name"],
        unique=True,
        sqlite_where=sa.text(_SIBLINGS),
        postgresql_where=sa.text(_SIBLINGS),
    )


def downgrade() -> None:
    shared = op.get_bind().execute(
        sa.text("SELECT name FROM folders WHERE parent_id IS NULL GROUP BY name HAVING count(*) > 1 ORDER BY name")
    )
    names = [row.name for row in shared]
    if names:
        raise RuntimeError(
            f"0016: cannot downgrade while top-level folders share a name ({', '.join(map(repr, names[:10]))}): "
            "rename them first"
        )
    op.drop_index(_INDEX, table_name="folders")
    op.create_index(
        _INDEX, "folders", [sa.literal_column("coalesce(parent_id, 0)"), sa.literal_column("name")], unique=True
    )
