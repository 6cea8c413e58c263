"""Search in name order at 1,000,000 items (SQLite): a name-ordered copy of the search index, rebuilt in the
background, and the changes made since.

FTS5 returns matches in rowid order, and ``items_fts``'s rowid is the item id. A search by name therefore walks the
name index checking every item, or fetches every match and sorts them; a term whose 50,162 matches all sort after
890,000 other names gets neither fast (127-150 ms p95, BENCHMARKS.md). Keeping a name-ordered rowid exact under
every insert moved one to two index entries per item inserted (tried and reverted: BENCHMARKS.md). Instead:

* ``name_fts_a`` / ``name_fts_b``: contentless FTS5 trigram indexes whose rowid is an item's rank in name order at
  the time they were built; ``name_ranks_a`` / ``name_ranks_b`` map a rank to its item and title. One set is live,
  the other is where the next build goes (``cairn.db.name_order``): a build never blocks writers for long.
* ``search_changes``: every item added, renamed, re-pointed or deleted since (by trigger), with a sequence number
  from ``name_order_state.seq``. A search reads the live set, leaves those items out, and merges them in from
  ``items`` itself.
* ``name_order_state``: which set is live, the sequence number it includes, and whether a build is running.

SQLite only: PostgreSQL's search is unchanged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SETS = ("a", "b")
_RECORD = (
    "UPDATE name_order_state SET seq = seq + 1 WHERE id = 1; "
    "INSERT INTO search_changes (item_id, seq) VALUES ({item}.id, (SELECT seq FROM name_order_state WHERE id = 1)) "
    "ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq;"
)
_TRIGGERS = {
    "search_changes_ai": "AFTER INSERT ON items",
    "search_changes_au": "AFTER UPDATE OF title, object_url ON items",
    "search_changes_ad": "AFTER DELETE ON items",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE name_order_state (id INTEGER PRIMARY KEY CHECK (id = 1), live TEXT, seq INTEGER NOT NULL, "
        "built_seq INTEGER, ranked INTEGER, built_at TEXT, building_since TEXT)"
    )
    op.execute("INSERT INTO name_order_state (id, seq) VALUES (1, 0)")
    op.execute("CREATE TABLE search_changes (item_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)")
    op.execute("CREATE INDEX ix_search_changes_seq ON search_changes (seq)")
    for name in SETS:
        op.execute(f"CREATE TABLE name_ranks_{name} (rank INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, title TEXT)")
        op.execute(f"CREATE INDEX ix_name_ranks_{name}_title ON name_ranks_{name} (title, item_id)")
        op.execute(
            f"CREATE VIRTUAL TABLE name_fts_{name} USING fts5(title, object_url, content='', tokenize='trigram')"
        )
    for trigger, event in _TRIGGERS.items():
        item = "old" if "DELETE" in event else "new"
        op.execute(f"CREATE TRIGGER {trigger} {event} BEGIN {_RECORD.format(item=item)} END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for name in SETS:
        op.execute(f"DROP TABLE IF EXISTS name_fts_{name}")
        op.execute(f"DROP TABLE IF EXISTS name_ranks_{name}")
    op.execute("DROP TABLE IF EXISTS search_changes")
    op.execute("DROP TABLE IF EXISTS name_order_state")
