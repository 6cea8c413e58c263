"""How a registration task's units are stored: one compressed blob per task (a JSON array of compact records, zlib),
so that any worker on any machine can read them from the database, and a million-unit job is a few hundred rows."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from typing import Any

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest import (
    AudioMetadata,
    ImageMetadata,
    MediaMetadata,
    PdfMetadata,
    TextMetadata,
    Unit,
    VideoMetadata,
)
from cairn.errors import InvalidInput

__all__ = ["pack_units", "unpack_units"]


_MEDIA_CLASSES: dict[ItemKind, type[MediaMetadata]] = {
    ItemKind.VIDEO: VideoMetadata,
    ItemKind.IMAGE: ImageMetadata,
    ItemKind.AUDIO: AudioMetadata,
    ItemKind.TEXT: TextMetadata,
    ItemKind.PDF: PdfMetadata,
}


def _unit_record(unit: Unit) -> list[Any]:
    media = dict(vars(unit.media)) if unit.media is not None else None  # flat dataclass: vars() is asdict, faster
    return [unit.kind.value, unit.title, list(unit.urls), unit.client_metadata or None, media, unit.location]


def _record_unit(record: list[Any]) -> Unit:
    kind_text, title, urls, client_metadata, media, location = record
    kind = ItemKind(kind_text)
    media_value = _MEDIA_CLASSES[kind](**media) if media is not None and kind in _MEDIA_CLASSES else None
    return Unit(kind, title, tuple(urls), client_metadata or {}, media_value, location)


def pack_units(units: Iterable[Unit]) -> bytes:
    """The units as one compressed blob (a JSON array of compact records, zlib): a task's payload."""
    records = [_unit_record(u) for u in units]
    return zlib.compress(json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode(), level=1)


def unpack_units(blob: bytes) -> list[Unit]:
    """The units of a task payload (a JSON array of records, as ``pack_units`` writes it), in manifest order."""
    try:
        records = json.loads(zlib.decompress(blob).decode())
        if not isinstance(records, list):
            raise TypeError("not a JSON array of records")
        return [_record_unit(record) for record in records]
    except (zlib.error, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(f"a registration task payload is corrupt: {exc}") from exc
