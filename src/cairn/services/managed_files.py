"""Managed storage's files (uploads) leave with their items.

Every way an item goes (deleting it, a composite with its members, a folder with its subtree) records the item's
key in ``repos.released_files`` in the transaction that deletes it; once that transaction has committed,
:meth:`ManagedFileService.remove` unlinks the files (``Service._write``). Crash-safe without more bookkeeping: a
process that dies between the commit and the unlink leaves files no item references, and :meth:`sweep` (run on
start and then every hour by ``cairn serve`` and ``cairn worker``) removes every such file older than
:data:`SWEEP_GRACE`. The grace keeps the sweep away from an upload in flight, whose file is stored before its items
are committed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
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
        """Remove managed files older than ``grace`` that no item references; returns how many were removed."""
        uploads = self._root / UPLOADS
        if not uploads.is_dir():
            return 0
        cutoff = time.time() - grace.total_seconds()
        removed = 0
        batch: list[str] = []
        for key in _old_files(self._root, uploads, cutoff):
            batch.append(key)
            if len(batch) == _BATCH:
                removed += self._remove_orphans(batch)
                batch = []
        return removed + self._remove_orphans(batch)

    def _remove_orphans(self, keys: list[str]) -> int:
        if not keys:
            return 0
        with self._read() as repos:
            referenced = repos.items.referenced_managed_keys(keys)
        orphans = [key for key in keys if key not in referenced]
        if orphans:
            log.info("removing %d managed file(s) no item references", len(orphans))
            self.remove(orphans)
        return len(orphans)


def thumbnail_key(item_id: int) -> str:
    """Where an item's cached thumbnail is kept in managed storage (one file per item, whatever its version)."""
    return f"{THUMBNAILS}/{item_id}.webp"


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
    """Remove ``directory`` and its parents while they are empty, up to (not including) ``uploads/``."""
    keep = {stop, stop / UPLOADS}
    while directory not in keep and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:  # not empty (another file), or already gone
            return
        directory = directory.parent
