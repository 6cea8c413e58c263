"""Where a job's result files go, and how an uploaded result whose item never came is removed.

::

    choose(...)    before a job starts: per integration of the originals, "bucket" (next to the original, in the same
                   integration's store) or "managed" (cairn's own storage), the bucket proven writable first
    reserve(...)   (a task's prepare) pick a free name and record the object, before it exists (a re-encode does
                   it while FFmpeg runs)
    store(...)     (then) write it there: moved into managed storage, or uploaded (streamed, multipart)
    place(...)     both at once
    settle(...)    (the task's commit, in its transaction) the item now references the object: forget the record
    release(...)   the objects a task recorded and never settled: removed (the job's closed hook, and before a task
                   runs again after a crash)
    sweep()        the same for tasks that ended without their closed hook (a kill -9 then a cancel): run by the
                   housekeeping of ``cairn worker`` and ``cairn serve``; also removes scratch directories of dead
                   processes

The rule for the default destination: **bucket when the integration can write there, else managed** — an original
uploaded into cairn has no bucket, so its result goes to managed storage. ``destination="bucket"`` refuses up front
with the permission missing (``s3:PutObject`` on the bucket/prefix...); ``destination="managed"`` never writes to
a bucket. The write check PUTs a small probe object in each directory results go to (up to ``MAX_CHECKED_DIRS``
per integration) and deletes it: deleting is needed too, to remove an upload whose commit never happens.

A result never replaces an existing object: a name taken (by an object, or recorded by another task) gives
``<stem>_1.mp4``, ``<stem>_2.mp4``... and the caller is told (``Placed.renamed_from``). Between the HEAD that finds a
name free and the upload another writer could take it (a multipart upload has no "create only" mode): a race with
writers outside cairn that this module narrows but cannot close.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.db.repositories.result_objects import PendingObject
from cairn.domain.integrations import StoreConfig
from cairn.domain.records import Item, User
from cairn.domain.urls import object_url_for, resolve_object_key
from cairn.errors import CairnError, Conflict, InvalidInput, ObjectNotFound, PermissionDenied, StorageAccessDenied
from cairn.private_files import private_dir
from cairn.services._base import Service
from cairn.services._processing import managed_result_key, move_into_managed, remove_dead_scratch
from cairn.services.integrations import IntegrationService, find_integration, may_use, store_config_of
from cairn.settings import Settings
from cairn.storage import ObjectStore, check_write, open_managed_store
from cairn.storage.base import ObjectInfo

__all__ = ["DESTINATIONS", "BucketPrefix", "Destination", "Placed", "ResultObjectService", "Targets"]

log = logging.getLogger("cairn.result_objects")

Destination = Literal["bucket", "managed"]
DESTINATIONS: tuple[Destination, ...] = ("bucket", "managed")
MAX_CHECKED_DIRS = 20
"""Directories proven writable per integration before a job starts (the others fail, if they do, as unit errors)."""
MAX_RENAMES = 1000
SCRATCH_PREFIX = "job-"


@dataclass(frozen=True)
class Targets:
    """Where a job writes: the integrations whose results go into their bucket; everything else goes to managed
    storage. ``requested`` is what the user asked (None: the default rule)."""

    requested: Destination | None
    bucket_integrations: frozenset[int]

    def destination(self, item: Item) -> Destination:
        return "bucket" if item.integration_id in self.bucket_integrations and item.managed_key is None else "managed"

    def summary(self, items: Sequence[Item]) -> str:
        """What a job's params and messages say: "bucket", "managed", or "bucket and managed"."""
        used = sorted({self.destination(item) for item in items})
        return " and ".join(used)

    def to_dict(self) -> dict[str, object]:
        return {"destination": self.requested, "bucket_integrations": sorted(self.bucket_integrations)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Targets:
        requested = data.get("destination")
        ids = data.get("bucket_integrations") or []
        assert isinstance(ids, list)
        return cls(requested if requested in DESTINATIONS else None, frozenset(int(i) for i in ids))


@dataclass(frozen=True)
class Placed:
    """A result uploaded and recorded: where it is, and the record its commit settles."""

    record_id: int
    destination: Destination
    integration_id: int | None
    key: str
    object_url: str | None  # None in managed storage
    renamed_from: str | None  # the name wanted, when it was taken
    job_id: int
    seq: int

    @property
    def name(self) -> str:
        return PurePosixPath(self.key).name

    def location(self) -> dict[str, Any]:
        """The item columns that refer to the object: ``object_url`` and ``integration_id`` (bucket), or
        ``managed_key`` (managed storage); the others None."""
        managed = self.destination == "managed"
        return {
            "object_url": self.object_url,
            "integration_id": self.integration_id,
            "managed_key": self.key if managed else None,
        }

    def where(self) -> dict[str, str]:
        """Where the object went, for the journal: the destination, the object URL (bucket) or key (managed), and
        the name wanted when it was taken."""
        where: dict[str, str] = {"destination": self.destination}
        if self.object_url is not None:
            where["object_url"] = self.object_url
        else:
            where["managed_key"] = self.key
        if self.renamed_from is not None:
            where["name_taken"] = self.renamed_from.rsplit("/", 1)[-1]
        return where


@dataclass(frozen=True)
class BucketPrefix:
    """A key prefix in an integration's bucket that a job writes many results under (a frame export's images):
    free when chosen, proven writable. ``url`` is the object URL of the prefix (a result's URL is ``url + name``)."""

    integration_id: int
    prefix: str
    url: str

    def to_dict(self) -> dict[str, object]:
        return {"integration_id": self.integration_id, "prefix": self.prefix, "prefix_url": self.url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BucketPrefix:
        return cls(int(data["integration_id"]), str(data["prefix"]), str(data["prefix_url"]))


def parse_destination(value: str | None) -> Destination | None:
    if value is None or value == "":
        return None
    if value not in DESTINATIONS:
        raise InvalidInput(f"destination: must be bucket or managed, got {value!r}", details={"field": "destination"})
    return value


class ResultObjectService(Service):
    def __init__(self, db: Database, *, settings: Settings, integrations: IntegrationService) -> None:
        super().__init__(db)
        self._settings = settings
        self._integrations = integrations

    # --- before a job -----------------------------------------------------------------------------------------
    def choose(self, *, actor: User, originals: Sequence[Item], requested: Destination | None) -> Targets:
        """Where the results of ``originals`` go (see the module docstring); refuses before anything runs."""
        if requested == "managed":
            return Targets(requested, frozenset())
        uploaded = [item for item in originals if item.managed_key is not None or item.integration_id is None]
        if requested == "bucket" and uploaded:
            raise InvalidInput(
                f"item {uploaded[0].id} ({uploaded[0].title}) was uploaded into cairn and has no bucket: choose "
                "destination managed, or leave it unset (then its result goes to managed storage)",
                details={"field": "destination", "item_id": uploaded[0].id},
            )
        writable: set[int] = set()
        for integration_id, keys in _keys_by_integration(originals).items():
            if self._bucket_writable(actor, integration_id, keys, strict=requested == "bucket"):
                writable.add(integration_id)
        return Targets(requested, frozenset(writable))

    def _bucket_writable(self, actor: User, integration_id: int, object_urls: list[str], *, strict: bool) -> bool:
        with self._read() as repos:
            stored = find_integration(repos, integration_id)
        if not may_use(actor, stored):
            if strict:
                raise PermissionDenied(
                    f"{actor.email} may not write with the integration of these items: choose destination managed",
                    details={"field": "destination"},
                )
            return False
        store, _, keys = self._open(integration_id, object_urls)
        for directory in sorted({_directory(key) for key in keys})[:MAX_CHECKED_DIRS]:
            try:
                check_write(store, directory)
            except StorageAccessDenied as exc:
                if strict:
                    raise
                log.info("integration %s: results go to managed storage: %s", integration_id, exc.message)
                return False
        return True

    def choose_prefix(self, *, actor: User, original: Item, suffix: str) -> BucketPrefix:
        """A free prefix ``<stem><suffix>/`` next to the original in its bucket (``clip.mp4`` gives ``clip_frames/``
        for ``_frames``; ``clip_frames_1/``... when objects are already listed there), proven writable by the write
        check: refuses before anything runs, naming the permission missing (or that the original has no bucket, or
        that the actor may not use its integration). The name comes from the original's key, not its title."""
        if original.managed_key is not None or original.integration_id is None or original.object_url is None:
            raise InvalidInput(
                f"item {original.id} ({original.title}) was uploaded into cairn and has no bucket: choose destination "
                "managed",
                details={"field": "destination", "item_id": original.id},
            )
        with self._read() as repos:
            stored = find_integration(repos, original.integration_id)
        if not may_use(actor, stored):
            raise PermissionDenied(
                f"{actor.email} may not write with the integration of item {original.id}: choose destination managed",
                details={"field": "destination"},
            )
        store, config, (key,) = self._open(original.integration_id, [original.object_url])
        wanted = f"{_directory(key)}{PurePosixPath(key).stem}{suffix}"
        object_url_for(config, f"{wanted}_{MAX_RENAMES}/x")  # a valid key in this bucket, or InvalidInput
        prefix = _free_prefix(store, wanted)
        check_write(store, prefix)
        url = object_url_for(config, f"{prefix}x")[:-1]
        return BucketPrefix(original.integration_id, prefix, url)

    def claim_keys(self, *, job_id: int, seq: int, integration_id: int, keys: Sequence[str]) -> dict[str, int]:
        """Record, in one transaction, the objects task ``seq`` is about to write under a prefix of its own; the
        record id of each key. Settle each in the commit that makes its item (``settle_ids``); :meth:`release`
        removes the others."""
        claimed: dict[str, int] = {}
        with self._write() as repos:
            for key in keys:
                pending = repos.result_objects.claim(job_id=job_id, seq=seq, integration_id=integration_id, key=key)
                if pending is None:
                    raise Conflict(f"{key} is being written by another task")
                claimed[key] = pending.id
        return claimed

    def bucket_store(self, integration_id: int) -> ObjectStore:
        """The store of an integration, to write results recorded by :meth:`claim_keys`."""
        return self._store_of(integration_id)

    # --- a task ---------------------------------------------------------------------------------------------
    def place(
        self,
        *,
        job_id: int,
        seq: int,
        original: Item,
        destination: Destination,
        name: str,
        file: Path,
        heartbeat: Callable[[], None] | None = None,
    ) -> Placed:
        """Record, then store ``file`` as ``name``: :meth:`reserve` then :meth:`store`."""
        placed = self.reserve(job_id=job_id, seq=seq, original=original, destination=destination, name=name)
        self.store(placed, file, heartbeat=heartbeat)
        return placed

    def reserve(self, *, job_id: int, seq: int, original: Item, destination: Destination, name: str) -> Placed:
        """Record where a result named ``name`` will go, before it exists: next to ``original`` in its bucket (a
        free name) or a fresh key in managed storage. Nothing is written there yet (:meth:`store`); a record whose
        object never comes is removed like any uncommitted one (:meth:`release`, the sweep)."""
        if destination == "managed":
            key = managed_result_key(name)
            with self._write() as repos:
                pending = repos.result_objects.claim(job_id=job_id, seq=seq, integration_id=None, key=key)
            assert pending is not None  # a fresh uuid
            return Placed(pending.id, "managed", None, key, None, None, job_id, seq)
        assert original.integration_id is not None and original.object_url is not None
        store, config, (key,) = self._open(original.integration_id, [original.object_url])
        wanted = f"{_directory(key)}{name}"
        pending, renamed = self._claim_free(store, job_id, seq, original.integration_id, wanted)
        url = object_url_for(config, pending.key)
        renamed_from = wanted if renamed else None
        return Placed(pending.id, "bucket", original.integration_id, pending.key, url, renamed_from, job_id, seq)

    def store(self, placed: Placed, file: Path, *, heartbeat: Callable[[], None] | None = None) -> None:
        """Write ``file`` where :meth:`reserve` recorded it: moved into managed storage, or uploaded (streamed,
        multipart; ``heartbeat`` called as it is read: a lease lost stops it). The caller removes ``file``'s
        temporary directory either way."""
        if placed.destination == "managed":
            move_into_managed(self._settings, file, placed.key)
            return
        lost: list[Exception] = []  # the lease, lost during the upload: the task is another attempt's now

        def beat() -> None:
            try:
                if heartbeat is not None:
                    heartbeat()
            except Exception as exc:
                lost.append(exc)
                raise

        try:
            content_type = "video/mp4" if placed.key.endswith(".mp4") else None
            self._store_of(placed.integration_id).put_file(placed.key, file, content_type=content_type, progress=beat)
        except Exception:
            if lost:  # not ours to remove any more: the attempt that took the task over releases the record
                raise lost[0] from None
            self._remove([_pending(placed)])
            raise

    def _claim_free(
        self, store: ObjectStore, job_id: int, seq: int, integration_id: int, wanted: str
    ) -> tuple[PendingObject, bool]:
        """The first of ``wanted``, ``<stem>_1<ext>``... that no object has and no task recorded, now recorded."""
        for candidate in _candidates(wanted):
            if _exists(store, candidate):
                continue
            with self._write() as repos:
                pending = repos.result_objects.claim(
                    job_id=job_id, seq=seq, integration_id=integration_id, key=candidate
                )
            if pending is not None:
                return pending, candidate != wanted
        raise Conflict(f"no free name for {store.location(wanted)} after {MAX_RENAMES} tries")

    @staticmethod
    def settle(repos: Repos, placed: Placed) -> None:
        """The item referencing ``placed`` is written in this transaction: the object is no longer pending."""
        repos.result_objects.settle(placed.record_id)

    @staticmethod
    def settle_ids(repos: Repos, record_ids: Iterable[int]) -> None:
        """The items referencing these recorded objects are written in this transaction."""
        repos.result_objects.forget(list(record_ids))

    def release(self, *, job_id: int, seq: int) -> int:
        """Remove what task ``seq`` of job ``job_id`` uploaded and never committed; returns how many."""
        with self._read() as repos:
            leftovers = repos.result_objects.of_task(job_id, seq)
        return self._remove(leftovers)

    def sweep(self) -> int:
        """Remove the uncommitted objects of every finished task, and scratch directories of dead processes."""
        remove_dead_scratch(self._settings.data_dir / "tmp")
        removed = 0
        while True:
            with self._read() as repos:
                batch = repos.result_objects.abandoned()
            if not batch:
                return removed
            gone = self._remove(batch)
            removed += gone
            if gone == 0:
                return removed  # nothing could be removed now (a store down): the next sweep retries

    def _remove(self, pending: Iterable[PendingObject]) -> int:
        """Delete each object, then its record (a failed delete keeps the record, so a later sweep retries)."""
        done: list[int] = []
        for item in pending:
            try:
                self._store_of(item.integration_id).delete(item.key)
            except CairnError as exc:
                log.warning("could not remove uncommitted result %r (retried later): %s", item.key, exc.message)
                continue
            log.info("removed uncommitted result %r of job %s task %s", item.key, item.job_id, item.seq)
            done.append(item.id)
        if done:
            with self._write() as repos:
                repos.result_objects.forget(done)
        return len(done)

    # --- stores ----------------------------------------------------------------------------------------------
    def _store_of(self, integration_id: int | None) -> ObjectStore:
        if integration_id is None:
            return open_managed_store(private_dir(self._settings.managed_storage_dir))
        with self._read() as repos:
            stored = find_integration(repos, integration_id)
        return self._integrations.open(store_config_of(stored, self._integrations.secrets))

    def _open(self, integration_id: int, object_urls: list[str]) -> tuple[ObjectStore, StoreConfig, list[str]]:
        with self._read() as repos:
            stored = find_integration(repos, integration_id)
        config = store_config_of(stored, self._integrations.secrets)
        return self._integrations.open(config), config, [resolve_object_key(config, url) for url in object_urls]


def _pending(placed: Placed) -> PendingObject:
    """The record of a placed object, as :meth:`ResultObjectService.release` reads it."""
    return PendingObject(placed.record_id, placed.job_id, placed.seq, placed.integration_id, placed.key)


def _keys_by_integration(originals: Sequence[Item]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for item in originals:
        if item.managed_key is None and item.integration_id is not None and item.object_url is not None:
            found.setdefault(item.integration_id, []).append(item.object_url)
    return found


def _directory(key: str) -> str:
    """The "directory" of a key, with its trailing slash ("" at the root)."""
    return key.rsplit("/", 1)[0] + "/" if "/" in key else ""


def _candidates(wanted: str) -> Iterator[str]:
    directory, name = _directory(wanted), wanted[len(_directory(wanted)) :]
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    yield wanted
    for n in range(1, MAX_RENAMES):
        yield f"{directory}{stem}_{n}{dot}{ext}"


def _free_prefix(store: ObjectStore, wanted: str) -> str:
    """``wanted/``, else ``wanted_1/``, ``wanted_2/``...: the first under which the store lists no object."""
    for candidate in (wanted, *(f"{wanted}_{n}" for n in range(1, MAX_RENAMES))):
        if next(iter(store.list(f"{candidate}/")), None) is None:
            return f"{candidate}/"
    raise Conflict(f"no free prefix for {store.location(wanted)} after {MAX_RENAMES} tries")


def _exists(store: ObjectStore, key: str) -> bool:
    try:
        info: ObjectInfo = store.head(key)
    except ObjectNotFound:
        return False
    return info is not None
