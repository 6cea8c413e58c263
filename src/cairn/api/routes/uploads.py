"""Local upload into a folder: files go to cairn's managed storage and are inspected like registered ones."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile, status

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.schemas.common import IdPath
from cairn.api.schemas.items import ItemsPublic, item_public
from cairn.api.spooling import DataDirSpoolRoute
from cairn.domain.kinds import ItemKind
from cairn.errors import InvalidInput
from cairn.services.uploads import UploadedFile

router = APIRouter(tags=["uploads"], route_class=DataDirSpoolRoute)


def _metadata(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"client_metadata: not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise InvalidInput("client_metadata: must be a JSON object")
    return value


@router.post(
    "/folders/{folder_id}/upload",
    status_code=status.HTTP_201_CREATED,
)
def upload_files(
    *,
    folder_id: IdPath,
    files: Annotated[list[UploadFile], File(description="The files (repeat the `files` field).")],
    user: CurrentUser,
    registry: RegistryDep,
    batch: Annotated[
        ItemKind | None, Form(description="Batch the files as image_group, image_sequence or dicom_series.")
    ] = None,
    title: Annotated[str | None, Form(max_length=300, description="Title of the batch.")] = None,
    client_metadata: Annotated[
        str | None, Form(description="A JSON object (at most CAIRN_MAX_CLIENT_METADATA_BYTES as compact JSON).")
    ] = None,
) -> ItemsPublic:
    """Upload files into a folder: one item per file, or one image group / image sequence / DICOM series."""
    uploaded = [UploadedFile(f.filename or "upload", f.file, f.content_type) for f in files]
    items = registry.uploads.upload(
        actor=user,
        folder_id=folder_id,
        files=uploaded,
        batch=batch,
        title=title,
        client_metadata=_metadata(client_metadata),
    )
    return ItemsPublic(items=[item_public(i) for i in items])
