"""SQLite: the FTS5 trigram index also holds each item's kind (a third column, ``kind``), so that a search with a
kind filter is answered inside the index, without reading the row of every match of its text. The index is made
anew from ``items`` (its external content). PostgreSQL: nothing changes (its GIN index already holds the kind).

Revision ID: ftskind1
Revises: thumbs1
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "ftskind1"
down_revision = "thumbs1"
branch_labels = None
depends_on = None


WITH_KIND = (
    "CREATE VIRTUAL TABLE items_fts USING fts5("
    "title, object_url, kind, content='items', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN "
    "INSERT INTO items_fts(rowid, title, object_url, kind) VALUES (new.id, new.title, new.object_url, new.kind); END",
    "CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, object_url, kind) "
    "VALUES ('delete', old.id, old.title, old.object_url, old.kind); END",
    "CREATE TRIGGER items_fts_au AFTER UPDATE OF title, object_url, kind ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, object_url, kind) "
    "VALUES ('delete', old.id, old.title, old.object_url, old.kind); "
    "INSERT INTO items_fts(rowid, title, object_url, kind) VALUES (new.id, new.title, new.object_url, new.kind); END",
)
WITHOUT_KIND = (
    "CREATE VIRTUAL TABLE items_fts USING fts5("
    "title, object_url, content='items', content_rowid='id', tokenize='trigram')",
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
    if op.get_bind().dialect.name == "sqlite":
        _make_index(WITH_KIND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _make_index(WITHOUT_KIND)


def _make_index(ddl: tuple[str, ...]) -> None:
    """``items_fts`` and its three triggers made anew by ``ddl``, the index filled from ``items`` (its content)."""
    for trigger in ("items_fts_ai", "items_fts_ad", "items_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS items_fts")
    for statement in ddl:
        op.execute(statement)
    op.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
