"""The journal: who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from cairn.api.schemas.common import Public


class JournalEntryPublic(Public):
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


class JournalPublic(Public):
    entries: list[JournalEntryPublic]
    next_before_id: int | None = Field(default=None, description="Pass as `before_id` for older entries.")
