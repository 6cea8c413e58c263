"""Where each trigram first and last appears in name order, per kind (PostgreSQL, migrations 0009 and 0010):
building the table, and the span of names a search takes from it.

Every item that contains a search text contains each of its trigrams, so its name lies between the first and the
last name (in name order) among the items of its kind that have each trigram. For a text and a set of kinds, the
latest of the first names and the earliest of the last names bound every match's name: a walk of the name order
may start at the one and stop at the other (``item_pages``), and when a trigram appears in no item of those kinds,
or the bounds cross, no item matches at all, whatever the sort. The table is built from a snapshot, in one
transaction that does not block writers; items changed since are recorded in ``search_changes`` and merged in by
the search.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cairn.db import search_text
from cairn.db.database import Database

STALE_BUILD = timedelta(hours=1)


@dataclass(frozen=True)
class Span:
    """The first and last name a match can have among the items unchanged since the build (None: none of them
    matches), and whether other items may match outside them: changed since the build, or without ``search_text``.
    """

    names: tuple[str, str] | None
    others: bool


def term_trigrams(text: str) -> list[str]:
    """Trigrams that pg_trgm's ``show_trgm`` gives for the ``search_text`` of every item containing ``text``: the
    three-character pieces of its word runs (``search_text.word_runs``), each inside one of pg_trgm's words there."""
    runs = search_text.word_runs(text)
    return sorted({run[i : i + 3] for run in runs for i in range(len(run) - 2)})


def is_built(conn: Connection) -> bool:
    built = conn.execute(sa.text("SELECT built_seq FROM search_order_state WHERE id = 1")).scalar_one()
    return built is not None


def latest_change(conn: Connection) -> int:
    """The number of the last change recorded since the last build (0: none)."""
    return int(conn.execute(sa.text("SELECT coalesce(max(seq), 0) FROM search_changes")).scalar_one())


_SPAN = sa.text(
    "WITH per_trigram AS ("
    " SELECT trigram, min(first_title) AS first_title, max(last_title) AS last_title FROM trigram_spans"
    " WHERE trigram = ANY(:trigrams) AND (:any_kind OR kind = ANY(:kinds)) GROUP BY trigram), "
    "span AS (SELECT count(*) AS known, max(first_title) AS first_title, min(last_title) AS last_title"
    " FROM per_trigram) "
    "SELECT (SELECT built_seq FROM search_order_state WHERE id = 1), "
    "(SELECT count(*) FROM (SELECT 1 FROM search_changes LIMIT :limit) AS recorded), "
    "EXISTS (SELECT 1 FROM items WHERE search_text IS NULL), "
    # Compared here, in the database's collation, as the name index orders them (Python's order may differ).
    "span.known = :count AND span.first_title <= span.last_title, span.first_title, span.last_title FROM span"
)


def span(conn: Connection, trigrams: list[str], kinds: Collection[str], *, changes_at_most: int) -> Span | None:
    """The span for a text with these trigrams (at least one) among items of ``kinds`` (empty: any), in one round
    trip; None if the table is not built or more than ``changes_at_most`` items changed since."""
    found = conn.execute(
        _SPAN,
        {
            "limit": changes_at_most + 1,
            "trigrams": trigrams,
            "any_kind": not kinds,
            "kinds": sorted(kinds),
            "count": len(trigrams),
        },
    ).one()
    built, changes, unindexed, some_match, first_title, last_title = found
    if built is None or changes > changes_at_most:
        return None
    return Span((first_title, last_title) if some_match else None, others=bool(changes or unindexed))


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
            last = latest_change(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS trigram_spans_next"))
            conn.execute(
                sa.text(
                    "CREATE TABLE trigram_spans_next AS "
                    "SELECT trigram, kind, min(title) AS first_title, max(title) AS last_title "
                    "FROM items, unnest(show_trgm(search_text)) AS trigram WHERE search_text IS NOT NULL "
                    "GROUP BY trigram, kind"
                )
            )
            conn.execute(sa.text("ALTER TABLE trigram_spans_next ADD PRIMARY KEY (trigram, kind)"))
            conn.execute(sa.text("DROP TABLE trigram_spans"))
            conn.execute(sa.text("ALTER TABLE trigram_spans_next RENAME TO trigram_spans"))
            conn.execute(sa.text("ALTER INDEX trigram_spans_next_pkey RENAME TO trigram_spans_pkey"))
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
    # The changes just forgotten are dead rows until vacuumed, and every search counts the live ones, reading the
    # dead ones too until autovacuum comes by.
    database.vacuum("search_changes", "trigram_spans")
    return time.perf_counter() - started
