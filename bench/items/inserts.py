"""The insert comparison: ``ItemRepository.insert_many`` against a plain multi-row insert without RETURNING.

Both insert the same rows into fresh, migrated databases of the same dialect (search index and triggers included),
so their ratio shows what the id-returning write path costs on that dialect.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from bench.databases import throwaway_database
from bench.items.data import CHUNK, rows_for
from cairn.db import migrate
from cairn.db.repositories import Repos
from cairn.db.schema import items
from cairn.services.registry import Registry
from cairn.settings import Settings


@dataclass
class InsertComparison:
    items: int
    insert_many_rate: float  # items/s
    plain_rate: float  # items/s


def compare(dialect: str, *, count: int, seed: int, data_dir: Path) -> InsertComparison:
    rates = []
    for insert in (_insert_many, _plain_insert):
        with throwaway_database(dialect) as url, Registry(Settings(data_dir=data_dir, database_url=url)) as registry:
            migrate.upgrade(registry.db)
            rows = rows_for(registry, count=count, rng=random.Random(seed))
            rates.append(_rate(registry, rows, insert))
    return InsertComparison(count, *rates)


def _rate(
    registry: Registry, rows: list[dict[str, Any]], insert: Callable[[Connection, list[dict[str, Any]]], None]
) -> float:
    began = time.perf_counter()
    for start in range(0, len(rows), CHUNK):
        with registry.db.write() as conn:
            insert(conn, rows[start : start + CHUNK])
    return len(rows) / (time.perf_counter() - began)


def _insert_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
    Repos(conn).items.insert_many(rows)


def _plain_insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(items.insert(), rows)  # executemany: no ids come back
