"""What the database alone can do: the registration benchmark's rows, each batch built in memory off the clock,
inserted into a freshly migrated database with nothing else on the path (no manifest, no job, no queue).

Three schemas, in the same run as cairn's own figures:

* ``full``: cairn's schema as migrated (the unique URL index, the sort and folder indexes, and the search index:
  SQLite's FTS5 trigram table kept by a trigger, PostgreSQL's pg_trgm GIN index on the generated ``search_text``);
  rows go in through
  ``cairn.db.repositories._bulk.insert_items``, the writer registration uses (a staging table, then one
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per 5,000 rows, one transaction per 5,000 rows).
* ``unique index only``: every secondary index and the search index dropped (and PostgreSQL's generated
  ``search_text`` column), except the unique
  ``(folder_id, url_key, copy_no)`` index that guards against duplicates (issue 3 asks for exactly that guard).
* ``unique index only, values converted beforehand``: the same, with the rows' values already converted to what
  the driver takes (JSON text, time stamps) before the clock starts: only the driver and the database are timed
  (SQLite: one plain ``executemany`` per 5,000 rows straight into ``items``, its fastest insert once no trigger
  is left; PostgreSQL: ``COPY`` into the stage, then one ``INSERT ... SELECT``). This is the ceiling of any
  registration that keeps the duplicate guard, on this machine.
* ``plain append``: the same converted rows into ``items`` with no secondary index at all (the unique index
  dropped too): SQLite ``executemany`` straight into the table, PostgreSQL ``COPY`` straight into it. The physical
  ceiling of this machine, which issue 15's ratio (cairn / this >= 0.5) is taken against.

The rows' ``url_key`` is cairn's (``cairn.domain.duplicate_keys``), so the unique index sees the keys cairn writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cairn.db.schema import search_trigram_index
from cairn.domain.duplicate_keys import url_key
from cairn.domain.kinds import ItemKind

BATCH = 5000
_SQLITE_EXTRAS = (
    "DROP TRIGGER IF EXISTS items_fts_ai",
    "DROP INDEX IF EXISTS ix_items_created",
    "DROP INDEX IF EXISTS ix_items_folder_created",
    "DROP INDEX IF EXISTS ix_items_folder_title",
    "DROP INDEX IF EXISTS ix_items_integration",
    "DROP INDEX IF EXISTS ix_items_title",
    "DROP INDEX IF EXISTS ix_items_search_title",
    "DROP INDEX IF EXISTS ix_items_kind_title",
)
_POSTGRESQL_EXTRAS = (
    "DROP INDEX IF EXISTS ix_items_created",
    "DROP INDEX IF EXISTS ix_items_folder_created",
    "DROP INDEX IF EXISTS ix_items_folder_title",
    "DROP INDEX IF EXISTS ix_items_integration",
    "DROP INDEX IF EXISTS ix_items_title",
    "DROP INDEX IF EXISTS ix_items_kind_title",
    *(f"DROP INDEX IF EXISTS {search_trigram_index(kind)}" for kind in ItemKind),
    "DROP INDEX IF EXISTS ix_items_long_text",
    "ALTER TABLE items DROP COLUMN IF EXISTS search_text",  # generated, computed on every insert
)


@dataclass(frozen=True)
class Ceiling:
    dialect: str
    schema: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def measure(
    dialect: str, url: str, rows: int, *, unique_index_only: bool, converted: bool = False, plain: bool = False
) -> Ceiling:
    """Insert ``rows`` generated item rows into the migrated, empty database at ``url``; time the inserts only.
    ``plain``: no secondary index at all, converted rows appended straight into ``items``."""
    from cairn.db.database import Database
    from cairn.db.migrate import upgrade

    database = Database(url)
    upgrade(database)
    with database.write() as conn:
        folder_id = _folder(conn)
        for statement in (_SQLITE_EXTRAS if dialect == "sqlite" else _POSTGRESQL_EXTRAS) if unique_index_only else ():
            conn.exec_driver_sql(statement)
        if plain:
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_items_folder_url")
    seconds = 0.0
    for start in range(0, rows, BATCH):  # a batch is built (and converted) off the clock, just before its insert
        batch = _rows(folder_id, start, min(BATCH, rows - start))
        if plain:
            seconds += _timed_plain(database, batch)
        else:
            seconds += _timed_converted(database, batch) if converted else _timed(database, batch)
    database.dispose()
    if plain:
        return Ceiling(dialect, "plain append, no secondary index", rows, seconds)
    schema = "unique index only" if unique_index_only else "full"
    return Ceiling(dialect, f"{schema}, values converted beforehand" if converted else schema, rows, seconds)


def _timed(database: Any, batch: list[dict[str, Any]]) -> float:
    from cairn.db.repositories._bulk import insert_items

    started = time.perf_counter()
    with database.write() as conn:
        insert_items(conn, batch, skip_conflicts=True)
    return time.perf_counter() - started


def _timed_converted(database: Any, batch: list[dict[str, Any]]) -> float:
    """The insert statements alone, on values converted to what the driver takes before the clock starts."""
    from cairn.db.repositories import _bulk

    names = list(batch[0])
    with database.write() as conn:
        converted = list(_bulk._bound_values(conn, names, [[r[n] for n in names] for r in batch]))
    started = time.perf_counter()
    with database.write() as conn:
        if conn.dialect.name == "sqlite":  # no trigger left: a plain executemany is SQLite's fastest insert
            _direct_executemany(conn, names, converted)
        else:
            stage = _bulk._ensure_stage(conn, names)
            _bulk._fill_stage(conn, stage, names, iter(converted))
            _bulk._move_stage(conn, stage, names, skip_conflicts=True)
    return time.perf_counter() - started


def _timed_plain(database: Any, batch: list[dict[str, Any]]) -> float:
    """Converted rows appended straight into ``items`` (no stage): ``executemany`` / ``COPY``."""
    from cairn.db.repositories import _bulk

    names = list(batch[0])
    with database.write() as conn:
        values = [[r[n] for n in names] for r in batch]
        converted = [row[:-1] for row in _bulk._bound_values(conn, names, values)]
    started = time.perf_counter()
    with database.write() as conn:
        if conn.dialect.name == "sqlite":
            marks = ", ".join("?" * len(names))
            conn.exec_driver_sql(f"INSERT INTO items ({', '.join(names)}) VALUES ({marks})", converted)
        else:
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor, cursor.copy(f"COPY items ({', '.join(names)}) FROM STDIN") as copy:
                for row in converted:
                    copy.write_row(row)
    return time.perf_counter() - started


def _direct_executemany(conn: sa.Connection, names: list[str], converted: list[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" * len(names))
    statement = f"INSERT INTO items ({', '.join(names)}) VALUES ({marks}) ON CONFLICT DO NOTHING"
    conn.exec_driver_sql(statement, [row[:-1] for row in converted])  # without the stage's order column


def _folder(conn: sa.Connection) -> int:
    from cairn.db.schema import folders

    stamp = datetime.now(UTC)
    values = {"name": "ceiling", "client_metadata": {}, "path": "/", "created_at": stamp, "edited_at": stamp}
    folder_id = int(conn.execute(folders.insert().values(**values).returning(folders.c.id)).scalar_one())
    conn.execute(folders.update().where(folders.c.id == folder_id).values(path=f"/{folder_id}/"))
    return folder_id


def _rows(folder_id: int, start: int, count: int) -> list[dict[str, Any]]:
    """Rows shaped as registration writes them for the benchmark manifest (an image with supplied metadata)."""
    stamp = datetime.now(UTC)
    rows = []
    for number in range(start, start + count):
        url = f"s3://cairn-bench/data/{number // 1000:04d}/{number:07d}.jpg"
        rows.append(
            {
                "folder_id": folder_id,
                "kind": "image",
                "title": f"item {number}",
                "status": "ready",
                "object_url": url,
                "url_key": url_key(url),
                "copy_no": 0,
                "file_size": 100_000 + number,
                "mime_type": "image/jpeg",
                "width": 640,
                "height": 480,
                "client_metadata": {"split": "train", "batch": number // 1000, "tags": ["bench", f"t{number % 7}"]},
                "created_at": stamp,
                "edited_at": stamp,
            }
        )
    return rows
