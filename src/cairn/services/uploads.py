"""Local upload: files sent to cairn are kept in its managed storage and inspected like registered ones.

Seed 002 "Add data to a folder": plain upload (each file its own item), "Batch images as" an image group or an image
sequence, and DICOM files as a series. The actor's right to write in the folder is checked before a byte is stored,
and again in the transaction that creates the items; if anything fails, the stored files are removed again.

Each file is streamed in 1 MiB chunks into a temporary file in ``<data_dir>/tmp`` and counted as it comes; a file
over ``Settings.max_upload_bytes`` is refused (``TooLarge``) as soon as the count passes the limit, and its partial
copy removed. A complete file is renamed into managed storage (the same file system: no second copy).
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain import names
from cairn.domain.image_sequences import group_by_size
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Folder, Item, User
from cairn.domain.sizes import too_large
from cairn.errors import CairnError, InvalidInput
from cairn.private_files import tighten
from cairn.services._base import Service, target_folder
from cairn.services.inspection import (
    Inspected,
    inspect_object,
    managed_store,
    save_composite_inspection,
    save_inspection,
)
from cairn.services.items import NewItem, add_composite_in, item_row
from cairn.services.managed_files import remove_managed_files
from cairn.services.sequence_video import BUILD_VIDEO, SequenceVideoService
from cairn.services.thumbnails import ThumbnailService
from cairn.settings import Settings
from cairn.storage import ObjectStore, RangeFile

MAX_FILES = 10_000
CHUNK_BYTES = 1 << 20
MAX_UPLOAD_SETTING = "CAIRN_MAX_UPLOAD_BYTES"
BATCH_KINDS = frozenset({ItemKind.IMAGE_GROUP, ItemKind.IMAGE_SEQUENCE, ItemKind.DICOM_SERIES})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class UploadedFile:
    """One file sent by a client: its name as the client gave it, and its bytes."""

    name: str
    stream: BinaryIO
    content_type: str | None = None


@dataclass(frozen=True)
class _Stored:
    file: UploadedFile
    key: str
    outcome: Inspected
    kind: ItemKind


def _title(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base or "upload"


def _key(name: str) -> str:
    """A fresh managed key ending in the file's name made safe ("." and ".." become "file": not path segments)."""
    safe = _UNSAFE.sub("_", _title(name))[:200].strip(".") or "file"
    return f"uploads/{datetime.now(UTC):%Y/%m}/{uuid.uuid4().hex}/{safe}"


