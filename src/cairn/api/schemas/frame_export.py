"""Frame export requests: which frames of a video, as which images, grouped as what."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cairn.api.schemas.common import Body

Grouping = Literal["group", "sequence"]
MAX_FRAME = 1_000_000_000


class FrameExportCreate(Body):
    """Export a video's frames as image items in a sub-folder `<title>_frames` of its folder. Frames are numbered
    by the stored frame map (edit-list ghosts are not frames; B-frames in display order). Choose a range
    (`start`, `stop`) and every `every`-th frame of it, optionally only the `key_frames`, or the frames listed in the
    item's client metadata (`client_metadata_key_frames`: `clientMetadata.keyframes`)."""

    start: Annotated[int, Field(ge=0, le=MAX_FRAME)] = 0
    stop: Annotated[int | None, Field(ge=0, le=MAX_FRAME, description="Stop before this frame (null: the end).")] = None
    every: Annotated[int, Field(ge=1, le=MAX_FRAME)] = 1
    key_frames: bool = False
    client_metadata_key_frames: bool = False
    format: Literal["png", "jpeg"] = "png"
    as_: Annotated[
        Grouping | None, Field(alias="as", description="Register the images as an image group or sequence.")
    ] = None
    destination: Annotated[
        Literal["managed", "bucket"],
        Field(
            description="Where the images go: cairn's managed storage, or `bucket`: a free prefix `<stem>_frames/` "
            "next to the video in its integration's bucket (checked writable before the job is made)."
        ),
    ] = "managed"
