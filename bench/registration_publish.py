"""Whether a strict registration could commit while its manifest is still being scanned, by staging its rows where
nobody sees them and publishing them in one statement at the end: what that publishing statement costs.

The registration benchmark's rows (``bench.registration_ceiling``), into a freshly migrated database, two ways:

* ``chunked``: registration's writer as it is (``_bulk.insert_items``: a temporary stage, then one
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` into ``items`` per 5,000 rows, one transaction per 5,000 rows);
* ``staged``: the same rows converted and appended to an ordinary table with no index (5,000 rows a transaction:
  the part that could overlap the scan), then ONE ``INSERT INTO items ... SELECT`` of them all in one transaction
  (the publishing, which could not), then the staged rows deleted.

If publishing costs about what ``chunked`` costs, the indexes' work is in it, and staging only hides the filling.

    python -m bench.registration_publish --rows 1000000 --databases sqlite,postgresql --rounds 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from bench.databases import throwaway_database
from bench.registration_ceiling import BATCH, _folder, _rows
from bench.registration_indexes import writer_seconds

_STAGED = "bench_staged_items"


def _staged(dialect: str, rows: int) -> tuple[float, float, float]:
    """(filling the unindexed table, publishing into items, deleting the staged rows), in seconds."""
    from cairn.db.database import Database
    from cairn.db.migrate import upgrade
    from cairn.db.repositories import _bulk

    with throwaway_database(dialect) as url:
        database = Database(url)
        upgrade(database)
        with database.write() as conn:
            folder_id = _folder(conn)
        names = list(_rows(folder_id, 0, 1)[0])
        columns = ", ".join(names)
        empty = "WHERE false" if dialect == "sqlite" else "WITH NO DATA"
        with database.write() as conn:
            conn.exec_driver_sql(f"CREATE TABLE {_STAGED} AS SELECT {columns}, 0 AS seq FROM items {empty}")
        fill = 0.0
        for start in range(0, rows, BATCH):
            batch = _rows(folder_id, start, min(BATCH, rows - start))
            started = time.perf_counter()
            with database.write() as conn:
                values = [[row[name] for name in names] for row in batch]
                converted = [(*row[:-1], start + row[-1]) for row in _bulk._bound_values(conn, names, values)]
                _append(conn, dialect, [*names, "seq"], converted)
            fill += time.perf_counter() - started
        started = time.perf_counter()
        with database.write() as conn:
            conn.exec_driver_sql(
                f"INSERT INTO items ({columns}) SELECT {columns} FROM {_STAGED} WHERE true "
                "ORDER BY seq ON CONFLICT (folder_id, url_key, copy_no) DO NOTHING"
            )
        publish = time.perf_counter() - started
        started = time.perf_counter()
        with database.write() as conn:
            conn.exec_driver_sql(f"DELETE FROM {_STAGED}")
        delete = time.perf_counter() - started
        with database.read() as conn:
            count = conn.exec_driver_sql("SELECT count(*) FROM items").scalar_one()
        assert count == rows, f"{count} rows published, {rows} expected"
        database.dispose()
    return fill, publish, delete


def _append(conn: Any, dialect: str, names: list[str], converted: list[tuple[Any, ...]]) -> None:
    if dialect == "sqlite":
        marks = ", ".join("?" * len(names))
        conn.exec_driver_sql(f"INSERT INTO {_STAGED} ({', '.join(names)}) VALUES ({marks})", converted)
        return
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {_STAGED} ({', '.join(names)}) FROM STDIN") as copy:
        for row in converted:
            copy.write_row(row)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.registration_publish", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    print(
        "| database | rows | chunked s | staged: fill s | staged: publish s | staged: delete s | publish / chunked |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )
    for dialect in args.databases.split(","):
        chunked: list[float] = []
        staged: list[tuple[float, float, float]] = []
        for _ in range(args.rounds):  # interleaved, so that a change of load weighs on both
            chunked.append(writer_seconds(dialect, args.rows))
            print(f"{dialect} chunked: {chunked[-1]:.1f} s", file=sys.stderr)
            staged.append(_staged(dialect, args.rows))
            print(f"{dialect} staged (fill, publish, delete): {staged[-1]}", file=sys.stderr)
        whole = statistics.median(chunked)
        fill, publish, delete = (statistics.median(part) for part in zip(*staged, strict=True))
        print(
            f"| {dialect} | {args.rows:,} | {whole:.1f} | {fill:.1f} | {publish:.1f} | {delete:.1f} "
            f"| {publish / whole:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
