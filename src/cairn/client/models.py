"""Typed results of the SDK: plain frozen dataclasses parsed from the API's JSON (unknown fields are ignored)."""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


def parse(cls: type[T], data: dict[str, Any]) -> T:
    """Build ``cls`` from a JSON object: known fields only; datetimes and nested records converted."""
    hints = get_type_hints(cls)
    values = {f.name: _convert(hints[f.name], data[f.name]) for f in dataclasses.fields(cls) if f.name in data}  # type: ignore[arg-type]
    return cls(**values)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        return [_convert(get_args(hint)[0], v) for v in value]
    if hint is datetime:
        return datetime.fromisoformat(value)
    if dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return parse(hint, value)  # type: ignore[arg-type]
    return value


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    is_org_admin: bool
    is_active: bool
    created_at: datetime


@dataclass(frozen=True)
class PasswordLink:
    """A one-time link that sets a user's password (``client.invite_user``, ``client.reset_password``): hand
    ``url`` to them; it works once, until ``expires_at``."""

    user: User
    purpose: str  # invite | reset
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class Token:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class LoginSession:
    """A live web UI login session of yours (``client.sessions.list()``); ``current`` is never true for the SDK,
    which calls with an API token."""

    id: int
    created_at: datetime
    expires_at: datetime
    token_id: int | None  # None: started with a password
    token_name: str | None
    last_used_at: datetime | None = None
    user_agent: str | None = None
    current: bool = False


@dataclass(frozen=True)
class PathElement:
    id: int
    name: str


@dataclass(frozen=True)
class Folder:
    id: int
    parent_id: int | None
    name: str
    description: str
    client_metadata: dict[str, Any]
    kind: str
    created_by: int | None
    created_at: datetime
    edited_at: datetime
    path_to_root: list[PathElement] = field(default_factory=list)
    user_role: str | None = None


@dataclass(frozen=True)
class FolderNode:
    id: int
    name: str
    kind: str
    children: list[FolderNode] = field(default_factory=list)


@dataclass(frozen=True)
class FolderSummary:
    folder_id: int
    folders: int
    files: int
    total_size: int
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Grant:
    folder_id: int
    user_id: int
    user_email: str
    user_name: str
    role: str
    granted_at: datetime


@dataclass(frozen=True)
class Media:
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


@dataclass(frozen=True)
class Item:
    id: int
    folder_id: int
    kind: str
    title: str
    status: str
    status_reason: str | None
    integration_id: int | None
    object_url: str | None
    managed: bool
    pending_action: str | None
    media: Media
    client_metadata: dict[str, Any]
    owner_id: int | None
    created_at: datetime
    edited_at: datetime


@dataclass(frozen=True)
class ViewUrl:
    url: str
    method: str
    expires_at: datetime | None = None


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
class Integration:
    id: int
    name: str
    provider: str
    config: dict[str, Any]
    shared: bool
    owner_id: int | None
    created_at: datetime
    edited_at: datetime


@dataclass(frozen=True)
class AccessCheck:
    integration: str
    place: str
    operation: str
    ok: bool
    message: str


@dataclass(frozen=True)
class Job:
    """A job of any kind and its unit counts (``status``: queued, validating, running, done, error, cancelled).

    ``params`` are the kind's options (a registration: source, format, skip_duplicate_urls, upsert_metadata);
    ``summary`` what it reports beyond the counts (a registration: counts_by_kind)."""

    id: int
    kind: str
    title: str
    status: str
    units_total: int
    units_pending: int
    units_done: int
    units_error: int
    units_cancelled: int
    units_skipped: int = 0
    units_updated: int = 0
    items_created: int = 0
    tasks_total: int = 0
    revision: int = 0
    progress: float = 0.0
    actor_id: int | None = None
    folder_id: int | None = None
    dataset_id: int | None = None
    integration_id: int | None = None
    ignore_errors: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def is_final(self) -> bool:
        return self.status in {"done", "error", "cancelled"}


@dataclass(frozen=True)
class UnitError:
    """Why one manifest unit was not registered (where it is in the manifest, its URLs, the error)."""

    unit: int
    location: str
    kind: str
    title: str
    object_urls: list[str]
    error: str
    code: str
    action_description: str


@dataclass(frozen=True)
class RegistrationPlan:
    """What a dry run found: the manifest's unit counts and what registering it would do."""

    folder_id: int
    integration: str
    units: int
    chunks: int
    counts: dict[str, int] = field(default_factory=dict)
    skip_duplicate_urls: bool = False
    upsert_metadata: bool = False
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReencodePlan:
    """What a re-encode would do to a video: each step with its reason (``needed`` False: nothing to fix)."""

    item_id: int
    mode: str
    needed: bool
    encode: bool
    container: str
    steps: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class FrameRemap:
    """Which frame of a re-encoded video shows each frame of its original: ``new_frames[k]`` is the new index of
    original frame ``frames[k]`` (``frames`` None: of frame k), None when no frame shows it (dropped)."""

    item_id: int
    original_item_id: int | None
    mode: str
    new_frames: list[int | None]
    frames: list[int] | None = None
    steps: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Notification:
    """A job of yours ended (``outcome``: done, done_with_errors, error, cancelled), with links to the job and to
    the folder or dataset it worked on."""

    id: int
    outcome: str
    message: str
    is_read: bool
    created_at: datetime
    job_id: int | None = None
    folder_id: int | None = None
    dataset_id: int | None = None
    read_at: datetime | None = None


@dataclass(frozen=True)
class Notifications:
    """A page of your notifications (newest first) and how many of all of them are unread."""

    notifications: list[Notification]
    unread: int
    next_before_id: int | None = None


@dataclass(frozen=True)
class Event:
    """One server-sent event of ``client.notifications.events()``: a job changed, or a new notification."""

    kind: str
    job: Job | None = None
    notification: Notification | None = None
