"""What the media-processing job handlers (re-encode, image-sequence videos) share: the lease heartbeat, the cancel
check FFmpeg's runner asks, copying an object to a local file over range reads, and keeping a result in managed
storage until its commit."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain.jobs import JobStatus
from cairn.errors import CairnError
from cairn.private_files import private_dir, tighten
from cairn.services.inspection import Inspected
from cairn.services.managed_files import UPLOADS
from cairn.settings import Settings
from cairn.storage import ObjectStore

__all__ = ["COPY_CHUNK", "Beat", "Prepared", "cancel_check", "copy_object", "keep_result", "scratch_dir"]

COPY_CHUNK = 8 << 20
"""Bytes per range read when copying an object to a temporary file."""
HEARTBEAT_SECONDS = 30.0
CANCEL_POLL_SECONDS = 1.0
"""How often a running FFmpeg asks the database whether its job was cancelled."""


@dataclass
class Prepared:
    """What preparing one unit gave: a result kept in managed storage (``key``) with its inspection, or the error."""

    item_id: int
    title: str = ""
    error: CairnError | None = None
    key: str | None = None
    outcome: Inspected | None = None


@contextmanager
def scratch_dir(settings: Settings, prefix: str) -> Iterator[Path]:
    """A private temporary directory under ``<data_dir>/tmp``, removed whatever happens."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=private_dir(settings.data_dir / "tmp")))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class Beat:
    """Renews the task's lease at most every ``HEARTBEAT_SECONDS`` however often it is called."""

    def __init__(self, heartbeat: Callable[[], None]) -> None:
        self._heartbeat = heartbeat
        self._last = time.monotonic()

    def __call__(self) -> None:
        if time.monotonic() - self._last >= HEARTBEAT_SECONDS:
            self._heartbeat()
            self._last = time.monotonic()


def cancel_check(db: Database, job_id: int, beat: Beat) -> Callable[[], bool]:
    """Asked by FFmpeg's runner ~10 times a second: reads the job's status at most once a second."""
    last = [0.0, False]

    def cancelled() -> bool:
        beat()
        if time.monotonic() - float(last[0]) >= CANCEL_POLL_SECONDS:
            with db.read() as conn:
                job = Repos(conn).jobs.get_job(job_id)
            last[:] = [time.monotonic(), job is None or job.status is JobStatus.CANCELLED]
        return bool(last[1])

    return cancelled


def copy_object(store: ObjectStore, key: str, size: int, target: Path, beat: Beat) -> None:
    """The object's ``size`` bytes into ``target``: a local original linked or copied by the kernel, anything else
    by range reads, the lease renewed as it goes."""
    local = store.local_path(key)
    if local is not None and _link_or_copy(local, target, size):
        return
    with target.open("wb") as out:
        for start in range(0, size, COPY_CHUNK):
            out.write(store.read_range(key, start, min(start + COPY_CHUNK, size)))
            beat()


def _link_or_copy(source: Path, target: Path, size: int) -> bool:
    """A local original into ``target`` without reading it through Python: a hard link (same file system: no
    byte copied; a file replaced later keeps the linked version), else a kernel copy. False when neither works (the
    caller reads by ranges) or the file is no longer the ``size`` just checked."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        try:
            shutil.copyfile(source, target, follow_symlinks=False)
        except OSError:
            target.unlink(missing_ok=True)
            return False
    if target.stat().st_size != size:
        target.unlink()
        return False
    return True


def keep_result(settings: Settings, result: Path, name: str) -> str:
    """Move a result into managed storage (private) as ``name``; returns its key. Never committed, it is a file no
    item references, which the managed-files sweep removes."""
    key = f"{UPLOADS}/{datetime.now(UTC):%Y/%m}/{uuid.uuid4().hex}/{name}"
    target = settings.managed_storage_dir.resolve() / key
    private_dir(target.parent)
    shutil.move(result, target)
    tighten(target)
    return key
