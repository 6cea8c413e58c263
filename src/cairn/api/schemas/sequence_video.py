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
    destination: Literal["bucket", "managed"] | None = Field(
        default=None,
        description=(
            "Where each video goes: `bucket` (next to the sequence's first image, in its integration's bucket, as "
            "`<title>.mp4` or a free name: refused now, naming the permission, when the integration cannot write "
            "there; refused for an uploaded sequence), `managed` (cairn's storage), or null: the bucket when "
            "writable, else managed. The job's `params.results_in` says which was used."
        ),
    )
