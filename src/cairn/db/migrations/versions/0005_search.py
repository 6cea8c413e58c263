"""Search: a covering index for reading items in name order while filtering by title and URL (SQLite).

A broad search (a text most items contain) reads the sort index in order and filters each row until the page is
full (see ``ItemRepository.page``). With the title and object URL in the index, SQLite filters without reading the
table row; without them, the rows before the first matches (e.g. every "CT_..." title before "cam...") each cost a
table lookup: 1.3 s against 0.06 s for a first page at 1,000,000 items (BENCHMARKS.md).

SQLite only, like the other search indexes: PostgreSQL limits a B-tree entry to about 2.7 kB and object URLs may
be 16 kB long; there the pg_trgm indexes of 0001 and the planner's statistics serve search.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

# Only the name order: SQLite did not choose a (created_at, id, title, object_url) index over ix_items_created for
# the same search by creation time, and in creation order matches are seldom clustered the way names are.
SEARCH_INDEXES = {"ix_items_search_title": "title, id, object_url"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, columns in SEARCH_INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON items ({columns})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in SEARCH_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
