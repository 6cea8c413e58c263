"""Items (files and composites) and pages of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from cairn.api.schemas.common import MAX_ID, Body, ClientMetadata, ItemIds, Public
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.records import Item, Page


class MediaPublic(Public):
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


class ItemPublic(Public):
    id: int
    folder_id: int
    kind: ItemKind
    title: str
    status: ItemStatus
    status_reason: str | None
    integration_id: int | None
    object_url: str | None = Field(description="Where the file is, for registered files (None when uploaded).")
    managed: bool = Field(description="True when the file was uploaded into cairn's managed storage.")
    pending_action: str | None
    media: MediaPublic
    client_metadata: ClientMetadata
    owner_id: int | None
    created_at: datetime
    edited_at: datetime


class ItemsPublic(Public):
    items: list[ItemPublic]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` for the next page; null at the end.")


class ItemUpdate(Body):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    client_metadata: ClientMetadata | None = None


class ItemsMove(Body):
    item_ids: ItemIds
    folder_id: int = Field(ge=1, le=MAX_ID, description="The folder to move them into.")


class ItemsDelete(Body):
    item_ids: ItemIds
    remove_unused_members: bool = Field(
        default=True, description="Deleting a composite also deletes its member files that nothing else uses."
    )


class ViewPublic(Public):
    url: str = Field(description="GET this URL for the file's bytes (Range requests are honoured).")
    method: str = Field(description="'presigned' (straight from the bucket) or 'proxy' (streamed through cairn).")
    expires_at: datetime | None


def item_public(item: Item) -> ItemPublic:
    data: dict[str, Any] = {
        name: getattr(item, name) for name in ItemPublic.model_fields if name not in {"media", "managed"}
    }
    return ItemPublic(**data, media=MediaPublic.model_validate(item.media), managed=item.managed_key is not None)


def items_page_public(page: Page[Item]) -> ItemsPublic:
    """A keyset page of items as the API answers it (its next cursor included)."""
    return ItemsPublic(items=[item_public(i) for i in page.items], next_cursor=page.next_cursor)
