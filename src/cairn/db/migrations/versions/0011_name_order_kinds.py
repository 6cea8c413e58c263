"""Search with a kind filter at 1,000,000 items (SQLite): the name-ordered copy of the search index ranks items by
kind, then name.

With ranks in name order alone (0008), a kind filter was checked on each match: a term whose 70,524 matches are
all videos, searched among images, read every match before answering that there is none (105-123 ms p95 at 1M
items, BENCHMARKS.md). Ranked by kind first, each kind's items are one range of ranks, which FTS5 reads alone
(a ``rowid`` range); a search reads the range of each kind asked for (every kind without a filter) and merges them
by name (``item_pages``).

* ``name_ranks_a`` / ``name_ranks_b``: with the item's kind, indexed by (kind, title, item_id) for the cursor.
* ``name_kinds_a`` / ``name_kinds_b``: each kind's first and last rank in that set.
* The trigger on updates also records a change of kind (the item left its range).
* Both sets are emptied and ``name_order_state`` reset: the housekeeping builds the new order; until then a search
  takes the ways it took before 0008.

SQLite only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SETS = ("a", "b")
_ON_UPDATE = (
    "CREATE TRIGGER search_changes_au AFTER UPDATE OF {columns} ON items BEGIN "
    "UPDATE name_order_state SET seq = seq + 1 WHERE id = 1; "
    "INSERT INTO search_changes (item_id, seq) VALUES (new.id, (SELECT seq FROM name_order_state WHERE id = 1)) "
    "ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq; END"
)
_UNBUILT = "UPDATE name_order_state SET live = NULL, built_seq = NULL, ranked = NULL, built_at = NULL"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER search_changes_au")
    op.execute(_ON_UPDATE.format(columns="title, object_url, kind"))
    for name in SETS:
        op.execute(f"DROP TABLE name_ranks_{name}")
        op.execute(
            f"CREATE TABLE name_ranks_{name} (rank INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, "
            "kind TEXT NOT NULL, title TEXT)"
        )
        op.execute(f"CREATE INDEX ix_name_ranks_{name}_kind_title ON name_ranks_{name} (kind, title, item_id)")
        op.execute(
            f"CREATE TABLE name_kinds_{name} (kind TEXT PRIMARY KEY, first_rank INTEGER NOT NULL, "
            "last_rank INTEGER NOT NULL)"
        )
        op.execute(f"INSERT INTO name_fts_{name} (name_fts_{name}) VALUES ('delete-all')")  # noqa: S608 (SETS)
    op.execute(_UNBUILT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER search_changes_au")
    op.execute(_ON_UPDATE.format(columns="title, object_url"))
    for name in SETS:
        op.execute(f"DROP TABLE name_kinds_{name}")
        op.execute(f"DROP TABLE name_ranks_{name}")
        op.execute(f"CREATE TABLE name_ranks_{name} (rank INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, title TEXT)")
        op.execute(f"CREATE INDEX ix_name_ranks_{name}_title ON name_ranks_{name} (title, item_id)")
        op.execute(f"INSERT INTO name_fts_{name} (name_fts_{name}) VALUES ('delete-all')")  # noqa: S608 (SETS)
    op.execute(_UNBUILT)
