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

The floor (``measure_floor``): the simplest correct design, every index the product reads kept (each has a query
whose plan uses it; SQLite has no ``ix_items_title``, which no plan used), the
values converted off the clock and the database's fastest bulk path: SQLite one plain ``executemany`` straight into
``items`` (``ON CONFLICT DO NOTHING``: the duplicate guard) with FTS5 fed once per batch (``INSERT INTO items_fts
... SELECT ... WHERE id > last`` instead of the per-row trigger); PostgreSQL ``COPY`` straight into ``items`` (the
generated ``search_text`` and the GIN trigram indexes as they are, with their pending lists, or variants of them).
No Python registration with those indexes can insert faster.

The rows' ``url_key`` is cairn's (``cairn.domain.duplicate_keys``), so the unique index sees the keys cairn writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cairn.db.schema import SQLITE_SEARCH_DDL, search_trigram_index
from cairn.domain.duplicate_keys import url_key
from cairn.domain.kinds import ItemKind

BATCH = 5000
_SQLITE_EXTRAS = (
    "DROP TRIGGER IF EXISTS items_fts_ai",
    "DROP INDEX IF EXISTS ix_items_created",
    "DROP INDEX IF EXISTS ix_items_folder_created",
    "DROP INDEX IF EXISTS ix_items_folder_title",
    "DROP INDEX IF EXISTS ix_items_integration",
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


# The floor's variants: name -> statements run on the migrated schema before the rows go in. "stage": the rows go
# through the writer's stage (``_bulk``), converted beforehand; else straight into ``items`` (module docstring).
_NO_SQLITE_TRIGGER = "DROP TRIGGER IF EXISTS items_fts_ai"
# FTS5 without its %_docsize table (one row per item: the token count of each column, read only by ranking
# functions such as bm25, which search does not use); the triggers, on items, stay and feed the new table.
_FTS_WITHOUT_SIZES = (
    "DROP TABLE items_fts",
    *(ddl.replace("tokenize='trigram'", "tokenize='trigram', columnsize=0") for ddl in SQLITE_SEARCH_DDL[:1]),
)
_GIN = tuple(search_trigram_index(kind) for kind in ItemKind)
FLOORS: dict[str, dict[str, tuple[str, ...]]] = {
    "sqlite": {
        "floor: needed indexes, FTS5 fed per batch": (_NO_SQLITE_TRIGGER,),
        "floor: needed indexes, FTS5 by its trigger, stage + INSERT ON CONFLICT": (),
        "floor: needed indexes, FTS5 columnsize=0 fed per batch": (*_FTS_WITHOUT_SIZES, _NO_SQLITE_TRIGGER),
        "floor: needed indexes, FTS5 columnsize=0 by its trigger, stage + INSERT ON CONFLICT": _FTS_WITHOUT_SIZES,
        "floor: needed indexes, no search index": (_NO_SQLITE_TRIGGER, "DROP TABLE items_fts"),
    },
    "postgresql": {
        "floor: needed indexes, COPY (GIN pending lists as migrated)": (),
        "floor: needed indexes, COPY, GIN pending lists 4 MB": tuple(
            f"ALTER INDEX {name} SET (gin_pending_list_limit = 4096)" for name in _GIN
        ),
        "floor: needed indexes, COPY, GIN fastupdate off": tuple(
            f"ALTER INDEX {name} SET (fastupdate = off)" for name in _GIN
        ),
        "floor: needed indexes, stage + INSERT ON CONFLICT": (),
        "floor: no search index (no GIN, no search_text), COPY": (
            *(f"DROP INDEX {name}" for name in _GIN),
            "DROP INDEX ix_items_long_text",
            "DROP INDEX ix_items_title",  # includes search_text: made again without it
            "DROP INDEX ix_items_kind_title",
            "DROP INDEX ix_items_created",
            "ALTER TABLE items DROP COLUMN search_text",
            "CREATE INDEX ix_items_title ON items (title, id) INCLUDE (folder_id, kind, status)",
            "CREATE INDEX ix_items_kind_title ON items (kind, title, id) INCLUDE (folder_id, status)",
            "CREATE INDEX ix_items_created ON items (created_at, id) INCLUDE (folder_id, kind, status)",
        ),
    },
}


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


def measure_floor(dialect: str, url: str, rows: int, variant: str) -> Ceiling:
    """Insert ``rows`` generated item rows into the migrated, empty database at ``url`` changed as ``FLOORS``
    says for ``variant``, by the fastest correct bulk path (module docstring); time the inserts only."""
    from cairn.db.database import Database
    from cairn.db.migrate import upgrade

    database = Database(url)
    upgrade(database)
    with database.write() as conn:
        folder_id = _folder(conn)
        for statement in FLOORS[dialect][variant]:
            conn.exec_driver_sql(statement)
    fts = dialect == "sqlite" and "no search index" not in variant
    staged = "stage" in variant
    seconds = 0.0
    last = 0
    for start in range(0, rows, BATCH):
        batch = _rows(folder_id, start, min(BATCH, rows - start))
        names = list(batch[0])
        with database.write() as conn:
            converted = _bulk_values(conn, names, batch)
            if not staged:
                converted = [row[:-1] for row in converted]  # without the stage's order column
        started = time.perf_counter()
        with database.write() as conn:
            if staged:
                _through_stage(conn, names, converted)
            elif dialect == "sqlite":
                marks = ", ".join("?" * len(names))
                insert = f"INSERT INTO items ({', '.join(names)}) VALUES ({marks}) ON CONFLICT DO NOTHING"
                conn.exec_driver_sql(insert, converted)
                if fts:  # one statement: FTS5 flushes its pending terms once per batch
                    conn.exec_driver_sql(
                        "INSERT INTO items_fts(rowid, title, object_url, kind) "
                        f"SELECT id, title, object_url, kind FROM items WHERE id > {last}"
                    )
                last = int(conn.exec_driver_sql("SELECT max(id) FROM items").scalar_one())
            else:
                _copy(conn, "items", names, converted)
        seconds += time.perf_counter() - started
    database.dispose()
    return Ceiling(dialect, variant, rows, seconds)


def _bulk_values(conn: sa.Connection, names: list[str], batch: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    from cairn.db.repositories import _bulk

    return list(_bulk._bound_values(conn, names, [[r[n] for n in names] for r in batch]))


def _through_stage(conn: sa.Connection, names: list[str], converted: list[tuple[Any, ...]]) -> None:
    """Converted rows into ``items`` as registration's writer moves them: its stage, then one insert."""
    from cairn.db.repositories import _bulk

    stage = _bulk._ensure_stage(conn, names)
    _bulk._fill_stage(conn, stage, names, iter(converted))
    _bulk._move_stage(conn, stage, names, skip_conflicts=True)


def _copy(conn: sa.Connection, table: str, names: list[str], converted: list[tuple[Any, ...]]) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for row in converted:
            copy.write_row(row)


def _timed(database: Any, batch: list[dict[str, Any]]) -> float:
    from cairn.db.repositories._bulk import insert_items

    started = time.perf_counter()
    with database.write() as conn:
        insert_items(conn, batch, skip_conflicts=True)
    return time.perf_counter() - started


def _timed_converted(database: Any, batch: list[dict[str, Any]]) -> float:
    """The insert statements alone, on values converted to what the driver takes before the clock starts."""
    names = list(batch[0])
    with database.write() as conn:
        converted = _bulk_values(conn, names, batch)
    started = time.perf_counter()
    with database.write() as conn:
        if conn.dialect.name == "sqlite":  # no trigger left: a plain executemany is SQLite's fastest insert
            _direct_executemany(conn, names, converted)
        else:
            _through_stage(conn, names, converted)
    return time.perf_counter() - started


def _timed_plain(database: Any, batch: list[dict[str, Any]]) -> float:
    """Converted rows appended straight into ``items`` (no stage): ``executemany`` / ``COPY``."""
    names = list(batch[0])
    with database.write() as conn:
        converted = [row[:-1] for row in _bulk_values(conn, names, batch)]
    started = time.perf_counter()
    with database.write() as conn:
        if conn.dialect.name == "sqlite":
            marks = ", ".join("?" * len(names))
            conn.exec_driver_sql(f"INSERT INTO items ({', '.join(names)}) VALUES ({marks})", converted)
        else:
            _copy(conn, "items", names, converted)
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
