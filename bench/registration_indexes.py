"""What each index of ``items`` costs registration's commit: the ceiling's rows inserted through registration's
writer (``_bulk.insert_items``: stage, then one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per 5,000 rows),
into the full schema, then into the full schema without one index (or the search index's trigger) at a time, and
into the unique index alone. Each schema in a fresh database; rounds interleave the schemas so that a change of load
weighs on all of them alike; medians are reported.

    python -m bench.registration_indexes --rows 50000 --databases sqlite,postgresql --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench.databases import throwaway_database
from bench.registration_ceiling import _POSTGRESQL_EXTRAS, _SQLITE_EXTRAS, BATCH, _folder, _rows


def _variants(dialect: str) -> dict[str, tuple[str, ...]]:
    extras = _SQLITE_EXTRAS if dialect == "sqlite" else _POSTGRESQL_EXTRAS
    found: dict[str, tuple[str, ...]] = {"full schema": ()}
    for statement in extras:
        found[f"without {statement.split()[-1]}"] = (statement,)
    found["unique index only"] = extras
    return found


def writer_seconds(dialect: str, rows: int, drops: tuple[str, ...] = ()) -> float:
    """Seconds registration's writer takes to commit ``rows`` of the ceiling's rows in batches of ``BATCH`` (one
    transaction each), into a fresh database whose schema lost the indexes ``drops`` removes."""
    from cairn.db.database import Database
    from cairn.db.migrate import upgrade
    from cairn.db.repositories._bulk import insert_items

    with throwaway_database(dialect) as url:
        database = Database(url)
        upgrade(database)
        with database.write() as conn:
            folder_id = _folder(conn)
            for statement in drops:
                conn.exec_driver_sql(statement)
        seconds = 0.0
        for start in range(0, rows, BATCH):
            batch = _rows(folder_id, start, min(BATCH, rows - start))
            started = time.perf_counter()
            with database.write() as conn:
                insert_items(conn, batch, skip_conflicts=True)
            seconds += time.perf_counter() - started
        database.dispose()
    return seconds


def _rate(dialect: str, rows: int, drops: tuple[str, ...]) -> float:
    return rows / writer_seconds(dialect, rows, drops)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.registration_indexes", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print("| database | schema | rows/s (median) | of the full schema's time |\n|---|---|---:|---:|")
    for dialect in args.databases.split(","):
        variants = _variants(dialect)
        rates: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, drops in variants.items():
                rates[name].append(_rate(dialect, args.rows, drops))
                print(f"{dialect} {name}: {rates[name][-1]:,.0f} rows/s", file=sys.stderr)
        full = statistics.median(rates["full schema"])
        for name, found in rates.items():
            rate = statistics.median(found)
            print(f"| {dialect} | {name} | {rate:,.0f} | {full / rate:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
