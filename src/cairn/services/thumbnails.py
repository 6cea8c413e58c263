r"""Thumbnails for the web UI: a small WebP picture per item, made by a job when asked for, kept in managed storage.

What an item's thumbnail shows: an image scaled down, a video's first visible frame, a DICOM file's first frame
windowed, a PDF's first page; a composite shows a member (an image group or sequence its first image, a DICOM
series its middle slice). Audio, text and NIfTI items have none (:class:`~cairn.errors.NoThumbnail`, with the
reason), and neither do items that failed inspection or wait for it.

The cache: one private (0600) file per item under ``<managed>/thumbnails/``, which starts with its *version*: a
digest of what the picture depends on (the pictured file's URL or managed key, its size, when it was last
inspected, and how thumbnails are made). Re-inspecting an item after its bytes changed gives a new version, so the
next request has a new thumbnail made; a request for the current version reads the cached file and nothing from the
bucket. The version is the response's ETag. Deleting an item releases its thumbnail with its managed files.

Made by a job, never in a request: a request for a thumbnail not made yet :meth:`~ThumbnailService.want`\ s it;
:meth:`~ThumbnailService.send` (called by the API a moment later, ``BATCH_WINDOW``, so that the hundred rows of
a page arrive first) starts one background job of kind ``thumbnails`` (``BACKGROUND_KINDS``: no actor, no
notification, not in the jobs list) whose tasks are batches of ``BATCH_SIZE`` items. Deduplicated twice: in the
process (a set of wanted items), and in the database (``thumbnails`` table: a version queued in the last
``REQUEST_STALE`` is not queued again, by any server), so ten tabs or a page asking again queue an item once. The
job runs on the embedded consumer and on ``cairn worker`` alike, at most ``thumbnail_concurrency`` makes at once per
process.

Making one reads the user's bucket through a :class:`~cairn.storage.RangeFile` (a video: its index and first
packets only); the bytes, requests and seconds it cost are recorded in the ``thumbnails`` table with the version,
and served with the thumbnail (``Cairn-Source-Bytes``, ``Cairn-Source-Requests``, ``Cairn-Made-In-Seconds``). A
file that cannot be pictured (corrupt) is recorded ``failed`` with the reason, which its requests then answer
(``NoThumbnail``) until the item is inspected again. A local upload queues its items' thumbnails at once.
The cache file is written under a temporary name (with the writer's pid) and renamed: a job killed midway leaves
no half-written thumbnail, and the sweep removes the partial files of processes that are gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.db.repositories._common import now
from cairn.db.repositories.thumbnails import FAILED, ThumbnailRecord
from cairn.domain.access import Action
from cairn.domain.frame_map import decode_frame_map
from cairn.domain.jobs import Job, TaskResult, UnitError
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.records import Item, User
from cairn.errors import CairnError, NotFound, NoThumbnail, StorageError
from cairn.private_files import private_dir, private_file
from cairn.services._base import Service, item_folder
from cairn.services.inspection import VIDEO_FIRST_READ_BYTES, locate_object
from cairn.services.integrations import IntegrationService, find_integration
from cairn.services.jobs.handler import ClaimedTask, NewJob, TaskSpec
from cairn.services.managed_files import thumbnail_key
from cairn.settings import Settings
from cairn.storage import HEAD_BYTES, RangeFile

if TYPE_CHECKING:
    from cairn.services.jobs.engine import JobService

__all__ = ["JOB_KIND", "THUMBNAIL_MEDIA_TYPE", "Thumbnail", "ThumbnailRecord", "ThumbnailService", "ThumbnailSource"]

log = logging.getLogger("cairn.thumbnails")

THUMBNAIL_MEDIA_TYPE = "image/webp"
_RECIPE = "webp-256-v1"
"""How thumbnails are made (format, size, maker): part of every version, so changing it remakes them all."""
_PICTURED = frozenset({ItemKind.IMAGE, ItemKind.VIDEO, ItemKind.DICOM_FILE, ItemKind.PDF})
_VERSION_LENGTH = 32
JOB_KIND = "thumbnails"
BATCH_SIZE = 4
"""Items per task of a thumbnail job: a page's hundred rows become 25 tasks the consumer threads share."""
BATCH_WINDOW = 0.05
"""Seconds the API lets the requests of one page gather before it starts their job."""
PARTIAL_SUFFIX = ".partial"
REQUEST_STALE = timedelta(minutes=2)
"""A thumbnail queued longer ago than this (its job lost, or failed as a whole) is queued again when asked for."""


@dataclass(frozen=True)
class ThumbnailSource:
    """What an item's thumbnail pictures and its version (the cache key and ETag)."""

    item_id: int
    pictured: Item
    version: str
    first_time: Fraction | None = None  # videos: when the first visible frame is shown (seconds)
    record: ThumbnailRecord | None = None  # what cairn knows of its making (queued, made with its cost, failed)

    @property
    def cost(self) -> ThumbnailRecord | None:
        """The record of this version's making when it was made (what it read from the bucket), else None."""
        record = self.record
        return record if record is not None and record.version == self.version and record.made_at else None


