"""Registration jobs as values: statuses, the job record, per-unit errors, and how units are packed into chunks.

A job registers the units of one manifest into one folder. Its units are split into chunks of consecutive units;
a chunk is what a worker claims, processes and commits in one transaction. The units of a chunk are stored as one
compressed blob (:func:`pack_units` / :func:`unpack_units`) so that any worker on any machine can read them from
the database, and so that a million-unit job is a few hundred rows, not a million.
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
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

__all__ = [
    "ACTION_DESCRIPTIONS",
    "ChunkStatus",
    "Job",
    "JobStatus",
    "UnitError",
    "pack_units",
    "unpack_units",
]


class JobStatus(StrEnum):
    """Where a registration job is. ``DONE``, ``ERROR`` and ``CANCELLED`` are final (Encord's LongPollingStatus)."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.ERROR, JobStatus.CANCELLED)


class ChunkStatus(StrEnum):
    """Where a chunk is: waiting, leased by a worker, committed, or cancelled before it ran."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


ACTION_DESCRIPTIONS: dict[ItemKind, str] = {
    ItemKind.VIDEO: "Registering video",
    ItemKind.IMAGE: "Registering image",
    ItemKind.AUDIO: "Registering audio file",
    ItemKind.TEXT: "Registering text file",
    ItemKind.PDF: "Registering PDF",
    ItemKind.NIFTI: "Registering NIfTI file",
    ItemKind.DICOM_FILE: "Registering DICOM file",
    ItemKind.DICOM_SERIES: "Registering DICOM series",
    ItemKind.IMAGE_GROUP: "Registering image group",
    ItemKind.IMAGE_SEQUENCE: "Registering image sequence",
}
"""What a unit's registration is called in its error (Encord's ``action_description``)."""


@dataclass(frozen=True)
class UnitError:
    """Why one unit was not registered, in Encord's shape plus where the unit is in its manifest."""

    unit: int
    location: str
    kind: ItemKind
    title: str
    object_urls: tuple[str, ...]
    error: str
    code: str
    action_description: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "location": self.location,
            "kind": self.kind.value,
            "title": self.title,
            "object_urls": list(self.object_urls),
            "error": self.error,
            "code": self.code,
            "action_description": self.action_description,
        }


@dataclass(frozen=True)
class Job:
    """A registration job with its unit counts (``units_skipped``/``units_updated`` are part of ``units_done``)."""

    id: int
    folder_id: int | None
    integration_id: int | None
    actor_id: int | None
    source: str
    format: str
    status: JobStatus
    ignore_errors: bool
    skip_duplicate_urls: bool
    upsert_metadata: bool
    units_total: int
    units_pending: int
    units_done: int
    units_error: int
    units_cancelled: int
    units_skipped: int
    units_updated: int
    items_created: int
    chunks_total: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    counts_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def progress(self) -> float:
        """Finished units (done, error, cancelled) over all units, 0..1."""
        if self.units_total == 0:
            return 1.0
        return (self.units_total - self.units_pending) / self.units_total

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        for name in ("created_at", "started_at", "finished_at"):
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        return data


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
    """The units as one compressed blob (a JSON array of compact records, zlib): a chunk's payload."""
    records = [_unit_record(u) for u in units]
    return zlib.compress(json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode(), level=1)


def unpack_units(blob: bytes) -> list[Unit]:
    """The units of a chunk payload (a JSON array of records, as ``pack_units`` writes it), in manifest order."""
    try:
        records = json.loads(zlib.decompress(blob).decode())
        if not isinstance(records, list):
            raise TypeError("not a JSON array of records")
        return [_record_unit(record) for record in records]
    except (zlib.error, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(f"a registration chunk payload is corrupt: {exc}") from exc
