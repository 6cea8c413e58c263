"""What the media-processing job handlers (re-encode, image-sequence videos) share: the lease heartbeat, the cancel
check FFmpeg's runner asks, copying an object to a local file over range reads, a private scratch directory (and
removing those of dead processes), and moving a result into managed storage (``ResultObjectService`` places results)."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from cairn.errors import CairnError
from cairn.private_files import private_dir, tighten
from cairn.services._base import Service
from cairn.services.inspection import Inspected
from cairn.services.managed_files import UPLOADS
from cairn.settings import Settings
from cairn.storage import ObjectStore

if TYPE_CHECKING:
    from cairn.db.database import Database
    from cairn.services.integrations import IntegrationService
    from cairn.services.jobs.engine import JobService
    from cairn.services.result_objects import Placed, ResultObjectService

__all__ = [
    "COPY_CHUNK",
    "Beat",
    "Beside",
    "MediaJobService",
    "Prepared",
    "ScratchSpace",
    "cancel_check",
    "copy_object",
    "managed_result_key",
    "move_into_managed",
    "remove_dead_scratch",
    "scratch_dir",
]

COPY_CHUNK = 8 << 20
"""Bytes per range read when copying an object to a temporary file."""
HEARTBEAT_SECONDS = 30.0
CANCEL_POLL_SECONDS = 1.0
"""How often a running FFmpeg asks the database whether its job was cancelled."""


class MediaJobService(Service):
    """What a media job's service (re-encode, sequence videos) is given: settings, integrations (where originals
    are), the job engine, and where results go."""

    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        integrations: IntegrationService,
        jobs: JobService,
        results: ResultObjectService,
    ) -> None:
        super().__init__(db)
        self._settings = settings
        self._integrations = integrations
        self._jobs = jobs
        self._results = results


SCRATCH_PREFIX = "job-"


@dataclass
class Prepared:
    """What preparing one unit gave: a result placed (bucket or managed storage) with its inspection, or the error."""

    item_id: int
    title: str = ""
    error: CairnError | None = None
    placed: Placed | None = None
    outcome: Inspected | None = None


@contextmanager
def scratch_dir(settings: Settings, kind: str) -> Iterator[Path]:
    """A private temporary directory under ``<data_dir>/tmp`` named after this process and ``kind``, removed whatever
    happens; one a kill -9 left behind is removed by :func:`remove_dead_scratch` once its process is gone."""
    spool = private_dir(settings.data_dir / "tmp")
    path = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-{kind}-", dir=spool))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


_T = TypeVar("_T")


class Beside:
    """Threads for what a task does beside its main line (a record written while FFmpeg runs, a result inspected
    while it uploads), made on first use in each process and kept while it lives: starting a thread for every task
    cost up to milliseconds on a busy machine, a remux's tenth."""

    def __init__(self, name: str, *, threads: int = 4) -> None:
        self._name = name
        self._threads = threads
        self._lock = threading.Lock()
        self._made: tuple[int, ThreadPoolExecutor] | None = None  # (pid, pool): a forked child makes its own

    def submit(self, work: Callable[..., _T], *args: object) -> Future[_T]:
        with self._lock:
            if self._made is None or self._made[0] != os.getpid():
                self._made = os.getpid(), ThreadPoolExecutor(self._threads, thread_name_prefix=self._name)
            pool = self._made[1]
        return pool.submit(work, *args)

    def close(self) -> None:
        """Let the threads end once their work is done (none is waited for)."""
        with self._lock:
            if self._made is not None and self._made[0] == os.getpid():
                self._made[1].shutdown(wait=False)
            self._made = None


class ScratchSpace:
    """Private scratch files for one kind of task, in one directory per process under ``<data_dir>/tmp`` (named as
    :func:`scratch_dir` names it), made on first use and kept while the process lives: on a file system that
    discards freed blocks, removing a directory costs milliseconds, a remux's tenth. Each task's files carry a
    prefix of their own (tasks of one process run side by side) and are removed when it ends, whatever happens.
    The directory is removed by :meth:`close` (the registry's), or by :func:`remove_dead_scratch` once its process
    is gone (a kill -9)."""

    def __init__(self, settings: Settings, kind: str) -> None:
        self._settings = settings
        self._kind = kind
        self._lock = threading.Lock()
        self._made: tuple[int, Path] | None = None  # (pid, directory): a forked child makes its own

    def directory(self) -> Path:
        with self._lock:
            if self._made is None or self._made[0] != os.getpid() or not self._made[1].is_dir():
                spool = private_dir(self._settings.data_dir / "tmp")
                prefix = f"{SCRATCH_PREFIX}{os.getpid()}-{self._kind}-"
                self._made = os.getpid(), Path(tempfile.mkdtemp(prefix=prefix, dir=spool))
            return self._made[1]

    def close(self) -> None:
        """Remove this process's directory (with whatever a task still running has in it)."""
        with self._lock:
            if self._made is not None and self._made[0] == os.getpid():
                shutil.rmtree(self._made[1], ignore_errors=True)
            self._made = None

    @contextmanager
    def task(self) -> Iterator[tuple[Path, str]]:
        """The directory and a fresh file-name prefix for one task; the files named with it are removed at the end
        (those of other tasks are left alone)."""
        directory, prefix = self.directory(), f"{uuid.uuid4().hex[:12]}-"
        try:
            yield directory, prefix
        finally:
            for entry in os.scandir(directory):
                if entry.name.startswith(prefix):
                    Path(entry.path).unlink(missing_ok=True)


def remove_dead_scratch(spool: Path) -> None:
    """Remove the scratch directories under ``spool`` whose process is gone."""
    if not spool.is_dir():
        return
    for path in spool.glob(f"{SCRATCH_PREFIX}*"):
        pid = path.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Beat:
    """Renews the task's lease at most every ``HEARTBEAT_SECONDS`` however often it is called."""

    def __init__(self, heartbeat: Callable[[], None]) -> None:
        self._heartbeat = heartbeat
        self._last = time.monotonic()

    def __call__(self) -> None:
        if time.monotonic() - self._last >= HEARTBEAT_SECONDS:
            self._heartbeat()
            self._last = time.monotonic()


def cancel_check(is_cancelled: Callable[[], bool], beat: Callable[[], None]) -> Callable[[], bool]:
    """A check to call as often as one likes (FFmpeg's runner ~10 times a second, frame export every frame): it
    beats, and asks ``is_cancelled`` (the engine's ``JobService.is_cancelled``) at most once a second."""
    last = [0.0, False]

    def cancelled() -> bool:
        beat()
        if time.monotonic() - float(last[0]) >= CANCEL_POLL_SECONDS:
            last[:] = [time.monotonic(), is_cancelled()]
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


def managed_result_key(name: str) -> str:
    """A fresh key in managed storage for a result named ``name`` (no user text in ``name``)."""
    return f"{UPLOADS}/{datetime.now(UTC):%Y/%m}/{uuid.uuid4().hex}/{name}"


def move_into_managed(settings: Settings, result: Path, key: str) -> None:
    """Move a result into managed storage (private) as ``key``."""
    target = settings.managed_storage_dir.resolve() / key
    private_dir(target.parent)
    shutil.move(result, target)
    tighten(target)