@dataclass(frozen=True)
class Thumbnail:
    """A thumbnail's bytes, and what reading the user's bucket cost (0 bytes, 0 requests: from the cache)."""

    data: bytes
    version: str
    bytes_read: int
    requests: int
    from_cache: bool
    media_type: str = THUMBNAIL_MEDIA_TYPE


@dataclass
class _Made:
    """What a task did for one of its items: made (with its cost), failed (why), or nothing to do (skipped)."""

    item_id: int
    version: str
    made: Thumbnail | None = None
    seconds: float = 0.0
    error: CairnError | None = None
    kind: ItemKind = ItemKind.IMAGE


@dataclass
class _Batch:
    """Items wanted by this process's requests and not yet sent to the job engine."""

    wanted: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ThumbnailService(Service):
    """Thumbnails: what one shows, its cache, its requests (batched into background jobs), and that job's handler."""

    kind = JOB_KIND

    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        integrations: IntegrationService,
        jobs: Callable[[], JobService],
    ) -> None:
        super().__init__(db)
        self._settings = settings
        self._integrations = integrations
        self._jobs = jobs
        self._root = settings.managed_storage_dir
        self._slots = threading.BoundedSemaphore(settings.thumbnail_concurrency)
        self._batch = _Batch()

    def source(self, *, actor: User, item_id: int) -> ThumbnailSource:
        """What the item's thumbnail shows. An item the actor may not see is NotFound exactly as a missing one; an
        item without a thumbnail raises NoThumbnail saying why."""
        with self._read() as repos:
            item, _ = item_folder(repos, actor, item_id, Action.READ)
            source = thumbnail_source(repos, item)
            return replace(source, record=repos.thumbnails.get(item_id))

    # --- requests: the cache, or a job asked for -------------------------------------------------------------
    def want(self, source: ThumbnailSource) -> Thumbnail | None:
        """The cached thumbnail, or None once it is wanted from the job engine (sent by the next :meth:`send`).
        NoThumbnail when making this version failed (a corrupt file), with the reason."""
        cached = self.cached(source)
        if cached is not None:
            return cached
        _raise_if_failed(source, source.record)
        with self._batch.lock:
            self._batch.wanted[source.item_id] = source.version
        return None

    def send(self) -> int | None:
        """Start one background job for the thumbnails wanted since the last call and not already queued (here or
        by another server); returns its id (None: nothing to make)."""
        with self._batch.lock:
            wanted, self._batch.wanted = self._batch.wanted, {}
        if not wanted:
            return None
        jobs = self._jobs()
        with self._write() as repos:
            claimed = repos.thumbnails.request(wanted, stale_before=now() - REQUEST_STALE)
            if not claimed:
                return None
            pairs = [(item_id, wanted[item_id]) for item_id in claimed]
            new = NewJob(kind=JOB_KIND, title=f"Thumbnails of {len(pairs)} item(s)", units_total=len(pairs),
                         ignore_errors=True)  # fmt: skip
            job_id = jobs.create_background_in(repos, new=new, tasks=_tasks(pairs))
        jobs.enqueue_unsent(job_id)
        return job_id

    def queue_items(self, item_ids: list[int]) -> int | None:
        """Queue the thumbnails of items just added by their actor (a local upload: the page asks for them next);
        those without one are left out. Returns the job's id (None: nothing to make)."""
        with self._read() as repos:
            for item in repos.items.get_many(item_ids):
                with contextlib.suppress(NoThumbnail):
                    source = thumbnail_source(repos, item)
                    with self._batch.lock:
                        self._batch.wanted[source.item_id] = source.version
        return self.send()

    def check(self, source: ThumbnailSource) -> ThumbnailSource:
        """``source`` with its record read again: NoThumbnail when its making has failed meanwhile."""
        with self._read() as repos:
            record = repos.thumbnails.get(source.item_id)
        _raise_if_failed(source, record)
        return replace(source, record=record)

    def get(self, source: ThumbnailSource) -> Thumbnail:
        """The thumbnail from the cache, or made now in this thread (waiting for a free slot when as many are being
        made): for tools and tests; the API asks the job engine (:meth:`want`)."""
        cached = self.cached(source)
        if cached is not None:
            return cached
        with self._slots:
            return self.cached(source) or self._make(source)

    def make(self, item: Item) -> Thumbnail:
        """Make (or remake) an item's thumbnail and cache it: the unit of work of a thumbnail job (which has no
        actor: it was checked when the job was started). The item is read again: the job's copy may be stale."""
        with self._read() as repos:
            current = repos.items.get(item.id)
            if current is None:
                raise NotFound(f"item {item.id} not found", details={"item_id": item.id})
            source = thumbnail_source(repos, current)
        return self._make(source)

    def _make(self, source: ThumbnailSource) -> Thumbnail:
        pictured = source.pictured
        with self._read() as repos:
            stored = find_integration(repos, pictured.integration_id) if pictured.integration_id is not None else None
        store, key = locate_object(pictured, stored, settings=self._settings, integrations=self._integrations)
        first_read = VIDEO_FIRST_READ_BYTES if pictured.kind is ItemKind.VIDEO else HEAD_BYTES
        info, first = store.read_start(key, first_read)
        with RangeFile(store, key, size=info.size, first=first, head_bytes=first_read) as f:
            data = _picture(pictured.kind, f, size=info.size, first_time=source.first_time)
            made = Thumbnail(data, source.version, f.bytes_fetched, f.requests, from_cache=False)
        self._store(source, data)
        log.info(
            "thumbnail of item %d made: %d bytes read from storage in %d request(s) (file of %d bytes)",
            source.item_id,
            made.bytes_read,
            made.requests,
            info.size,
        )
        return made

    def _path(self, item_id: int) -> Path:
        return self._root / thumbnail_key(item_id)

    def cached(self, source: ThumbnailSource) -> Thumbnail | None:
        """The cached thumbnail when it is of ``source``'s version; None when there is none yet or an older one (which
        :meth:`get` remakes, then replaces). Reads one small file: never waits for a making slot."""
        try:
            with self._path(source.item_id).open("rb") as f:
                if f.read(_VERSION_LENGTH + 1) != f"{source.version}\n".encode():
                    return None
                return Thumbnail(f.read(), source.version, bytes_read=0, requests=0, from_cache=True)
        except FileNotFoundError:
            return None

    def _store(self, source: ThumbnailSource, data: bytes) -> None:
        """Write the thumbnail (0600) under a temporary name, then rename it: a reader sees all of it or none."""
        path = self._path(source.item_id)
        private_dir(path.parent)
        partial = private_file(path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex}{PARTIAL_SUFFIX}"))
        try:
            partial.write_bytes(f"{source.version}\n".encode() + data)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    # --- the job's handler -------------------------------------------------------------------------------
    def prepare(self, job: Job, task: ClaimedTask, *, heartbeat: Callable[[], None]) -> list[_Made]:
        """Make the task's thumbnails one by one (each under a making slot); a storage error that may pass fails
        the whole task (the engine retries it), any other error fails its item only."""
        made: list[_Made] = []
        for item_id, version in json.loads(task.payload):
            made.append(self._make_wanted(item_id, version))
            heartbeat()
        return made

    def _make_wanted(self, item_id: int, version: str) -> _Made:
        with self._read() as repos:
            item = repos.items.get(item_id)
            try:
                source = thumbnail_source(repos, item) if item is not None else None
            except NoThumbnail:
                source = None  # changed since it was asked for (deleted members, inspection pending)
            record = repos.thumbnails.get(item_id)
        if source is None or source.version != version:
            return _Made(item_id, version)  # gone, or changed (a newer request asks for the new version)
        if replace(source, record=record).cost is not None and self.cached(source) is not None:
            return _Made(item_id, version)  # made and recorded meanwhile (by another job); else made again: a
            # file a killed task made before its commit has no record of what it cost
        started = time.monotonic()
        try:
            with self._slots:
                thumbnail = self._make(source)
        except StorageError as exc:
            if type(exc) is StorageError:
                raise  # may pass: the task is retried with backoff
            return _Made(item_id, version, error=exc, kind=source.pictured.kind)
        except CairnError as exc:
            return _Made(item_id, version, error=exc, kind=source.pictured.kind)
        return _Made(item_id, version, made=thumbnail, seconds=time.monotonic() - started)

    def commit(self, repos: Repos, job: Job, task: ClaimedTask, prepared: list[_Made], result: TaskResult) -> None:
        """Record what each thumbnail cost, or why it failed (a unit error of the job too)."""
        errors: list[UnitError] = []
        for unit, one in enumerate(prepared, start=task.unit_start):
            if one.made is not None:
                repos.thumbnails.record_made(item_id=one.item_id, version=one.version, bytes_read=one.made.bytes_read,
                                             requests=one.made.requests, seconds=one.seconds)  # fmt: skip
                result.created += 1
            elif one.error is not None:
                repos.thumbnails.record_failed(item_id=one.item_id, version=one.version, error=one.error.message)
                errors.append(_unit_error(unit, one))
            else:
                result.skipped += 1
        if errors:
            repos.jobs.add_errors(job.id, errors)
            result.errors += len(errors)

    def closed(self, job: Job, task: ClaimedTask) -> None:
        return  # nothing to release: a cache file is whole once renamed, and a partial one is removed at once

    def describe(self, job: Job) -> str:
        return job.title


