"""Exporting a video's frames as image items: a job."""

from __future__ import annotations

from fastapi import APIRouter, status

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.routes.jobs import job_public
from cairn.api.schemas.common import IdPath
from cairn.api.schemas.frame_export import FrameExportCreate
from cairn.api.schemas.jobs import JobPublic
from cairn.domain.frame_export import FrameExportParams, ImageFormat
from cairn.domain.frame_map import FrameSelection

router = APIRouter(tags=["frames"])


@router.post("/items/{item_id}/frame-export", status_code=status.HTTP_201_CREATED)
def start_frame_export(
    *, item_id: IdPath, body: FrameExportCreate, user: CurrentUser, registry: RegistryDep
) -> JobPublic:
    """Start exporting a video's frames (editor role on its folder); the job makes one image item per frame."""
    selection = FrameSelection(start=body.start, stop=body.stop, step=body.every, key_frames_only=body.key_frames)
    params = FrameExportParams(
        selection=selection,
        image_format=ImageFormat(body.format),
        grouping=body.as_,
        from_metadata=body.client_metadata_key_frames,
        destination=body.destination,
    )
    return job_public(registry.frame_export.start(actor=user, item_id=item_id, params=params))
