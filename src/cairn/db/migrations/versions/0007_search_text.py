"""Search at 1,000,000 items on PostgreSQL: one lower-cased search text, checked inside the name-order indexes.

A search sorted by name walks the name order and checks each item's title and object URL until the page is full.
Before this revision PostgreSQL read the table row of every item it passed (the URL is not in the index) and ran
``ILIKE`` twice on it: page 1 of "frame" passes 40,000 "CT_..." items first, 430-510 ms at 1M items on this
machine with the default 128 MB of shared buffers (BENCHMARKS.md, "Items").

* ``items.search_text``, a stored generated column: ``lower(title || E'\\n' || object_url)``. ``ILIKE`` is
  ``lower(x) LIKE lower(p)`` in a UTF-8 database, so ``search_text LIKE lower(p)`` finds what the two ``ILIKE``
  did (a text holding a line break, which could span the join, keeps the old check; see ``item_pages``).
* It is in the name-order indexes as an included column (``ix_items_title``, ``ix_items_kind_title``), so a walk
  checks the text in the index alone (an index-only scan): page 1 of "frame" took 13-21 ms.
* A B-tree entry holds at most 2,704 bytes and an object URL may be 16 kB: the column is NULL when title and URL
  would not fit (``2 * title + URL > 2400`` bytes; the title is also the key). Those items, rare, are found through
  ``ix_items_long_text`` and checked with ``ILIKE`` as before.
* One trigram index on ``search_text`` replaces the two on title and object URL (selective terms: one bitmap
  instead of two OR-ed).

Adding the column rewrites the table: 43 s for 1,000,000 items on this machine, with the search indexes rebuilt
after it. The rewritten table has no statistics on the new column and an empty visibility map (an index-only scan
would read every row anyway), so it is vacuumed and analyzed once the upgrade has committed: before that, selective
searches took 0.7-1.5 s at 1M items. SQLite is unchanged: FTS5 and the covering indexes of 0005 and 0006 already
check the text in an index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

from cairn.db.migrate import vacuum_after_upgrade

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MAX_INDEXED_BYTES = 2400  # 2 x title + object URL, in bytes: what fits a B-tree entry with the other columns
SEARCH_TEXT = (
    f"CASE WHEN 2 * octet_length(title) + octet_length(coalesce(object_url, '')) <= {MAX_INDEXED_BYTES} "
    "THEN lower(title || chr(10) || coalesce(object_url, '')) END"
)
PENDING_LIST_KB = 1024  # as 0006 set for the trigram indexes it replaces

_NEW_INDEXES = (
    "CREATE INDEX ix_items_title ON items (title, id) INCLUDE (folder_id, kind, status, search_text)",
    "CREATE INDEX ix_items_kind_title ON items (kind, title, id) INCLUDE (folder_id, status, search_text)",
    "CREATE INDEX ix_items_search_trgm ON items USING gin (search_text gin_trgm_ops) "
    f"WITH (gin_pending_list_limit = {PENDING_LIST_KB})",
    "CREATE INDEX ix_items_long_text ON items (id) WHERE search_text IS NULL",
)
_OLD_INDEXES = (
    "CREATE INDEX ix_items_title ON items (title, id)",
    "CREATE INDEX ix_items_kind_title ON items (kind, title, id)",
    "CREATE INDEX ix_items_title_trgm ON items USING gin (title gin_trgm_ops) "
    f"WITH (gin_pending_list_limit = {PENDING_LIST_KB})",
    "CREATE INDEX ix_items_object_url_trgm ON items USING gin (object_url gin_trgm_ops) "
    f"WITH (gin_pending_list_limit = {PENDING_LIST_KB})",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Dropped first: the rewrite that adds the column rebuilds every index left on the table.
    for name in ("ix_items_title", "ix_items_kind_title", "ix_items_title_trgm", "ix_items_object_url_trgm"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(f"ALTER TABLE items ADD COLUMN search_text text GENERATED ALWAYS AS ({SEARCH_TEXT}) STORED")
    for statement in _NEW_INDEXES:
        op.execute(statement)
    vacuum_after_upgrade("items")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("ix_items_title", "ix_items_kind_title", "ix_items_search_trgm", "ix_items_long_text"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ALTER TABLE items DROP COLUMN search_text")
    for statement in _OLD_INDEXES:
        op.execute(statement)
