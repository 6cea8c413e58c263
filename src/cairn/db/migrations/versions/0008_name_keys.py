"""Search at 1,000,000 items on SQLite: the FTS5 index keyed by name order, so its matches come out sorted by name.

FTS5 returns matches in rowid order. Until now the rowid was the item id, so a search sorted by name had either
to walk the name index checking every item (fast when matches are everywhere) or to fetch every match and sort
them (fast when there are few). A term whose 50,162 matches all sort after 890,000 other names got neither: page 1
took 127-150 ms (p95) at 1M items.

* ``items.name_key``: an integer that sorts exactly as ``(title, id)``, kept sparse so that a new or renamed item
  takes a key between its neighbours (``cairn.db.repositories.name_keys``). Unique.
* ``items_fts`` is rebuilt with ``content_rowid='name_key'``: page 1 of a search by name reads the first matches in
  rowid order and stops when the page is full.
* The triggers keep the index in step with the key as well as the title and URL. An item without a key (only
  inside the transaction that adds or renames it) has no entry.

Existing items get keys spread evenly over the whole range, in name order. SQLite only: PostgreSQL's search
(pg_trgm, 0007) does not use the key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

HIGH = 1 << 62  # keys lie strictly between 0 and HIGH, as in name_keys

_FTS_COLUMNS = "title, object_url, tokenize='trigram'"
_TRIGGERS = ("items_fts_ai", "items_fts_ad", "items_fts_au")
_KEYED_TRIGGERS = (
    "CREATE TRIGGER items_fts_ai AFTER INSERT ON items WHEN new.name_key IS NOT NULL BEGIN "
    "INSERT INTO items_fts(rowid, title, object_url) VALUES (new.name_key, new.title, new.object_url); END",
    "CREATE TRIGGER items_fts_ad AFTER DELETE ON items WHEN old.name_key IS NOT NULL BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, object_url) "
    "VALUES ('delete', old.name_key, old.title, old.object_url); END",
    "CREATE TRIGGER items_fts_au AFTER UPDATE OF name_key, title, object_url ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, object_url) "
    "SELECT 'delete', old.name_key, old.title, old.object_url WHERE old.name_key IS NOT NULL; "
    "INSERT INTO items_fts(rowid, title, object_url) "
    "SELECT new.name_key, new.title, new.object_url WHERE new.name_key IS NOT NULL; END",
)
_ID_TRIGGERS = (  # as 0001 made them
    "CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN "
    "INSERT INTO items_fts(rowid, title, object_url) VALUES (new.id, new.title, new.object_url); END",
    "CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, object_url) "
    "VALUES ('delete', old.id, old.title, old.object_url); END",
    "CREATE TRIGGER items_fts_au AFTER UPDATE OF title, object_url ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, object_url) "
    "VALUES ('delete', old.id, old.title, old.object_url); "
    "INSERT INTO items_fts(rowid, title, object_url) VALUES (new.id, new.title, new.object_url); END",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_search()
    op.execute("ALTER TABLE items ADD COLUMN name_key INTEGER")
    spread = sa.text(
        "UPDATE items SET name_key = ranked.n * (:high / ((SELECT count(*) FROM items) + 1)) "
        "FROM (SELECT id, row_number() OVER (ORDER BY title, id) AS n FROM items) AS ranked "
        "WHERE ranked.id = items.id"
    )
    op.execute(spread.bindparams(high=HIGH))
    op.execute("CREATE UNIQUE INDEX ix_items_name_key ON items (name_key)")
    _create_search("content_rowid='name_key'", _KEYED_TRIGGERS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_search()
    op.execute("DROP INDEX ix_items_name_key")
    op.execute("ALTER TABLE items DROP COLUMN name_key")
    _create_search("content_rowid='id'", _ID_TRIGGERS)


def _drop_search() -> None:
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS items_fts")


def _create_search(rowid: str, triggers: tuple[str, ...]) -> None:
    op.execute(f"CREATE VIRTUAL TABLE items_fts USING fts5({_FTS_COLUMNS}, content='items', {rowid})")
    op.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
    for trigger in triggers:
        op.execute(trigger)