def _tasks(pairs: list[tuple[int, str]]) -> list[TaskSpec]:
    """Consecutive batches of ``BATCH_SIZE`` (item id, version) pairs, one task each."""
    batches = [pairs[start : start + BATCH_SIZE] for start in range(0, len(pairs), BATCH_SIZE)]
    return [TaskSpec(n * BATCH_SIZE, len(batch), json.dumps(batch).encode()) for n, batch in enumerate(batches)]


def _unit_error(unit: int, one: _Made) -> UnitError:
    assert one.error is not None
    return UnitError(
        unit=unit,
        location=f"item {one.item_id}",
        kind=one.kind,
        title=f"thumbnail of item {one.item_id}",
        object_urls=(),
        error=one.error.message,
        code=one.error.code,
        action_description="Making thumbnail",
    )


def _raise_if_failed(source: ThumbnailSource, record: ThumbnailRecord | None) -> None:
    if record is not None and record.status == FAILED and record.version == source.version:
        raise NoThumbnail(
            f"item {source.item_id} has no thumbnail: making it failed ({record.error}); inspect the item again "
            "once its file is fixed",
            details={"item_id": source.item_id},
        )


def thumbnail_source(repos: Repos, item: Item) -> ThumbnailSource:
    """What ``item``'s thumbnail pictures and its version; NoThumbnail (with the reason) when it has none."""
    pictured = _pictured(repos, item)
    if pictured.kind not in _PICTURED:
        raise NoThumbnail(
            f"item {item.id} is {_article(pictured.kind)}: only images, videos, DICOM files and PDFs have thumbnails",
            details={"item_id": item.id, "kind": pictured.kind.value},
        )
    _require_ready(item, pictured)
    first_time = _first_visible_time(repos, item, pictured) if pictured.kind is ItemKind.VIDEO else None
    return ThumbnailSource(item.id, pictured, _version(repos, item, pictured), first_time)


