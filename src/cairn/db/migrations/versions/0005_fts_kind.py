"""SQLite: the FTS5 trigram index also holds each item's kind (a third column, ``kind``), so that a search with a
kind filter is answered inside the index, without reading the row of every match of its text. The index is made
anew from ``items`` (its external content). PostgreSQL: nothing changes (its GIN index already holds the kind).

Revision ID: ftskind1
Revises: urlkeys1
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "ftskind1"
down_revision = "urlkeys1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _make_index(("title", "object_url", "kind"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _make_index(("title", "object_url"))


def _make_index(columns: tuple[str, ...]) -> None:
    """``items_fts`` over ``columns`` of ``items``, its three triggers, and its content indexed from ``items``."""
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    op.execute("DROP TABLE IF EXISTS items_fts")  # its triggers stay: they are dropped by name
    for trigger in ("items_fts_ai", "items_fts_ad", "items_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(
        f"CREATE VIRTUAL TABLE items_fts USING fts5({listed}, content='items', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        f"CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN "
        f"INSERT INTO items_fts(rowid, {listed}) VALUES (new.id, {new}); END"
    )
    op.execute(
        f"CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN "
        f"INSERT INTO items_fts(items_fts, rowid, {listed}) VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER items_fts_au AFTER UPDATE OF {listed} ON items BEGIN "
        f"INSERT INTO items_fts(items_fts, rowid, {listed}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO items_fts(rowid, {listed}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
