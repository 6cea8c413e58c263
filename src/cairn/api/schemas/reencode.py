"""Re-encode plans, requests, frame remaps and the links between an item and its re-encodes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cairn.api.schemas.common import MAX_IDS, Body, IdField, Public

Mode = Literal["auto", "full", "resize"]
FpsText = Annotated[str, Field(min_length=1, max_length=40, description="A frame rate: 30, 29.97 or 30000/1001.")]


class ReencodeStepPublic(Public):
    step: str
    reason: str


class ReencodePlanPublic(Public):
    """What a re-encode would do to a video, step by step with the reason for each (nothing has run)."""

    item_id: int
    mode: Mode
    needed: bool = Field(description="False: nothing to fix (an auto re-encode would skip this video).")
    encode: bool = Field(description="False: the video packets are copied (a remux); True: every frame re-encoded.")
    container: str
    steps: list[ReencodeStepPublic]


class ReencodeCreate(Body):
    """Re-encode videos: give exactly one of `item_ids`, `folder_id` (its videos, sub-folders included) and
    `dataset_id`. `height` (and optionally `fps`) only with mode `resize`."""

    item_ids: Annotated[list[IdField], Field(max_length=MAX_IDS)] = []
    folder_id: IdField | None = None
    dataset_id: IdField | None = None
    mode: Mode = "auto"
    height: Annotated[int | None, Field(ge=2, le=8640)] = None
    fps: FpsText | None = None
    destination: Literal["bucket", "managed"] | None = Field(
        default=None,
        description=(
            "Where the results go: `bucket` (next to each original, in its integration's bucket: refused now, naming "
            "the permission, when the integration cannot write there), `managed` (cairn's storage), or null: the "
            "bucket when it can be written, else managed storage. The job's `params.results_in` says which was used."
        ),
    )


class FrameRemapPublic(Public):
    """Which frame of this re-encoded video shows each frame of its original (`null`: dropped)."""

    item_id: int
    original_item_id: int | None = Field(description="The original (null: deleted, or not visible to you).")
    mode: Mode
    steps: list[ReencodeStepPublic]
    frames: list[int] | None = Field(description="The original frames asked for (null: all, from 0).")
    new_frames: list[int | None] = Field(description="The new frame of each original frame; null: dropped.")


class ReencodeLinksPublic(Public):
    """An item's re-encode links: the item it was made from, and the items made from it (those you may see)."""

    item_id: int
    original_item_id: int | None
    reencoded_as: list[int]