def _pictured(repos: Repos, item: Item) -> Item:
    """The item itself, or the member of a composite that pictures it (a DICOM series: its middle slice)."""
    if not item.kind.is_composite:
        return item
    members = repos.items.members(item.id)
    if not members:
        raise NoThumbnail(f"item {item.id} is an empty {item.kind.value}: it has no member to picture")
    return members[len(members) // 2] if item.kind is ItemKind.DICOM_SERIES else members[0]


def _require_ready(item: Item, pictured: Item) -> None:
    if pictured.status is ItemStatus.FAILED:
        raise NoThumbnail(
            f"item {item.id} has no thumbnail: its file failed inspection ({pictured.status_reason})",
            details={"item_id": item.id, "status": pictured.status.value},
        )
    if pictured.status is not ItemStatus.READY:
        raise NoThumbnail(
            f"item {item.id} has no thumbnail yet: its file is {pictured.status.value}, not inspected",
            details={"item_id": item.id, "status": pictured.status.value},
        )


def _first_visible_time(repos: Repos, item: Item, video: Item) -> Fraction:
    encoded = repos.inspections.frame_map(video.id)
    frame_map = decode_frame_map(encoded) if encoded is not None else None
    if frame_map is None or not frame_map.pts:
        raise NoThumbnail(
            f"item {item.id} has no thumbnail: its video has no frame map (inspect it: cairn inspect {video.id})",
            details={"item_id": item.id},
        )
    return frame_map.pts[0] * frame_map.time_base


def _version(repos: Repos, item: Item, pictured: Item) -> str:
    """A digest of what the thumbnail depends on: it changes when the file's bytes (as last inspected) change."""
    inspection = repos.inspections.get(pictured.id)
    inspected = inspection.inspected_at if inspection is not None else pictured.edited_at
    parts = (
        _RECIPE,
        item.id,
        pictured.id,
        pictured.object_url or "",
        pictured.managed_key or "",
        pictured.media.file_size,
        inspected.isoformat(),
    )
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:_VERSION_LENGTH]


def _picture(kind: ItemKind, f: RangeFile, *, size: int, first_time: Fraction | None) -> bytes:
    from cairn.media import thumbnail  # noqa: PLC0415 (PyAV, Pillow, pydicom, PDFium: loaded when first used)

    if kind is ItemKind.VIDEO:
        assert first_time is not None
        return thumbnail.video_thumbnail(f, first_time=first_time, size=size)
    if kind is ItemKind.DICOM_FILE:
        return thumbnail.dicom_thumbnail(f, size=size)
    if kind is ItemKind.PDF:
        return thumbnail.pdf_thumbnail(f, size=size)
    return thumbnail.image_thumbnail(f, size=size)


def _article(kind: ItemKind) -> str:
    name = kind.value.replace("_", " ")
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"
