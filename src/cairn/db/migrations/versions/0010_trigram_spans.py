"""Search with a kind filter at 1,000,000 items (PostgreSQL): where each trigram first and last appears in name
order, per kind.

``trigram_first`` (0009) gave the first name per trigram over all kinds, so it could not serve a search with a kind
filter: a term whose matches are all of other kinds walked every item of the kind asked for, or fetched every
match, before answering that there is none (``_clip_`` among images: 156-201 ms at 1M items, BENCHMARKS.md).

* ``trigram_spans`` replaces it: each trigram of ``show_trgm(search_text)`` and each kind, with the first and the
  last title, in name order, of an item of that kind that has the trigram (``cairn.db.trigram_spans``). A trigram
  absent from a kind rules that kind out; the first and last names bound the walk at both ends.
* The trigger of 0009 also records an item whose kind changed, as the span depends on it.
* ``search_order_state`` is reset: the housekeeping builds the new table as it built the old one.

PostgreSQL only.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION cairn_record_search_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO search_changes (item_id, seq) SELECT id, nextval('search_change_seq') FROM new_rows
        ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO search_changes (item_id, seq)
        SELECT n.id, nextval('search_change_seq') FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.title IS DISTINCT FROM o.title OR n.object_url IS DISTINCT FROM o.object_url{kind}
        ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq;
    ELSE
        INSERT INTO search_changes (item_id, seq) SELECT id, nextval('search_change_seq') FROM old_rows
        ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq;
    END IF;
    RETURN NULL;
END
$$
"""
_UNBUILT = "UPDATE search_order_state SET built_seq = NULL, built_at = NULL, building_since = NULL"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE trigram_first")
    op.execute(
        "CREATE TABLE trigram_spans (trigram TEXT, kind TEXT, first_title TEXT NOT NULL, last_title TEXT NOT NULL, "
        "PRIMARY KEY (trigram, kind))"
    )
    op.execute(_UNBUILT)
    op.execute(_FUNCTION.replace("{kind}", " OR n.kind IS DISTINCT FROM o.kind"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE trigram_spans")
    op.execute("CREATE TABLE trigram_first (trigram TEXT PRIMARY KEY, first_title TEXT NOT NULL)")
    op.execute(_UNBUILT)
    op.execute(_FUNCTION.replace("{kind}", ""))