class UploadService(Service):
    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        videos: Callable[[], SequenceVideoService] | None = None,
        thumbnails: Callable[[], ThumbnailService] | None = None,
    ) -> None:
        super().__init__(db, max_client_metadata_bytes=settings.max_client_metadata_bytes)
        self._settings = settings
        self._videos = videos
        self._thumbnails = thumbnails

    def upload(
        self,
        *,
        actor: User,
        folder_id: int,
        files: Sequence[UploadedFile],
        batch: ItemKind | None = None,
        title: str | None = None,
        client_metadata: dict[str, Any] | None = None,
    ) -> list[Item]:
        """Store and inspect files, then add them to a folder: one item each, or one composite of ``batch`` kind.

        Returns the new items (for a batch: the composite; for an image sequence of images of different sizes, one
        sequence per size, in order of first appearance). Files whose bytes are not a supported kind are refused.
        Image sequences get their videos built by one job (``sequence_video``), queued with them; their thumbnails
        are queued at once (one ``thumbnails`` job: the folder's page will ask for them next).
        """
        added = self._upload(actor=actor, folder_id=folder_id, files=files, batch=batch, title=title,
                             client_metadata=client_metadata)  # fmt: skip
        if self._thumbnails is not None:
            self._thumbnails().queue_items([item.id for item in added])
        return added

    def _upload(
        self,
        *,
        actor: User,
        folder_id: int,
        files: Sequence[UploadedFile],
        batch: ItemKind | None,
        title: str | None,
        client_metadata: dict[str, Any] | None,
    ) -> list[Item]:
        _check_request(files, batch, title)
        meta = names.client_metadata(client_metadata, max_bytes=self._max_client_metadata_bytes)
        with self._read() as repos:
            target_folder(repos, actor, folder_id)
        store = managed_store(self._settings)
        stored: list[_Stored] = []
        try:
            hint = batch.member_kind if batch else None
            for position, file in enumerate(files):
                stored.append(self._store(store, file, hint, position))
            with self._write() as repos:
                folder = target_folder(repos, actor, folder_id)
                if batch is None:
                    return _add_files(repos, actor, folder, stored, meta)
                added = [
                    _add_batch(repos, actor=actor, folder=folder, stored=group, batch=batch, title=name, metadata=meta)
                    for name, group in _batches(stored, batch, title or "")
                ]
                video_job = self._queue_videos(repos, actor, folder, added)
        except BaseException:
            remove_managed_files(self._settings.managed_storage_dir, [s.key for s in stored])
            raise
        if video_job is not None and self._videos is not None:
            self._videos().send(video_job)
        return added

    def _queue_videos(self, repos: Repos, actor: User, folder: Folder, added: list[Item]) -> int | None:
        sequences = [item.id for item in added if item.kind is ItemKind.IMAGE_SEQUENCE]
        if not sequences or self._videos is None:
            return None
        return self._videos().queue_in(repos, actor=actor, folder=folder, sequence_ids=sequences)

    def _store(self, store: ObjectStore, file: UploadedFile, hint: ItemKind | None, position: int) -> _Stored:
        key = _key(file.name)
        self._copy_in(file, key, position)
        _make_private(self._settings, key)
        try:
            outcome = inspect_object(store, key, kind=hint, settings=self._settings)
            kind = outcome.detected_kind or hint or _sniffed(store, key)
        except CairnError:
            remove_managed_files(self._settings.managed_storage_dir, [key])
            raise
        if kind is None:
            remove_managed_files(self._settings.managed_storage_dir, [key])
            raise InvalidInput(
                f"files[{position}] {file.name!r}: not a supported media file ({outcome.reason or 'unknown type'})",
                details={"location": f"files/{position}", "file": file.name},
            )
        return _Stored(file, key, outcome, kind)

    def _copy_in(self, file: UploadedFile, key: str, position: int) -> None:
        """Stream ``file`` into managed storage under ``key``, counting; over the limit nothing is kept."""
        spool_dir = self._settings.data_dir / "tmp"
        spool_dir.mkdir(parents=True, exist_ok=True)
        handle, spooled = tempfile.mkstemp(dir=spool_dir, prefix="upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                _copy_counted(file, out, limit=self._settings.max_upload_bytes, position=position)
            target = self._settings.managed_storage_dir.resolve() / key
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(spooled, target)
        except BaseException:
            Path(spooled).unlink(missing_ok=True)
            raise


def _copy_counted(file: UploadedFile, out: BinaryIO, *, limit: int, position: int) -> None:
    """Copy in chunks; ``TooLarge`` once more than ``limit`` bytes have come (reading stops there)."""
    copied = 0
    while chunk := file.stream.read(min(CHUNK_BYTES, limit + 1 - copied)):
        copied += len(chunk)
        if copied > limit:
            raise too_large(
                f"files[{position}] {file.name!r}",
                location=f"files/{position}",
                size=copied,
                limit=limit,
                setting=MAX_UPLOAD_SETTING,
                at_least=True,
            )
        out.write(chunk)


def _check_request(files: Sequence[UploadedFile], batch: ItemKind | None, title: str | None) -> None:
    if not files:
        raise InvalidInput("files: send at least one file")
    if len(files) > MAX_FILES:
        raise InvalidInput(f"files: at most {MAX_FILES} files per upload, got {len(files)}")
    if batch is not None and batch not in BATCH_KINDS:
        raise InvalidInput(f"batch: must be one of {', '.join(sorted(BATCH_KINDS))}, got {batch.value!r}")
    if batch is None and title:
        raise InvalidInput("title: only a batch (image group, image sequence, DICOM series) takes a title")
    for position, file in enumerate(files):
        _check_file_name(file, position)


def _check_file_name(file: UploadedFile, position: int) -> None:
    """A file's name becomes its item's title: one too long for a title is refused before any byte is stored."""
    length = len(_title(file.name))
    if length > names.MAX_NAME:
        raise InvalidInput(
            f"files/{position}: the file name is {length} characters; an item title is at most {names.MAX_NAME}",
            details={"location": f"files/{position}", "field": "filename", "limit": names.MAX_NAME, "length": length},
        )


def _sniffed(store: ObjectStore, key: str) -> ItemKind | None:
    from cairn.media import detect_kind  # noqa: PLC0415 (media libraries load when first used)

    with RangeFile(store, key) as f:
        return detect_kind(f).kind


def _new_item(stored: _Stored, metadata: dict[str, Any]) -> NewItem:
    return NewItem(
        kind=stored.kind,
        title=_title(stored.file.name),
        managed_key=stored.key,
        media=stored.outcome.media,
        client_metadata=metadata,
        status=stored.outcome.status,
        status_reason=stored.outcome.reason,
    )


def _add_files(
    repos: Repos, actor: User, folder: Folder, stored: list[_Stored], metadata: dict[str, Any]
) -> list[Item]:
    rows = [item_row(_new_item(s, metadata), folder_id=folder.id, owner_id=actor.id) for s in stored]
    ids = repos.items.insert_many(rows)
    for item_id, entry in zip(ids, stored, strict=True):
        save_inspection(repos, item_id, entry.outcome)
        _journal(repos, actor, folder, item_id, entry)
    return repos.items.get_many(ids)


def _add_batch(
    repos: Repos,
    *,
    actor: User,
    folder: Folder,
    stored: list[_Stored],
    batch: ItemKind,
    title: str,
    metadata: dict[str, Any],
) -> Item:
    pending = BUILD_VIDEO if batch is ItemKind.IMAGE_SEQUENCE else None
    composite = add_composite_in(
        repos,
        actor=actor,
        folder=folder,
        new=NewItem(kind=batch, title=title, client_metadata=metadata, pending_action=pending),
        members=[_new_item(s, {}) for s in stored],
        key=uuid.uuid4().hex,
    )
    members = repos.items.members(composite.id)
    for member, entry in zip(members, stored, strict=True):
        save_inspection(repos, member.id, entry.outcome)
    save_composite_inspection(repos, composite, [(m.id, s.outcome) for m, s in zip(members, stored, strict=True)])
    final = repos.items.get(composite.id)
    assert final is not None
    return final


def _batches(stored: list[_Stored], batch: ItemKind, title: str) -> list[tuple[str, list[_Stored]]]:
    """The composites a batch makes, with their titles: one; or, for an image sequence whose images differ in size
    (seed 004), one per size in order of first appearance, each titled with its size (``Trip (640x480)``)."""
    name = title.strip() or _title(stored[0].file.name).rsplit(".", 1)[0]
    if batch is not ItemKind.IMAGE_SEQUENCE:
        return [(name, stored)]
    groups = group_by_size(stored, _size)
    if len(groups) == 1:
        return [(name, stored)]
    return [(_sized_title(name, _size(group[0])), group) for group in groups]


def _sized_title(name: str, size: tuple[int | None, int | None]) -> str:
    """``name (WxH)``, the name shortened so that the title stays within an item title's length."""
    suffix = f" ({_size_text(size)})"
    return name[: names.MAX_NAME - len(suffix)].rstrip() + suffix


def _size(stored: _Stored) -> tuple[int | None, int | None]:
    """An image's displayed size (EXIF orientation applied), as its inspection found it."""
    return stored.outcome.media.width, stored.outcome.media.height


def _size_text(size: tuple[int | None, int | None]) -> str:
    width, height = size
    return f"{width}x{height}" if width is not None and height is not None else "size unknown"


def _journal(repos: Repos, actor: User, folder: Folder, item_id: int, stored: _Stored) -> None:
    repos.journal.record(
        actor=actor,
        action="item.upload",
        target_type="item",
        target_id=item_id,
        target_label=_title(stored.file.name),
        folder_id=folder.id,
        details={"managed_key": stored.key, "size": stored.outcome.media.file_size},
    )


def _make_private(settings: Settings, key: str) -> None:
    """An uploaded file is data: 0600, in directories only cairn's account may enter (whatever the umask)."""
    root = settings.managed_storage_dir.resolve()
    path = (root / key).resolve()
    for entry in [path, *path.parents]:
        if entry == root or root not in entry.parents:
            return
        tighten(entry)
