"""The items benchmark (issue 2): bulk insert, global search and folder pages at 1,000,000 items.

``python -m bench items [--items N] [--dialect sqlite|postgresql ...]`` builds the population in a throwaway
database of each dialect, measures every scenario in ``bench.items.scenarios`` and prints a Markdown report.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.databases import DIALECTS, throwaway_database
from bench.items import report
from bench.items.data import Population, existing, populate
from bench.items.inserts import InsertComparison, compare
from bench.items.scenarios import Budget, Scenarios
from bench.items.writes import writes
from bench.stats import Samples
from cairn.db import migrate
from cairn.services.registry import Registry
from cairn.settings import Settings

TARGETS_MS = {"search": 50.0, "folder page": 20.0}  # p95 targets of issue 2, at 1M items


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=int, default=1_000_000, help="items to insert (default 1,000,000)")
    parser.add_argument("--dialect", action="append", choices=DIALECTS, help="repeatable; default: both")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per scenario (default 200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time budget per scenario (default 20 s)")
    parser.add_argument("--seed", type=int, default=2, help="random seed of data and queries")
    parser.add_argument("--keep", action="store_true", help="keep the databases (to EXPLAIN or --reuse them)")
    parser.add_argument(
        "--compare-inserts",
        type=int,
        default=20_000,
        metavar="N",
        help="also insert N items with insert_many and with a plain executemany into fresh databases (0: skip)",
    )
    parser.add_argument(
        "--writes-per-second",
        type=float,
        default=0,
        metavar="N",
        help="while measuring, another process changes N items per second (renames, moves, new items); default 0",
    )
    parser.add_argument(
        "--reuse",
        action="append",
        metavar="URL",
        help="measure this database, populated by an earlier run with --keep, instead of building one (repeatable)",
    )


def run(args: argparse.Namespace) -> str:
    sections = [report.header(args)]
    if args.reuse:
        sections.extend(_reuse(url, args) for url in args.reuse)
    else:
        sections.extend(_build(dialect, args) for dialect in args.dialect or DIALECTS)
    return "\n".join(sections)


def _build(dialect: str, args: argparse.Namespace) -> str:
    print(f"items benchmark on {dialect}: {args.items:,} items", flush=True)
    with throwaway_database(dialect, keep=args.keep) as url, _registry(url) as registry:
        migrate.upgrade(registry.db)
        began = time.perf_counter()
        population = populate(registry, items=args.items, seed=args.seed)
        load_seconds = time.perf_counter() - began
        analyze_seconds = _analyze(registry)
        print(f"  loaded in {load_seconds:.0f} s, settled in {analyze_seconds:.1f} s (see _analyze)", flush=True)
        results, written = _measure(registry, population, args)
    comparison = _compare_inserts(dialect, args)
    load = (load_seconds, analyze_seconds)
    return report.section(dialect, population, results, TARGETS_MS, load=load, comparison=comparison, writes=written)


def _reuse(url: str, args: argparse.Namespace) -> str:
    with _registry(url) as registry:
        print(f"items benchmark on the {registry.db.dialect} database {registry.db.url!r}", flush=True)
        began = time.perf_counter()
        migrate.upgrade(registry.db)  # the code measured may bring a migration the kept database lacks
        print(f"  migrated in {time.perf_counter() - began:.1f} s", flush=True)
        print(f"  settled in {_analyze(registry):.1f} s (see _analyze)", flush=True)
        population = existing(registry, seed=args.seed)
        results, written = _measure(registry, population, args)
        dialect = registry.db.dialect
    comparison = _compare_inserts(dialect, args)
    return report.section(dialect, population, results, TARGETS_MS, comparison=comparison, writes=written)


def _compare_inserts(dialect: str, args: argparse.Namespace) -> InsertComparison | None:
    if not args.compare_inserts:
        return None
    with tempfile.TemporaryDirectory(prefix="cairn-bench-data-") as data_dir:
        comparison = compare(dialect, count=args.compare_inserts, seed=args.seed, data_dir=Path(data_dir))
    print(f"  inserts: {comparison}", flush=True)
    return comparison


def _measure(
    registry: Registry, population: Population, args: argparse.Namespace
) -> tuple[list[Samples], dict[str, float]]:
    """Every scenario's samples, measured while ``--writes-per-second`` changes go on, and what the writer did."""
    scenarios = Scenarios(registry, population, budget=Budget(args.queries, args.seconds), seed=args.seed)
    url = registry.db.engine.url.render_as_string(hide_password=False)
    with writes(url, per_second=args.writes_per_second, seed=args.seed) as written:
        scenarios.run_search()
        scenarios.run_search_baselines()
        scenarios.run_folder_pages()
    return scenarios.results, written


@contextmanager
def _registry(url: str) -> Iterator[Registry]:
    with tempfile.TemporaryDirectory(prefix="cairn-bench-data-") as data_dir:
        registry = Registry(Settings(data_dir=Path(data_dir), database_url=url))
        try:
            yield registry
        finally:
            registry.close()


def _analyze(registry: Registry) -> float:
    """What the database gets after a bulk load once writes stop, before anything is measured: PostgreSQL is
    vacuumed and analyzed, as autovacuum would a little later (that sets the visibility map and hint bits, so the
    measured reads are those of a settled table). SQLite is left without statistics (no sqlite_stat1), as a cairn
    database is: its plans must not need them."""
    began = time.perf_counter()
    registry.db.vacuum()  # the whole database (nothing on SQLite)
    return time.perf_counter() - began
