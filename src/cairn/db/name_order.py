"""The name-ordered copy of the search index (SQLite, migrations 0008 and 0011): building it, and what a search
reads of it.

Items are ranked by kind, then name: each kind's items are one range of ranks (``name_kinds_*``), in name order
within it. A build takes a snapshot of ``items`` in that order on a read connection and copies it, 20,000 items per
write transaction, into the set that is not live (``name_fts_*`` keyed by rank, ``name_ranks_*``); other writers go
on between two batches. The last transaction makes that set live and forgets the changes the snapshot includes (those
numbered up to the snapshot's ``name_order_state.seq``). Changes made while it ran stay in ``search_changes``: a
search merges them in from ``items`` (``item_pages``).

One build runs at a time (``building_since``; a build older than ``STALE_BUILD`` is taken to have died).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cairn.db.database import Database

SETS = ("a", "b")
BATCH = 20_000
STALE_BUILD = timedelta(hours=1)


@dataclass(frozen=True)
class BuildResult:
    live: str  # the set made live
    ranked: int  # items in it
    seconds: float


@dataclass(frozen=True)
class OrderState:
    live: str | None
    seq: int  # the number of the last change recorded
    built_seq: int | None  # the last change the live set includes
    building_since: datetime | None


def state(conn: Connection) -> OrderState:
    row = conn.exec_driver_sql("SELECT live, seq, built_seq, building_since FROM name_order_state WHERE id = 1").one()
    since = datetime.fromisoformat(row[3]) if row[3] else None
    return OrderState(live=row[0] if row[0] in SETS else None, seq=int(row[1]), built_seq=row[2], building_since=since)


def kind_ranges(conn: Connection, live: str) -> dict[str, tuple[int, int]]:
    """Each kind's first and last rank in the set ``live`` (one of ``SETS``)."""
    rows = conn.exec_driver_sql(f"SELECT kind, first_rank, last_rank FROM name_kinds_{live}")  # noqa: S608
    return {kind: (first, last) for kind, first, last in rows}


def changes_at_most(conn: Connection, limit: int) -> bool:
    """Whether at most ``limit`` items changed since the search order was last built (a count that stops early).
    Both dialects record them in ``search_changes`` (SQLite: 0008, PostgreSQL: 0009)."""
    counted = conn.execute(
        sa.text("SELECT count(*) FROM (SELECT 1 FROM search_changes LIMIT :n) AS recorded"), {"n": limit + 1}
    ).scalar_one()
    return int(counted) <= limit


def rebuild(database: Database, *, between_batches: Callable[[], None] | None = None) -> BuildResult | None:
    """Build the set that is not live from a snapshot of ``items`` and make it live; None if a build is running."""
    started = time.perf_counter()
    target = _claim(database)
    if target is None:
        return None
    try:
        with database.read() as reader:
            snapshot_seq = state(reader).seq  # the snapshot starts here: later changes stay in search_changes
            raw = reader.connection.driver_connection
            assert raw is not None
            rows = raw.execute("SELECT id, title, object_url, kind FROM items ORDER BY kind, title, id")
            ranked = 0
            ranges: dict[str, list[int]] = {}  # kind: [first rank, last rank]
            while batch := rows.fetchmany(BATCH):
                with database.write() as writer:
                    _copy(writer, target, ranked, batch)
                for rank, (_, _, _, kind) in enumerate(batch, start=ranked + 1):
                    ranges.setdefault(kind, [rank, rank])[1] = rank
                ranked += len(batch)
                if between_batches is not None:
                    between_batches()
        with database.write() as writer:
            if ranges:
                writer.exec_driver_sql(
                    f"INSERT INTO name_kinds_{target} (kind, first_rank, last_rank) VALUES (?, ?, ?)",  # noqa: S608
                    [(kind, first, last) for kind, (first, last) in ranges.items()],
                )
            writer.exec_driver_sql(
                "UPDATE name_order_state SET live = ?, built_seq = ?, ranked = ?, built_at = ?, building_since = NULL "
                "WHERE id = 1",
                (target, snapshot_seq, ranked, _now()),
            )
            writer.exec_driver_sql("DELETE FROM search_changes WHERE seq <= ?", (snapshot_seq,))
    except BaseException:
        _release(database)
        raise
    return BuildResult(target, ranked, time.perf_counter() - started)


def _claim(database: Database) -> str | None:
    """Mark a build as running and empty the set it will fill; None if another build holds the mark."""
    with database.write() as conn:
        current = state(conn)
        if current.building_since is not None and datetime.now(UTC) - current.building_since < STALE_BUILD:
            return None
        target = "b" if current.live == "a" else "a"
        conn.exec_driver_sql("UPDATE name_order_state SET building_since = ? WHERE id = 1", (_now(),))
        # target is one of SETS, never input
        conn.exec_driver_sql(f"DELETE FROM name_ranks_{target}")  # noqa: S608
        conn.exec_driver_sql(f"DELETE FROM name_kinds_{target}")  # noqa: S608
        conn.exec_driver_sql(f"INSERT INTO name_fts_{target} (name_fts_{target}) VALUES ('delete-all')")  # noqa: S608
        return target


def _release(database: Database) -> None:
    with database.write() as conn:
        conn.exec_driver_sql("UPDATE name_order_state SET building_since = NULL WHERE id = 1")


def _copy(conn: Connection, target: str, ranked: int, batch: list[tuple[int, str, str | None, str]]) -> None:
    """Append a batch in (kind, name) order. The FTS5 rows go in with one ``INSERT ... SELECT`` from a temporary
    stage: one statement per row would make FTS5 write a segment per row (see ``_bulk``)."""
    conn.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS name_order_stage "
        "(rank INTEGER, item_id INTEGER, title TEXT, object_url TEXT, kind TEXT)"
    )
    staged = [(ranked + n + 1, *row) for n, row in enumerate(batch)]
    conn.exec_driver_sql("INSERT INTO temp.name_order_stage VALUES (?, ?, ?, ?, ?)", staged)
    conn.exec_driver_sql(
        f"INSERT INTO name_ranks_{target} (rank, item_id, kind, title) "  # noqa: S608 (one of SETS)
        "SELECT rank, item_id, kind, title FROM temp.name_order_stage"
    )
    conn.exec_driver_sql(
        f"INSERT INTO name_fts_{target} (rowid, title, object_url) "  # noqa: S608
        "SELECT rank, title, object_url FROM temp.name_order_stage"
    )
    conn.exec_driver_sql("DELETE FROM temp.name_order_stage")


def _now() -> str:
    return datetime.now(UTC).isoformat()
