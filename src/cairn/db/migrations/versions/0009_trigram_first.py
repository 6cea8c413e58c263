"""Search in name order at 1,000,000 items (PostgreSQL): where in name order each trigram first appears.

A search by name walks ``ix_items_title`` from the first name on, checking each item's ``search_text``; a term whose
matches all sort after 890,000 other names walks them all first (``_take_``: about 100 ms p95, BENCHMARKS.md). An
item that contains a term contains each trigram of it, so no item whose name sorts before the latest of those
trigrams' first names can match: the walk may start there.

* ``trigram_first``: each trigram of ``show_trgm(search_text)`` with the first title, in name order, of an item that
  has it. Rebuilt in the background (``cairn.db.trigram_first``), not kept on every write.
* ``search_changes``: the items added, renamed, re-pointed or deleted since (statement triggers with transition
  tables), numbered from ``search_change_seq``. Their names may sort before the bound: a search merges them in.
* ``search_order_state``: whether the table has been built, and up to which change.

PostgreSQL only: SQLite has its own name-ordered index (0008).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE FUNCTION cairn_record_search_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO search_changes (item_id, seq) SELECT id, nextval('search_change_seq') FROM new_rows
        ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO search_changes (item_id, seq)
        SELECT n.id, nextval('search_change_seq') FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.title IS DISTINCT FROM o.title OR n.object_url IS DISTINCT FROM o.object_url
        ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq;
    ELSE
        INSERT INTO search_changes (item_id, seq) SELECT id, nextval('search_change_seq') FROM old_rows
        ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq;
    END IF;
    RETURN NULL;
END
$$
"""
_TRIGGERS = {
    "search_changes_ai": "AFTER INSERT ON items REFERENCING NEW TABLE AS new_rows",
    "search_changes_au": "AFTER UPDATE ON items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "search_changes_ad": "AFTER DELETE ON items REFERENCING OLD TABLE AS old_rows",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE search_change_seq")
    op.execute("CREATE TABLE search_changes (item_id BIGINT PRIMARY KEY, seq BIGINT NOT NULL)")
    op.execute("CREATE TABLE trigram_first (trigram TEXT PRIMARY KEY, first_title TEXT NOT NULL)")
    op.execute(
        "CREATE TABLE search_order_state (id INTEGER PRIMARY KEY CHECK (id = 1), built_seq BIGINT, "
        "built_at TIMESTAMPTZ, building_since TIMESTAMPTZ)"
    )
    op.execute("INSERT INTO search_order_state (id) VALUES (1)")
    op.execute(_FUNCTION)
    for trigger, event in _TRIGGERS.items():
        action = "FOR EACH STATEMENT EXECUTE FUNCTION cairn_record_search_changes()"
        op.execute(f"CREATE TRIGGER {trigger} {event} {action}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON items")
    op.execute("DROP FUNCTION IF EXISTS cairn_record_search_changes()")
    for table in ("search_order_state", "trigram_first", "search_changes"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP SEQUENCE IF EXISTS search_change_seq")
