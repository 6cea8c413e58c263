"""Search on PostgreSQL: the commonest punctuation maps to letters that are not hexadecimal digits.

0012 mapped punctuation to letters in the order of ``PUNCTUATION``, so space, ``_``, ``-``, ``.``, ``:`` and ``/``
became ``a`` to ``f`` as pg_trgm sees them: the letters of hexadecimal hashes and UUIDs, which object keys are full
of. A trigram such as ``24c`` (from ``2024-``) then occurred in random hashes of items that hold no ``2024-`` at
all, so ``trigram_spans`` gave such items' kinds a span of names and a search by name walked it: ``2024-`` read
the names of all 39,812 DICOM files of the benchmark (23 ms median at 1M items, against 6 ms for ``frame``).
Now they map to ``w z q j k x`` (``cairn.db.search_text``), which hashes never hold and names seldom do.

As 0012: ``search_text`` is added again with the new expression (a table rewrite), its indexes made again, and
``trigram_spans`` emptied for the housekeeping to build (``cairn reindex`` does it at once).

PostgreSQL only.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

from cairn.db.migrate import vacuum_after_upgrade

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

MAX_INDEXED_BYTES = 2400  # as 0007
PUNCTUATION = " _-.:/%\\,;()[]+=@#&!?~'\"$\n"  # and LETTERS: as cairn.db.search_text when this was written
LETTERS = "WZQJKXVYGHUOILMNPRSTABCDEF"
LETTERS_0012 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
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


def _search_text(letters: str) -> None:
    """Add ``search_text`` again with punctuation mapped to ``letters``, with the indexes that include it."""
    mapped = f"translate({_LOWERED}, {_literal(PUNCTUATION)}, '{letters}')"
    for name in _INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ALTER TABLE items DROP COLUMN search_text")
    op.execute(
        f"ALTER TABLE items ADD COLUMN search_text text GENERATED ALWAYS AS (CASE WHEN {_FITS} THEN {mapped} END) "
        "STORED"
    )
    for name, definition in _INDEXES.items():
        op.execute(f"CREATE INDEX {name} {definition}")
    op.execute("DELETE FROM trigram_spans")
    op.execute("UPDATE search_order_state SET built_seq = NULL, built_at = NULL")
    vacuum_after_upgrade("items")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _search_text(LETTERS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _search_text(LETTERS_0012)
