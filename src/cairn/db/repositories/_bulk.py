"""Bulk inserts into ``items``: rows go to a temporary staging table, then into ``items`` in ONE statement.

Why a staging table:

* **SQLite**: the FTS5 trigram index is kept by a row trigger. Inside a transaction each statement that fires it
  opens a statement savepoint, and FTS5 flushes its pending terms at every savepoint: one ``executemany`` row per
  statement meant one tiny index segment per item. One ``INSERT ... SELECT`` from the stage fires the same trigger
  under a single savepoint, so FTS5 flushes once per batch, the trigger and the index unchanged. The stage has no
  index, no constraint and no trigger, so filling it is cheap.
* **PostgreSQL**: ``COPY`` fills the stage (no statement to parse, no parameter per cell), then one
  ``INSERT ... SELECT`` applies the unique index, the trigram indexes and ``ON CONFLICT``.

Values are converted once per column with the column type's own bind processor (the same conversion SQLAlchemy
applies to an ``items.insert()``), so what is stored is identical whichever path wrote it.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from cairn.db.schema import items

ITEM_KEY = ("folder_id", "url_key", "copy_no")
_STAGE_PREFIX = "cairn_item_stage_"
_ORDER = "stage_seq"
_BATCH = 5000
_Processor = Callable[[Any], Any] | None
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)


def insert_items(
    conn: sa.Connection, rows: Sequence[dict[str, Any]], *, skip_conflicts: bool
) -> list[tuple[str | None, int]]:
    """Insert ``rows`` (every row with the same keys, all real columns of ``items``) in input order.

    With ``skip_conflicts``, rows the unique index ``(folder_id, url_key, copy_no)`` refuses are left out
    (``ON CONFLICT DO NOTHING``); otherwise a conflict raises ``IntegrityError``. Returns ``(url_key, id)`` of
    every row inserted, in input order.
    """
    if not rows:
        return []
    names = list(rows[0])
    return insert_item_values(
        conn, names, [[row[name] for name in names] for row in rows], skip_conflicts=skip_conflicts
    )


def insert_item_values(
    conn: sa.Connection, names: Sequence[str], rows: Sequence[Sequence[Any]], *, skip_conflicts: bool
) -> list[tuple[str | None, int]]:
    """``insert_items`` for rows given as values in the order of ``names`` (registration's compact rows)."""
    if not rows:
        return []
    unknown = [name for name in names if name not in items.c]
    if unknown:
        raise KeyError(f"not columns of items: {unknown}")
    stage = _ensure_stage(conn, names)
    added: list[tuple[str | None, int]] = []
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        _fill_stage(conn, stage, names, _bound_values(conn, names, batch))
        added += _move_stage(conn, stage, names, skip_conflicts=skip_conflicts)
    return added


def _stage_name(names: Sequence[str]) -> str:
    """One stage per column list, made with exactly those columns (so a stage never outlives a schema change of
    ``items`` with the wrong columns: a changed list is a new name)."""
    return _STAGE_PREFIX + hashlib.sha1(",".join(names).encode(), usedforsecurity=False).hexdigest()[:12]


def _ensure_stage(conn: sa.Connection, names: Sequence[str]) -> str:
    """A session-private table with these columns of ``items`` and an order column; no index, no constraint."""
    columns = ", ".join(names)
    empty = "WHERE false" if conn.dialect.name == "sqlite" else "WITH NO DATA"
    stage = _stage_name(names)
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {columns}, 0 AS {_ORDER} FROM items {empty}"  # noqa: S608
    )
    return stage


