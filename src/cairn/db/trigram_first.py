"""Where each trigram first appears in name order (PostgreSQL, migration 0009): building the table, and the bound a
search by name takes from it.

Every item that contains a search text contains each of its trigrams, so it sorts at or after the first name
(in name order) among the items that have each trigram: the latest of those names is a lower bound of every
match's name, and a walk of the name order may start there (``item_pages``). The table is built from a snapshot,
in one transaction that does not block writers; items changed since are recorded in ``search_changes`` and merged
in by the search.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cairn.db.database import Database

STALE_BUILD = timedelta(hours=1)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Bound:
    """The lowest name a match can have among the items unchanged since the build (None: none of them matches),
    and whether some items may match below it: changed since the build, or without ``search_text``."""

    first_title: str | None
    others: bool


def term_trigrams(text: str) -> list[str]:
    """Trigrams that pg_trgm's ``show_trgm`` gives for every text containing ``text``: the three-character pieces of
    its runs of ASCII letters and digits, lower-cased (other characters end a run, as pg_trgm's words end, or may
    belong to a longer word there: either way these pieces are inside it)."""
    runs = [run.lower() for run in _ASCII_WORD.findall(text)]
    return sorted({run[i : i + 3] for run in runs for i in range(len(run) - 2)})


def is_built(conn: Connection) -> bool:
    built = conn.execute(sa.text("SELECT built_seq FROM search_order_state WHERE id = 1")).scalar_one()
    return built is not None


def latest_change(conn: Connection) -> int:
    """The number of the last change recorded since the last build (0: none)."""
    return int(conn.execute(sa.text("SELECT coalesce(max(seq), 0) FROM search_changes")).scalar_one())


def bound(conn: Connection, trigrams: list[str], *, changes_at_most: int) -> Bound | None:
    """The bound for a text with these trigrams (at least one), in one round trip; None if the table is not built
    or more than ``changes_at_most`` items changed since."""
    found = conn.execute(
        sa.text(
            "SELECT (SELECT built_seq FROM search_order_state WHERE id = 1), "
            "(SELECT count(*) FROM (SELECT 1 FROM search_changes LIMIT :limit) AS recorded), "
            "EXISTS (SELECT 1 FROM items WHERE search_text IS NULL), "
            "(SELECT count(*) FROM trigram_first WHERE trigram = ANY(:trigrams)), "
            "(SELECT max(first_title) FROM trigram_first WHERE trigram = ANY(:trigrams))"
        ),
        {"limit": changes_at_most + 1, "trigrams": trigrams},
    ).one()
    built, changes, unindexed, known, first_title = found
    if built is None or changes > changes_at_most:
        return None
    return Bound(first_title if known == len(trigrams) else None, others=bool(changes or unindexed))


def rebuild(database: Database) -> float | None:
    """Build the table again from the items as they are; its seconds, or None if another build is running."""
    started = time.perf_counter()
    with database.write() as conn:
        since = conn.execute(
            sa.text("SELECT building_since FROM search_order_state WHERE id = 1 FOR UPDATE")
        ).scalar_one()
        if since is not None and datetime.now(UTC) - since < STALE_BUILD:
            return None
        conn.execute(sa.text("UPDATE search_order_state SET building_since = now() WHERE id = 1"))
    try:
        with database.write() as conn:
            # Read before the snapshot of the build: a change numbered up to here is in it, later ones stay.
            last = conn.execute(sa.text("SELECT coalesce(max(seq), 0) FROM search_changes")).scalar_one()
            conn.execute(sa.text("DROP TABLE IF EXISTS trigram_first_next"))
            conn.execute(
                sa.text(
                    "CREATE TABLE trigram_first_next AS SELECT trigram, min(title) AS first_title "
                    "FROM items, unnest(show_trgm(search_text)) AS trigram WHERE search_text IS NOT NULL "
                    "GROUP BY trigram"
                )
            )
            conn.execute(sa.text("ALTER TABLE trigram_first_next ADD PRIMARY KEY (trigram)"))
            conn.execute(sa.text("DROP TABLE trigram_first"))
            conn.execute(sa.text("ALTER TABLE trigram_first_next RENAME TO trigram_first"))
            conn.execute(sa.text("ALTER INDEX trigram_first_next_pkey RENAME TO trigram_first_pkey"))
            conn.execute(
                sa.text(
                    "UPDATE search_order_state SET built_seq = :last, built_at = now(), building_since = NULL "
                    "WHERE id = 1"
                ),
                {"last": last},
            )
            conn.execute(sa.text("DELETE FROM search_changes WHERE seq <= :last"), {"last": last})
    except BaseException:
        with database.write() as conn:
            conn.execute(sa.text("UPDATE search_order_state SET building_since = NULL WHERE id = 1"))
        raise
    return time.perf_counter() - started
