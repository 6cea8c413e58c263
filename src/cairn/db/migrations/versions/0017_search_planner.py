"""Search needs no state beyond the indexes the writes keep: the name-ordered copies and their change log go.

The final search schema (what a baseline creates), besides the indexes declared on ``items`` in ``db/schema.py``:

SQLite
    ``items.search_text``: ``GENERATED ALWAYS AS (title || char(10) || coalesce(object_url, '')) VIRTUAL``
    (``cairn.db.search_text.SQLITE``; declared, not stored).
    ``items_fts``: ``CREATE VIRTUAL TABLE items_fts USING fts5(title, object_url, content='items',
    content_rowid='id', tokenize='trigram')``, kept by the triggers ``items_fts_ai`` (after insert),
    ``items_fts_ad`` (after delete) and ``items_fts_au`` (after update of title, object_url) of 0001.
    Indexes: ``ix_items_title (title, id)``, ``ix_items_search_title (title, id, object_url)``,
    ``ix_items_kind_title (kind, title, id, object_url)``, ``ix_items_created (created_at, id)``.

PostgreSQL
    ``CREATE EXTENSION pg_trgm``.
    ``items.search_text``: ``GENERATED ALWAYS AS (cairn.db.search_text.POSTGRESQL) STORED``.
    Indexes: ``ix_items_title (title, id) INCLUDE (folder_id, kind, status, search_text)``,
    ``ix_items_kind_title (kind, title, id) INCLUDE (folder_id, status, search_text)``,
    ``ix_items_search_trgm USING gin (search_text gin_trgm_ops) WITH (gin_pending_list_limit = 1024)``,
    ``ix_items_long_text (id) WHERE search_text IS NULL``, ``ix_items_created (created_at, id)``.

Dropped: SQLite's ``name_fts_a/b``, ``name_ranks_a/b``, ``name_kinds_a/b``, ``name_order_state``,
``search_changes`` and its triggers ``search_changes_ai/au/ad`` (0008, 0011); PostgreSQL's ``trigram_spans``,
``search_order_state``, ``search_changes``, ``search_change_seq``, the triggers ``search_changes_ai/au/ad`` and the
function ``cairn_record_search_changes`` (0009, 0010). A downgrade makes them again, empty (unbuilt).

Revision ID: s017
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import importlib

from alembic import op

from cairn.db.search_text import SQLITE

revision = "s017"
down_revision = "0014"
branch_labels = None
depends_on = None

_TRIGGERS = ("search_changes_ai", "search_changes_au", "search_changes_ad")
_SQLITE_TABLES = tuple(f"name_{part}_{s}" for s in "ab" for part in ("fts", "ranks", "kinds"))
_REMADE_BY = ("0008_name_order", "0009_trigram_first", "0010_trigram_spans", "0011_name_order_kinds")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for table in (*_SQLITE_TABLES, "search_changes", "name_order_state"):
            op.execute(f"DROP TABLE IF EXISTS {table}")
        op.execute(f"ALTER TABLE items ADD COLUMN search_text TEXT GENERATED ALWAYS AS ({SQLITE}) VIRTUAL")
        return
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON items")
    op.execute("DROP FUNCTION IF EXISTS cairn_record_search_changes()")
    for table in ("trigram_spans", "search_order_state", "search_changes"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP SEQUENCE IF EXISTS search_change_seq")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE items DROP COLUMN search_text")
    for name in _REMADE_BY:  # each makes its dialect's tables (and skips the other dialect)
        importlib.import_module(f"cairn.db.migrations.versions.{name}").upgrade()
