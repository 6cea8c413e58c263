"""Search at 1,000,000 items: a kind index read in name order, and short trigram pending lists (PostgreSQL).

* ``ix_items_kind_title``: a search or listing filtered on one kind, sorted by name, reads this kind's items in
  name order instead of every item until a page of them has passed (``kind=pdf`` with no text at 1M items: 0.7 s
  before, a few ms after; BENCHMARKS.md). On SQLite it also holds the object URL, so the search text is checked in
  the index without reading the row, as with ``ix_items_search_title`` of 0005; PostgreSQL limits a B-tree entry
  to about 2.7 kB and object URLs may be 16 kB long, so there it stops at the id.
* PostgreSQL: new entries of a GIN index wait in a pending list that every search reads whole, up to 4 MB by
  default. At 1M items, lists of 316 and 472 pages made a selective search read 1,400 buffers instead of 600 and
  take about 30 ms instead of 12 (EXPLAIN ANALYZE, warm). 1 MB bounds a list at 128 pages; it is flushed into the
  index more often. Neither change showed in 20,000-row inserts into the 1M table: runs of either schema spread
  over 2,000-6,700 items/s on the shared machine. The lists left by earlier writes are flushed now.

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

KIND_INDEX = "ix_items_kind_title"
_KIND_COLUMNS = {"sqlite": "kind, title, id, object_url", "postgresql": "kind, title, id"}
TRIGRAM_INDEXES = ("ix_items_title_trgm", "ix_items_object_url_trgm")
PENDING_LIST_KB = 1024


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(f"CREATE INDEX IF NOT EXISTS {KIND_INDEX} ON items ({_KIND_COLUMNS[dialect]})")
    if dialect == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"ALTER INDEX {name} SET (gin_pending_list_limit = {PENDING_LIST_KB})")
            op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")
    op.execute(f"DROP INDEX IF EXISTS {KIND_INDEX}")
