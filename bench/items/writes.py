"""Writes during the measurement: another process changes items at a steady rate (renames, moves, new items), as a
live registry sees, so that the search figures are those of a database that never settles.

``python -m bench items --writes-per-second 50`` runs it beside every scenario; the report says the rate reached.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cairn.domain.kinds import ItemKind
from cairn.services.items import NewItem

SAMPLED_IDS = 20_000  # items the writer picks from
TICKS_PER_SECOND = 10


@contextmanager
def writes(url: str, *, per_second: float, seed: int) -> Iterator[dict[str, float]]:
    """Run the writer while the block runs (nothing if ``per_second`` is 0); yields what it did once it stopped:
    ``changes`` and ``seconds``."""
    done: dict[str, float] = {}
    if per_second <= 0:
        yield done
        return
    context = multiprocessing.get_context("spawn")
    stop, changes = context.Event(), context.Value("l", 0)
    process = context.Process(target=_write, args=(url, per_second, seed, stop, changes), daemon=True)
    began = time.perf_counter()
    process.start()
    try:
        yield done
    finally:
        stop.set()
        process.join(timeout=30)
        done.update(changes=float(changes.value), seconds=time.perf_counter() - began)
        print(f"  writes: {changes.value:,} changes in {done['seconds']:.0f} s", flush=True)


def _write(url: str, per_second: float, seed: int, stop: Any, changes: Any) -> None:
    from cairn.services.registry import Registry
    from cairn.settings import Settings

    rng = random.Random(seed)
    parent = os.getppid()  # the benchmark: if it dies without stopping the writer, the writer stops too
    with tempfile.TemporaryDirectory(prefix="cairn-bench-writes-") as data_dir:
        registry = Registry(Settings(data_dir=Path(data_dir), database_url=url))
        admin = registry.users.ensure_local_admin()[0]
        with registry.db.read() as conn:
            ids = list(conn.execute(sa.text(f"SELECT id FROM items ORDER BY random() LIMIT {SAMPLED_IDS}")).scalars())
            dated = sa.text("SELECT id FROM folders WHERE parent_id IS NOT NULL AND description <> ''")
            leaves = list(conn.execute(dated).scalars())
        per_tick, tick = per_second / TICKS_PER_SECOND, 1 / TICKS_PER_SECOND
        owed, next_tick = 0.0, time.monotonic()
        while not stop.is_set() and os.getppid() == parent:
            owed += per_tick
            while owed >= 1:
                owed -= 1
                _change(registry, admin, rng, ids, leaves)
                changes.value += 1
            next_tick += tick
            time.sleep(max(0.0, next_tick - time.monotonic()))
        registry.close()


def _change(registry: Any, admin: Any, rng: random.Random, ids: list[int], leaves: list[int]) -> None:
    """One change: a rename, a move or a new item, in turn at random (a refused one, say a move onto a URL the
    folder holds, counts as made: it was tried)."""
    from cairn.errors import CairnError

    try:
        _one_change(registry, admin, rng, ids, leaves)
    except CairnError as err:
        print(f"  writes: {err}", flush=True)


def _one_change(registry: Any, admin: Any, rng: random.Random, ids: list[int], leaves: list[int]) -> None:
    what = rng.choice(("rename", "move", "new"))
    # random first: a selective term is drawn around a title's first 6 digits or 8 hex characters (the time's
    # leading digits are shared by every change of a run); the time keeps it new on every run against a kept database
    stamp = f"{rng.randbytes(4).hex()}_{time.time_ns()}"
    if what == "rename":
        registry.items.update(actor=admin, item_id=rng.choice(ids), title=f"cam{rng.randint(0, 8)}_renamed_{stamp}.jpg")
    elif what == "move":
        registry.items.move(actor=admin, item_ids=[rng.choice(ids)], target_folder_id=rng.choice(leaves))
    else:
        title = f"cam{rng.randint(0, 8)}_new_{stamp}_frame.jpg"
        new = NewItem(kind=ItemKind.IMAGE, title=title, object_url=f"s3://acme-raw-00/new/{title}")
        ids.append(registry.items.add(actor=admin, folder_id=rng.choice(leaves), items=[new])[0].id)
