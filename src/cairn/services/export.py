"""Exporting a folder back as a registration manifest (``cairn export FOLDER``).

The folder's own items (not its sub-folders, not the members of its composites, which live in sub-folders made
for them) are written as Encord JSON or CSV, streaming. Registering the export into an empty folder gives the
same items: same kinds, titles, URLs, member order, client metadata, and media metadata where it is complete
(a full ``videoMetadata`` etc.; a HEAD-only item is HEAD-ed again).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cairn.db.repositories import Repos
from cairn.domain.access import Action
from cairn.domain.kinds import ItemKind
from cairn.domain.manifest import (
    AudioMetadata,
    ImageMetadata,
    ManifestFormat,
    ManifestOptions,
    MediaMetadata,
    PdfMetadata,
    TextMetadata,
    Unit,
    VideoMetadata,
    write_csv_manifest,
    write_json_manifest,
)
from cairn.domain.records import Item, MediaFields, User
from cairn.errors import InvalidInput
from cairn.services._base import Service, get_folder, require

PAGE = 2000
SECTIONS: tuple[tuple[ItemKind, ...], ...] = (
    (ItemKind.VIDEO,),
    (ItemKind.IMAGE,),
    (ItemKind.IMAGE_GROUP, ItemKind.IMAGE_SEQUENCE),
    (ItemKind.DICOM_SERIES,),
    (ItemKind.AUDIO,),
    (ItemKind.TEXT,),
    (ItemKind.PDF,),
    (ItemKind.NIFTI,),
)
"""Kinds in the order the JSON manifest's sections are written (a section must be written in one go)."""


@dataclass
class ExportResult:
    """How many units were written, and how many items could not be (no object URL: uploaded files)."""

    units: int = 0
    not_exportable: int = 0


def media_metadata(kind: ItemKind, media: MediaFields) -> MediaMetadata | None:
    """The manifest metadata object of an item when every field it needs is known, else None."""
    m = media
    if kind is ItemKind.VIDEO and None not in (m.fps, m.duration, m.width, m.height, m.file_size, m.mime_type):
        return VideoMetadata(m.fps, m.duration, m.width, m.height, m.file_size, m.mime_type)  # type: ignore[arg-type]
    if kind is ItemKind.IMAGE and None not in (m.mime_type, m.file_size, m.width, m.height):
        return ImageMetadata(m.mime_type, m.file_size, m.width, m.height)  # type: ignore[arg-type]
    audio = (m.duration, m.file_size, m.mime_type, m.audio_sample_rate, m.audio_bit_depth, m.audio_codec)
    if kind is ItemKind.AUDIO and None not in (*audio, m.audio_channels):
        return AudioMetadata(*audio, m.audio_channels)  # type: ignore[arg-type]
    if kind is ItemKind.TEXT and None not in (m.file_size, m.mime_type):
        return TextMetadata(m.file_size, m.mime_type)  # type: ignore[arg-type]
    if kind is ItemKind.PDF and None not in (m.file_size, m.page_count):
        return PdfMetadata(m.file_size, m.page_count)  # type: ignore[arg-type]
    return None


class ExportService(Service):
    def export_folder(
        self, *, actor: User, folder_id: int, out: BinaryIO, fmt: ManifestFormat = "json", drop_metadata: bool = False
    ) -> ExportResult:
        """Write the folder's items to ``out`` as a manifest.

        CSV refuses what it cannot say (metadata, ambiguous kinds) unless ``drop_metadata``.
        """
        if fmt not in ("json", "csv"):
            raise InvalidInput(f"export format must be 'json' or 'csv', got {fmt!r}")
        with self._read() as repos:
            require(repos, actor, get_folder(repos, folder_id), Action.READ)
            result = ExportResult()
            units = _units(repos, folder_id, result)
            if fmt == "json":
                result.units = write_json_manifest(units, out, options=ManifestOptions())
            else:
                result.units = write_csv_manifest(units, out, drop_metadata=drop_metadata)
            return result


def _units(repos: Repos, folder_id: int, result: ExportResult) -> Iterator[Unit]:
    for kinds in SECTIONS:
        after = 0
        while True:
            page = repos.registration.folder_items(
                folder_id, kinds=[k.value for k in kinds], after_id=after, limit=PAGE
            )
            if not page:
                break
            after = page[-1].id
            members = repos.registration.member_urls([i.id for i in page if i.kind.is_composite])
            for item in page:
                unit = _unit(item, members.get(item.id))
                if unit is None:
                    result.not_exportable += 1
                else:
                    yield unit


def _unit(item: Item, member_urls: list[str] | None) -> Unit | None:
    if item.kind.is_composite:
        if not member_urls or not all(member_urls):
            return None
        return Unit(item.kind, item.title, tuple(member_urls), dict(item.client_metadata))
    if not item.object_url:
        return None
    media = media_metadata(item.kind, item.media)
    return Unit(item.kind, item.title, (item.object_url,), dict(item.client_metadata), media)
