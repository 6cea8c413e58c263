"""The floor of registration's commit: the most any Python registration could reach with the indexes the product
needs. In the same run, rounds interleaved (a change of load weighs on all alike), each in a fresh database:

* cairn's writer (``_bulk.insert_items``) into the full schema as migrated (what registration does today);
* the floor's variants (``registration_ceiling.FLOORS``: the needed indexes only, values converted off the clock,
  the database's fastest bulk path, the search index kept the cheapest correct way);
* the plain append (no secondary index), which issue 15's ratio is taken against.

Medians are reported, and each one as a share of the plain append's.

    python -m bench.registration_floor --rows 100000 --databases sqlite,postgresql --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable

from bench.databases import throwaway_database
from bench.registration_ceiling import FLOORS, measure, measure_floor
from bench.registration_indexes import writer_seconds

WRITER = "cairn's writer, full schema"
PLAIN = "plain append, no secondary index"


def _measures(dialect: str, rows: int) -> dict[str, Callable[[], float]]:
    """Each variant's rate (rows/s) for ``rows`` rows, in a fresh database."""

    def floor(variant: str) -> Callable[[], float]:
        def run() -> float:
            with throwaway_database(dialect) as url:
                return measure_floor(dialect, url, rows, variant).rate

        return run

    def plain() -> float:
        with throwaway_database(dialect) as url:
            return measure(dialect, url, rows, unique_index_only=True, converted=True, plain=True).rate

    return {
        WRITER: lambda: rows / writer_seconds(dialect, rows),
        **{variant: floor(variant) for variant in FLOORS[dialect]},
        PLAIN: plain,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.registration_floor", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated substrings: run only the variants naming one")
    args = parser.parse_args(argv)
    lines = [
        "| database | rows | variant | rows/s (median) | runs | of the plain append |",
        "|---|---:|---|---:|---|---:|",
    ]
    for dialect in args.databases.split(","):
        measures = _measures(dialect, args.rows)
        if args.only:
            wanted = args.only.split(",")
            measures = {k: v for k, v in measures.items() if k == PLAIN or any(w in k for w in wanted)}
        rates: dict[str, list[float]] = {name: [] for name in measures}
        for _ in range(args.rounds):
            for name, run in measures.items():
                rates[name].append(run())
                print(f"{dialect} {name}: {rates[name][-1]:,.0f} rows/s", file=sys.stderr, flush=True)
        plain = statistics.median(rates[PLAIN])
        for name, found in rates.items():
            rate = statistics.median(found)
            runs = " / ".join(f"{r:,.0f}" for r in found)
            lines.append(f"| {dialect} | {args.rows:,} | {name} | {rate:,.0f} | {runs} | {rate / plain:.2f} |")
    print("\n".join(lines))
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
