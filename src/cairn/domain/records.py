"""The values services return: plain frozen records, independent of the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from cairn.domain.access import Role
from cairn.domain.kinds import ItemKind, ItemStatus

T = TypeVar("T")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    is_org_admin: bool
    is_active: bool
    created_at: datetime


@dataclass(frozen=True)
class Folder:
    id: int
    parent_id: int | None
    name: str
    description: str
    client_metadata: dict[str, Any]
    path: str
    kind: str
    created_by: int | None
    created_at: datetime
    edited_at: datetime

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this folder, inclusive."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def is_members_folder(self) -> bool:
        """True for the sub-folder made to hold the members of an image group, sequence or DICOM series."""
        return self.kind == "members"


@dataclass(frozen=True)
class PathElement:
    id: int
    name: str


@dataclass(frozen=True)
class MediaFields:
    file_size: int | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    duration: float | None = None
    frame_count: int | None = None
    page_count: int | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None
    audio_bit_depth: int | None = None
    audio_codec: str | None = None
    dicom_study_uid: str | None = None
    dicom_series_uid: str | None = None
    dicom_instance_uid: str | None = None

    def as_columns(self) -> dict[str, Any]:
        """The fields as the items table keeps them (``mime_type`` within its column: see ``kept_mime_type``)."""
        columns = {name: getattr(self, name) for name in MEDIA_COLUMNS}
        columns["mime_type"] = kept_mime_type(self.mime_type)
        return columns


MEDIA_COLUMNS: tuple[str, ...] = tuple(MediaFields.__dataclass_fields__)
MAX_MIME_TYPE = 255  # items.mime_type is VARCHAR(255); RFC 6838 names are at most 127 + "/" + 127


def kept_mime_type(value: str | None) -> str | None:
    """A MIME type as kept: None (unknown) when longer than its column.

    It comes from a bucket's Content-Type or a client's upload, which anyone writing the object chooses: a value
    no real MIME type has must neither fail the write on PostgreSQL nor be cut into a different type.
    """
    return value if value is None or len(value) <= MAX_MIME_TYPE else None


@dataclass(frozen=True)
class Item:
    id: int
    folder_id: int
    kind: ItemKind
    title: str
    status: ItemStatus
    status_reason: str | None
    integration_id: int | None
    object_url: str | None
    managed_key: str | None
    pending_action: str | None
    media: MediaFields
    client_metadata: dict[str, Any]
    owner_id: int | None
    created_at: datetime
    edited_at: datetime
    copy_no: int = 0


@dataclass(frozen=True)
class Dataset:
    id: int
    title: str
    description: str
    synced_folder_id: int | None
    mirrored: bool
    owner_id: int | None
    created_at: datetime
    edited_at: datetime

    @property
    def is_synced(self) -> bool:
        return self.synced_folder_id is not None


@dataclass(frozen=True)
class Grant:
    """A role granted to a user on a folder."""

    folder_id: int
    user_id: int
    user_email: str
    user_name: str
    role: Role
    granted_at: datetime


@dataclass(frozen=True)
class JournalEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_email: str | None
    action: str
    target_type: str
    target_id: int | None
    target_label: str
    folder_id: int | None
    details: dict[str, Any]


@dataclass(frozen=True)
class FolderSummary:
    folder_id: int
    folders: int
    files: int
    total_size: int
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset-paginated listing; pass ``next_cursor`` back to get the next page."""

    items: Sequence[T]
    next_cursor: str | None
