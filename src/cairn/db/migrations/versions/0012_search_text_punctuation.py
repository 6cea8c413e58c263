"""Search on PostgreSQL at 1,000,000 items: ``search_text`` maps punctuation to letters, so pg_trgm sees across it.

pg_trgm takes trigrams within words, and punctuation ends a word: a text such as ``frame_2024`` or ``.jpg_`` was
made of common trigrams only, so neither the trigram index nor ``trigram_spans`` could narrow a search for it, and
one that few or no items hold read most of the table (0.2-0.55 s at 1M items, BENCHMARKS.md). Here
``search_text`` becomes ``translate(lower(title || E'\\n' || object_url), PUNCTUATION, LETTERS)``: 25 common
ASCII punctuation characters and the line break each become an upper-case letter, which lower-cased text never
holds, so matching stays exact (``cairn.db.search_text``).

The column is added again with the new expression (a table rewrite: 36.5 s at 1M items with the indexes) and its indexes
made again; ``trigram_spans`` is emptied and left for the housekeeping to build (``cairn reindex`` does it at once).

PostgreSQL only.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

from cairn.db.migrate import vacuum_after_upgrade

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MAX_INDEXED_BYTES = 2400  # as 0007
PUNCTUATION = " _-.:/%\\,;()[]+=@#&!?~'\"$\n"  # and LETTERS: as cairn.db.search_text when this was written
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWERED = "lower(title || chr(10) || coalesce(object_url, ''))"
_FITS = f"2 * octet_length(title) + octet_length(coalesce(object_url, '')) <= {MAX_INDEXED_BYTES}"
_INDEXES = {
    "ix_items_title": "ON items (title, id) INCLUDE (folder_id, kind, status, search_text)",
    "ix_items_kind_title": "ON items (kind, title, id) INCLUDE (folder_id, status, search_text)",
    "ix_items_search_trgm": "ON items USING gin (search_text gin_trgm_ops) WITH (gin_pending_list_limit = 1024)",
    "ix_items_long_text": "ON items (id) WHERE search_text IS NULL",
}


def _literal(text: str) -> str:
    """``text`` as a PostgreSQL string constant (E'...')."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"E'{escaped}'"


def _search_text(expression: str) -> None:
    """Add ``search_text`` again, computed by ``expression``, with the indexes that include it."""
    for name in _INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ALTER TABLE items DROP COLUMN search_text")
    op.execute(f"ALTER TABLE items ADD COLUMN search_text text GENERATED ALWAYS AS ({expression}) STORED")
    for name, definition in _INDEXES.items():
        op.execute(f"CREATE INDEX {name} {definition}")
    op.execute("DELETE FROM trigram_spans")
    op.execute("UPDATE search_order_state SET built_seq = NULL, built_at = NULL")
    vacuum_after_upgrade("items")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    mapped = f"translate({_LOWERED}, {_literal(PUNCTUATION)}, '{LETTERS}')"
    _search_text(f"CASE WHEN {_FITS} THEN {mapped} END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _search_text(f"CASE WHEN {_FITS} THEN {_LOWERED} END")
