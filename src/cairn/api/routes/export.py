"""Export a folder's files as a registration manifest (JSON or CSV), to register them elsewhere or again."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Annotated, BinaryIO, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.schemas.common import IdPath

router = APIRouter(tags=["registration jobs"])

_MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@router.get(
    "/folders/{folder_id}/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}},
            "description": "The manifest (X-Cairn-Units: units written; X-Cairn-Not-Exportable: files left out).",
        }
    },
)
def export_folder(
    *,
    folder_id: IdPath,
    user: CurrentUser,
    registry: RegistryDep,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
    drop_metadata: Annotated[
        bool, Query(description="CSV: leave out what CSV cannot say instead of refusing.")
    ] = False,
) -> StreamingResponse:
    """The folder's files (not its sub-folders) as a manifest; uploaded files have no URL and are left out."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _chunks once sent, or below on error
    try:
        result = registry.exports.export_folder(
            actor=user, folder_id=folder_id, out=out, fmt=format_, drop_metadata=drop_metadata
        )
    except BaseException:
        out.close()
        raise
    size = out.tell()
    out.seek(0)
    headers = {
        "Content-Length": str(size),
        "Content-Disposition": f'attachment; filename="folder-{folder_id}.{format_}"',
        "X-Cairn-Units": str(result.units),
        "X-Cairn-Not-Exportable": str(result.not_exportable),
    }
    return StreamingResponse(_chunks(out), media_type=_MEDIA_TYPES[format_], headers=headers)


def _chunks(file: BinaryIO) -> Iterator[bytes]:
    with file:
        while chunk := file.read(1024 * 1024):
            yield chunk
