"""Managed storage's files (uploads, cached thumbnails) leave with their items.

Every way an item goes (deleting it, a composite with its members, a folder with its subtree) records the item's
key and its thumbnail's key (:func:`thumbnail_key`) in ``repos.released_files`` in the transaction that deletes it;
once that transaction has committed, :meth:`ManagedFileService.remove` unlinks the files (``Service._write``).
Crash-safe without more bookkeeping: a process that dies between the commit and the unlink leaves files no item
references, and :meth:`sweep` (run on start and then every hour by ``cairn serve`` and ``cairn worker``) removes
every such file older than :data:`SWEEP_GRACE`. The grace keeps the sweep away from an upload in flight, whose file
is stored before its items are committed. Thumbnails are swept when their item no longer exists.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path

from cairn.db.database import Database
from cairn.services._base import Service
from cairn.settings import Settings

log = logging.getLogger("cairn.managed_files")

SWEEP_GRACE = timedelta(hours=24)
"""How old an unreferenced file must be before the sweep removes it (an upload in flight is younger)."""
UPLOADS = "uploads"
THUMBNAILS = "thumbnails"
_BATCH = 500


class ManagedFileService(Service):
    def __init__(self, db: Database, *, settings: Settings) -> None:
        super().__init__(db)
        self._root = settings.managed_storage_dir

    def remove(self, keys: Sequence[str]) -> None:
        """Unlink the files of deleted items (and their directories, once empty)."""
        remove_managed_files(self._root, keys)

    def sweep(self, *, grace: timedelta = SWEEP_GRACE) -> int:
        """Remove managed files older than ``grace`` that no item references (uploads; thumbnails of items that
        are gone, and partial ones); returns how many were removed."""
        cutoff = time.time() - grace.total_seconds()
        removed = self._remove_dead_partials()
        for directory, find_orphans in ((UPLOADS, self._unreferenced), (THUMBNAILS, self._orphan_thumbnails)):
            if (self._root / directory).is_dir():
                removed += self._sweep(_old_files(self._root, self._root / directory, cutoff), find_orphans)
        return removed

    def _remove_dead_partials(self) -> int:
        """Partial thumbnails (``.<id>.webp.<pid>-<nonce>.partial``) of processes that are gone (a job killed while
        writing one), whatever their age: never seen by a reader, and of no use to anyone."""
        directory = self._root / THUMBNAILS
        dead = [p for p in directory.glob(".*.partial") if _writer_is_gone(p.name)] if directory.is_dir() else []
        for path in dead:
            path.unlink(missing_ok=True)
        return len(dead)

    def _sweep(self, keys: Iterator[str], find_orphans: Callable[[list[str]], list[str]]) -> int:
        removed = 0
        for batch in _batches(keys):
            orphans = find_orphans(batch)
            if orphans:
                log.info("removing %d managed file(s) no item references", len(orphans))
                self.remove(orphans)
            removed += len(orphans)
        return removed

    def _unreferenced(self, keys: list[str]) -> list[str]:
        with self._read() as repos:
            referenced = repos.items.referenced_managed_keys(keys)
        return [key for key in keys if key not in referenced]

    def _orphan_thumbnails(self, keys: list[str]) -> list[str]:
        """Thumbnails whose item no longer exists, and anything else there (a partial file of a make that died)."""
        owners = {key: _thumbnail_owner(key) for key in keys}
        with self._read() as repos:
            alive = {item.id for item in repos.items.get_many([i for i in owners.values() if i is not None])}
        return [key for key, owner in owners.items() if owner not in alive]


def thumbnail_key(item_id: int) -> str:
    """Where an item's cached thumbnail is kept in managed storage (one file per item, whatever its version)."""
    return f"{THUMBNAILS}/{item_id}.webp"


_THUMBNAIL_NAME = re.compile(rf"{THUMBNAILS}/([0-9]+)\.webp")


def _thumbnail_owner(key: str) -> int | None:
    """The id of the item whose thumbnail is at ``key`` (None: not a thumbnail's name)."""
    match = _THUMBNAIL_NAME.fullmatch(key)
    return int(match.group(1)) if match else None


_PARTIAL_NAME = re.compile(r"\.[0-9]+\.webp\.([0-9]+)-[0-9a-f]+\.partial")


def _writer_is_gone(name: str) -> bool:
    """Whether the process that wrote the partial file ``name`` (its pid is in the name) no longer runs."""
    match = _PARTIAL_NAME.fullmatch(name)
    if match is None:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _batches(keys: Iterator[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _old_files(root: Path, under: Path, cutoff: float) -> Iterator[str]:
    """Keys (paths relative to ``root``) of the files under ``under`` last modified before ``cutoff``."""
    for path in under.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                yield path.relative_to(root).as_posix()
        except OSError:  # removed meanwhile
            continue


def remove_managed_files(managed_root: Path, keys: Sequence[str]) -> None:
    """Unlink the files at ``keys`` under ``managed_root`` (and their directories, once empty), never outside it. A
    failure is logged, not raised: what asked for the removal is already settled, and the sweep retries."""
    root = managed_root.resolve()
    for key in keys:
        path = (root / key).resolve()
        if root not in path.parents:
            log.warning("not removing %r: outside managed storage", key)
            continue
        try:
            path.unlink(missing_ok=True)
            _prune_empty_parents(path.parent, stop=root)
        except OSError as exc:
            log.warning("could not remove managed file %r (the sweep will retry): %s", key, exc)


def _prune_empty_parents(directory: Path, *, stop: Path) -> None:
    """Remove ``directory`` and its parents while they are empty, up to (not including) ``uploads/`` and
    ``thumbnails/``."""
    keep = {stop, stop / UPLOADS, stop / THUMBNAILS}
    while directory not in keep and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:  # not empty (another file), or already gone
            return
        directory = directory.parent
