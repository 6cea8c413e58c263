"""The benchmark's data directory: a SQLite database of the items benchmark's population (1,000,000 items in
1,000 folders, one of them a tenth of all), built once and kept (``--keep``) to be measured again (``--reuse``)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.items.data import Population, existing, populate
from cairn.db import migrate
from cairn.services.registry import Registry
from cairn.settings import Settings


@contextmanager
def data_dir(*, items: int, seed: int, keep: bool, reuse: Path | None) -> Iterator[tuple[Path, Population]]:
    """A data directory whose database holds the population; made (and removed unless ``keep``) or reused."""
    if reuse is not None:
        if not (reuse / "cairn.db").is_file():
            raise SystemExit(f"--reuse {reuse}: no cairn.db there (made by an earlier run with --keep)")
        with _registry(reuse) as registry:
            migrate.upgrade(registry.db)  # the code measured may bring a migration the kept database lacks
            yield reuse, existing(registry, seed=seed)
        return
    directory = Path(tempfile.mkdtemp(prefix="cairn-bench-ui-"))
    try:
        with _registry(directory) as registry:
            migrate.upgrade(registry.db)
            print(f"ui benchmark: populating {items:,} items in {directory}", flush=True)
            began = time.perf_counter()
            population = populate(registry, items=items, seed=seed)
            print(f"  populated in {time.perf_counter() - began:.0f} s", flush=True)
        yield directory, population
    finally:
        if keep:
            print(f"kept {directory} (measure it again with --reuse {directory})", flush=True)
        else:
            shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _registry(directory: Path) -> Iterator[Registry]:
    registry = Registry(Settings(data_dir=directory))
    try:
        yield registry
    finally:
        registry.close()
