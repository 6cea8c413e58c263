"""Building image sequences' videos."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cairn.api.schemas.common import MAX_IDS, Body, IdField
from cairn.api.schemas.reencode import FpsText


class SequenceVideoCreate(Body):
    """Build (or build again) the videos of image sequences: each image one frame, in order, at `fps` frames per
    second (default 30), sized as the first image (others fitted, never stretched)."""

    item_ids: Annotated[list[IdField], Field(min_length=1, max_length=MAX_IDS)]
    fps: FpsText | None = None
    destination: Literal["managed"] = Field(
        default="managed", description="Where the video goes: cairn's managed storage."
    )
