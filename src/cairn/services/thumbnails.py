"""Thumbnails for the web UI: a small WebP picture per item, made on first request and kept in managed storage.

What an item's thumbnail shows: an image scaled down, a video's first visible frame, a DICOM file's first frame
windowed, a PDF's first page; a composite shows a member (an image group or sequence its first image, a DICOM
series its middle slice). Audio, text and NIfTI items have none (:class:`~cairn.errors.NoThumbnail`, with the
reason), and neither do items that failed inspection or wait for it.

The cache: one private (0600) file per item under ``<managed>/thumbnails/``, which starts with its *version*: a
digest of what the picture depends on (the pictured file's URL or managed key, its size, when it was last
inspected, and how thumbnails are made). Re-inspecting an item after its bytes changed gives a new version, so the
next request makes a new thumbnail; a request for the current version reads the cached file and nothing from the
bucket. The version is the response's ETag. Deleting an item releases its thumbnail with its managed files.

Making one reads the user's bucket through a :class:`~cairn.storage.RangeFile` (a video: its index and first
packets only) and records the bytes and requests it cost. :meth:`ThumbnailService.make` is the plain function a
job can call; requests make thumbnails themselves, at most ``thumbnail_concurrency`` at once per process (a page of
a hundred rows must not start a hundred decodes).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain.access import Action
from cairn.domain.frame_map import decode_frame_map
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.records import Item, User
from cairn.errors import NotFound, NoThumbnail
from cairn.private_files import private_dir, private_file
from cairn.services._base import Service, item_folder
from cairn.services.inspection import VIDEO_FIRST_READ_BYTES, locate_object
from cairn.services.integrations import IntegrationService, find_integration
from cairn.services.managed_files import thumbnail_key
from cairn.settings import Settings
from cairn.storage import HEAD_BYTES, RangeFile

__all__ = ["THUMBNAIL_MEDIA_TYPE", "Thumbnail", "ThumbnailService", "ThumbnailSource"]

log = logging.getLogger("cairn.thumbnails")

THUMBNAIL_MEDIA_TYPE = "image/webp"
_RECIPE = "webp-256-v1"
"""How thumbnails are made (format, size, maker): part of every version, so changing it remakes them all."""
_PICTURED = frozenset({ItemKind.IMAGE, ItemKind.VIDEO, ItemKind.DICOM_FILE, ItemKind.PDF})
_VERSION_LENGTH = 32


@dataclass(frozen=True)
class ThumbnailSource:
    """What an item's thumbnail pictures and its version (the cache key and ETag)."""

    item_id: int
    pictured: Item
    version: str
    first_time: Fraction | None = None  # videos: when the first visible frame is shown (seconds)


@dataclass(frozen=True)
class Thumbnail:
    """A thumbnail's bytes, and what reading the user's bucket cost (0 bytes, 0 requests: from the cache)."""

    data: bytes
    version: str
    bytes_read: int
    requests: int
    from_cache: bool
    media_type: str = THUMBNAIL_MEDIA_TYPE


class ThumbnailService(Service):
    def __init__(self, db: Database, *, settings: Settings, integrations: IntegrationService) -> None:
        super().__init__(db)
        self._settings = settings
        self._integrations = integrations
        self._root = settings.managed_storage_dir
        self._slots = threading.BoundedSemaphore(settings.thumbnail_concurrency)

    def source(self, *, actor: User, item_id: int) -> ThumbnailSource:
        """What the item's thumbnail shows. An item the actor may not see is NotFound exactly as a missing one; an
        item without a thumbnail raises NoThumbnail saying why."""
        with self._read() as repos:
            item, _ = item_folder(repos, actor, item_id, Action.READ)
            return thumbnail_source(repos, item)

    def get(self, source: ThumbnailSource) -> Thumbnail:
        """The thumbnail from the cache, or made now (waiting for a free slot when as many are being made)."""
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
        partial = private_file(path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial"))
        try:
            partial.write_bytes(f"{source.version}\n".encode() + data)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)


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
