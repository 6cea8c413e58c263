"""An item's file: a URL to view it, cairn's streaming proxy (Range honoured), its inspection and frame map."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Header, Request, status
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.ranges import parse_range, stream
from cairn.api.schemas.common import IdPath
from cairn.api.schemas.items import ViewPublic
from cairn.api.schemas.media import FrameMapPublic, InspectionPublic
from cairn.api.security import file_headers
from cairn.services.thumbnails import THUMBNAIL_MEDIA_TYPE, ThumbnailSource

router = APIRouter(prefix="/items/{item_id}", tags=["items"])

THUMBNAIL_CACHING = "private, max-age=600"
"""A browser may keep a thumbnail ten minutes without asking (a shared cache never); then it revalidates (304)."""


@router.get("/view")
def view_url(*, item_id: IdPath, request: Request, user: CurrentUser, registry: RegistryDep) -> ViewPublic:
    """A URL to GET the file: presigned from the bucket (valid one hour), or cairn's streaming endpoint."""
    link = registry.viewing.link(actor=user, item_id=item_id)
    if link.url is not None:
        return ViewPublic(url=link.url, method="presigned", expires_at=link.expires_at)
    proxy = str(request.url_for("item_content", item_id=item_id))
    return ViewPublic(url=proxy, method="proxy", expires_at=None)


@router.get(
    "/content",
    name="item_content",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The whole file."},
        206: {"content": {"application/octet-stream": {}}, "description": "The requested byte range."},
    },
)
def item_content(
    *,
    item_id: IdPath,
    user: CurrentUser,
    registry: RegistryDep,
    range_: Annotated[str | None, Header(alias="Range", max_length=200)] = None,
) -> StreamingResponse:
    """The file's bytes, streamed by cairn (for `local` integrations and uploads). Honours `Range: bytes=a-b`.

    Raster images, video and audio are served `inline`; anything else (HTML, SVG, PDF, text...) as an
    `attachment`. Every file carries a sandboxing `Content-Security-Policy` and `X-Content-Type-Options: nosniff`.
    """
    content = registry.viewing.open(actor=user, item_id=item_id)
    size = content.info.size
    wanted = parse_range(range_, size)
    start, end = (wanted.start, wanted.end) if wanted else (0, size)
    media_type, headers = file_headers(content_type=content.info.content_type, filename=content.filename)
    headers.update({"Accept-Ranges": "bytes", "Content-Length": str(end - start)})
    if wanted:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    return StreamingResponse(
        stream(content.store, content.key, start, end),
        status_code=status.HTTP_206_PARTIAL_CONTENT if wanted else status.HTTP_200_OK,
        media_type=media_type,
        headers=headers,
    )


@router.get("/inspection")
def inspection_report(*, item_id: IdPath, user: CurrentUser, registry: RegistryDep) -> InspectionPublic:
    """What inspection found in the file (or its members, for composites)."""
    return InspectionPublic.model_validate(asdict(registry.inspection.report(actor=user, item_id=item_id)))


@router.post("/inspect")
def reinspect(*, item_id: IdPath, user: CurrentUser, registry: RegistryDep) -> InspectionPublic:
    """Inspect the file again (after it changed in the bucket) and store the new report."""
    return InspectionPublic.model_validate(asdict(registry.inspection.inspect_item(actor=user, item_id=item_id)))


@router.get("/frame-map")
def frame_map(*, item_id: IdPath, user: CurrentUser, registry: RegistryDep) -> FrameMapPublic:
    """The presentation time of every visible frame of a video, and which frames are key frames."""
    index = registry.inspection.frame_index(actor=user, item_id=item_id)
    found = index.frame_map
    return FrameMapPublic(
        item_id=item_id,
        frames=len(found),
        time_base=f"{found.time_base.numerator}/{found.time_base.denominator}",
        pts=list(found.pts),
        seconds=[float(p * found.time_base) for p in found.pts],
        key_frames=list(index.key_frames),
    )


@router.get(
    "/thumbnail",
    response_class=Response,
    responses={
        200: {"content": {THUMBNAIL_MEDIA_TYPE: {}}, "description": "The thumbnail (WebP, longest side 256 px)."},
        304: {"description": "The thumbnail named by `If-None-Match` is still the current one."},
        404: {"description": "No such item (or one you may not see: `not_found`), or it has none: `no_thumbnail`."},
    },
)
async def thumbnail(
    *,
    item_id: IdPath,
    request: Request,
    user: CurrentUser,
    registry: RegistryDep,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=1000)] = None,
) -> Response:
    """A small picture of the item: an image scaled, a video's first visible frame, a DICOM slice windowed, a PDF's
    first page; made on first request and cached by cairn (audio and text items have none: 404 `no_thumbnail`)."""
    source = await run_in_threadpool(partial(registry.thumbnails.source, actor=user, item_id=item_id))
    etag = f'"{source.version}"'
    _, headers = file_headers(content_type=THUMBNAIL_MEDIA_TYPE, filename=f"thumbnail-{item_id}.webp")
    headers.update({"ETag": etag, "Cache-Control": THUMBNAIL_CACHING})
    if if_none_match is not None and _matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    data = await _thumbnail_data(request, registry, source)
    return Response(data, media_type=THUMBNAIL_MEDIA_TYPE, headers=headers)


async def _thumbnail_data(request: Request, registry: RegistryDep, source: ThumbnailSource) -> bytes:
    """The cached thumbnail, or one made now. A request waiting for a free making slot waits in the event loop, not
    in one of the threads every other route runs in: a page of rows asking for a hundred new thumbnails at once
    must not leave the rest of the API without a thread (they would all wait for the thumbnails)."""
    thumbnails = registry.thumbnails
    cached = await run_in_threadpool(thumbnails.cached, source)
    if cached is not None:
        return cached.data
    made = await anyio.to_thread.run_sync(thumbnails.get, source, limiter=_making_slots(request))
    return made.data


def _making_slots(request: Request) -> CapacityLimiter:
    """The app's thumbnail-making slots (``thumbnail_concurrency``), made in its event loop on first use."""
    state = request.app.state
    if getattr(state, "thumbnail_slots", None) is None:
        state.thumbnail_slots = CapacityLimiter(request.app.state.settings.thumbnail_concurrency)
    slots: CapacityLimiter = state.thumbnail_slots
    return slots


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (or is ``*``); weak tags compare equal to strong ones (RFC 9110)."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags
