"""What search by name starts from, rebuilt in the background, whichever the dialect: SQLite's name-ordered copy
of the search index (``name_order``, 0008) or PostgreSQL's first and last name per trigram and kind
(``trigram_spans``, 0010)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from cairn.db import name_order, trigram_spans
from cairn.db.database import Database


def progress(conn: Connection) -> tuple[bool, int]:
    """Whether items changed since the last build (or there was none), and the number of the last change."""
    if conn.dialect.name == "sqlite":
        current = name_order.state(conn)
        return current.live is None or current.seq != current.built_seq, current.seq
    latest = trigram_spans.latest_change(conn)
    return not trigram_spans.is_built(conn) or latest > 0, latest


def rebuild(database: Database) -> float | None:
    """Build it again from the items as they are; the seconds it took, or None if another build is running."""
    if database.is_sqlite:
        built = name_order.rebuild(database)
        return built.seconds if built is not None else None
    return trigram_spans.rebuild(database)
