"""How a registration task's units are stored: one compressed blob per task (compact JSON, zlib), so that any worker
on any machine can read them from the database, and a million-unit job is a few hundred rows.

A unit whose item is known when the manifest is scanned (a single file with supplied metadata: nothing to ask the
network) is stored as that item's row, validated once into the values it will have; the others as unit records."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
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

__all__ = ["PackedTask", "pack_units", "unpack_units"]


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


@dataclass(frozen=True)
class PackedTask:
    """A task's units as stored: the ``rows`` of the units that became rows when the manifest was scanned (their
    items' column values, ``ROW_COLUMNS`` of ``cairn.services.registration_rows``), and the other ``units`` (to be
    HEAD-ed, inspected, or made into composites), each with its position in the task (0-based)."""

    rows: list[tuple[int, list[Any]]]
    units: list[tuple[int, Unit]]


def pack_units(units: Iterable[tuple[int, Unit]], rows: Iterable[tuple[int, list[Any]]] = ()) -> bytes:
    """A task's payload (zlib-compressed JSON): ``units`` (position, unit) and ``rows`` (position, column values).

    Version 2: ``{"v": 2, "units": [[position, record], ...], "rows": [[position, value, ...], ...]}``. Version 1
    (a bare array of records, one per position) is still read.
    """
    document = {
        "v": 2,
        "units": [[position, _unit_record(unit)] for position, unit in units],
        "rows": [[position, *values] for position, values in rows],
    }
    return zlib.compress(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), level=1)


def unpack_units(blob: bytes) -> PackedTask:
    """The rows and units of a task payload, as ``pack_units`` wrote them (or version 1), in manifest order."""
    try:
        document = json.loads(zlib.decompress(blob).decode())
        if isinstance(document, list):  # version 1: a record per position
            return PackedTask([], [(position, _record_unit(record)) for position, record in enumerate(document)])
        if not isinstance(document, dict) or document.get("v") != 2:
            raise TypeError("not a task payload cairn reads (version 1 or 2)")
        units = [(int(position), _record_unit(record)) for position, record in document["units"]]
        return PackedTask([(int(row[0]), row[1:]) for row in document["rows"]], units)
    except (zlib.error, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(f"a registration task payload is corrupt: {exc}") from exc
