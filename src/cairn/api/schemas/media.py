"""Inspection reports, frame maps and uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from cairn.api.schemas.common import Public


class InspectionPublic(Public):
    """What inspecting the file found, and what it cost (bytes read, requests)."""

    item_id: int
    inspected_at: datetime
    verdict: str = Field(description="ok, warning or failed.")
    report: dict[str, Any]
    bytes_read: int
    requests: int
    whole_file_read: bool
    seconds: float


class FrameMapPublic(Public):
    """The presentation time of every visible frame of a video, in display order."""

    item_id: int
    frames: int
    time_base: str = Field(description="The unit of `pts`, as a fraction of a second, e.g. '1/15360'.")
    pts: list[int]
    seconds: list[float] = Field(description="`pts` times `time_base`: frame i is on screen from seconds[i].")
    key_frames: list[int] = Field(description="The key frames, as indices into `pts` (decoding can start there).")


class ThumbnailQueued(Public):
    """A thumbnail not made yet: a background job makes it; ask again after ``retry_after`` seconds."""

    status: str = Field(default="queued", description="Always `queued`.")
    item_id: int
    retry_after: int = Field(description="Seconds to wait before asking again (also the `Retry-After` header).")