def _bound_values(
    conn: sa.Connection, names: Sequence[str], batch: Sequence[Sequence[Any]]
) -> Iterator[tuple[Any, ...]]:
    """Each row as the tuple of DBAPI values its column types produce, then its position in the batch.

    Processors are looked up once, and a value that needs converting and that every row shares (a time stamp) is
    converted once.
    """
    processors = [_processor(conn, name) for name in names]
    processors = [
        _faster_json(conn, processor) if name in _JSON_COLUMNS else processor
        for name, processor in zip(names, processors, strict=True)
    ]
    shared = {
        i: processor(batch[0][i])
        for i, processor in enumerate(processors)
        if processor is not None and _is_shared(batch, i)
    }
    converting = [(i, processor) for i, processor in enumerate(processors) if processor is not None]
    for seq, row in enumerate(batch):
        values = list(row)
        for i, processor in converting:
            values[i] = shared[i] if i in shared else processor(values[i])
        values.append(seq)
        yield tuple(values)


def _processor(conn: sa.Connection, name: str) -> _Processor:
    column_type = items.c[name].type
    processor: _Processor = column_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return processor


_JSON_COLUMNS = frozenset(column.name for column in items.c if isinstance(column.type, sa.JSON))


def _faster_json(conn: sa.Connection, processor: _Processor) -> _Processor:
    """The bind processor of a JSON column, for a dict: its ``json.dumps`` text from one C encoder made for the
    batch, instead of one made per value (most of ``json.dumps``'s cost for a small object).

    SQLite stores the text ``json.dumps`` gives (SQLAlchemy's default serializer): this is the same text.
    PostgreSQL's rows go through ``COPY`` (``_fill_stage``), which takes a ``jsonb`` value as text and parses it:
    the text psycopg's ``Jsonb`` would have made (``json.dumps`` too). Anything but a dict, or an engine given
    another serializer, goes through ``processor`` as it is."""
    if processor is None or _c_make_encoder is None or getattr(conn.dialect, "_json_serializer", None) is not None:
        return processor
    if conn.dialect.name == "sqlite":
        cells = [cell.cell_contents for cell in processor.__closure__ or ()]
        if json.dumps not in cells:  # not the serializer this reproduces: leave it
            return processor
    elif conn.dialect.name != "postgresql":
        return processor
    # json.dumps's defaults (ensure_ascii, ", " and ": ", no sorting, NaN allowed), with its circular check: a fresh
    # marker table per batch (an error ends the batch, so one left dirty by it is never reused)
    encoder = json.JSONEncoder()
    encode = _c_make_encoder(
        {}, encoder.default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    original = processor

    def process(value: Any) -> Any:
        if type(value) is dict:
            return "".join(encode(value, 0))
        return original(value)

    return process


def _is_shared(batch: Sequence[Sequence[Any]], i: int) -> bool:
    """Whether every row holds the very same object (a stamp, a folder id): converted once for the batch."""
    value = batch[0][i]
    return all(row[i] is value for row in batch)


def _fill_stage(conn: sa.Connection, stage: str, names: Sequence[str], values: Iterator[tuple[Any, ...]]) -> None:
    columns = ", ".join([*names, _ORDER])
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * (len(names) + 1))
        conn.exec_driver_sql(f"INSERT INTO temp.{stage} ({columns}) VALUES ({marks})", list(values))  # noqa: S608
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def _move_stage(
    conn: sa.Connection, stage: str, names: Sequence[str], *, skip_conflicts: bool
) -> list[tuple[str | None, int]]:
    """One ``INSERT ... SELECT`` from the stage into ``items``, in stage order; then empty the stage."""
    columns = ", ".join(names)
    conflict = f" ON CONFLICT ({', '.join(ITEM_KEY)}) DO NOTHING" if skip_conflicts else ""
    # "WHERE true": SQLite needs it to tell the upsert's ON CONFLICT from a join constraint.
    # Identifiers come from the items table itself; values went through the stage.
    statement = (
        f"INSERT INTO items ({columns}) SELECT {columns} FROM {stage} WHERE true "  # noqa: S608
        f"ORDER BY {_ORDER}{conflict} RETURNING url_key, id"
    )
    added = [(row[0], int(row[1])) for row in conn.exec_driver_sql(statement)]
    conn.exec_driver_sql(f"DELETE FROM {stage}")  # noqa: S608
    return sorted(added, key=lambda pair: pair[1])
