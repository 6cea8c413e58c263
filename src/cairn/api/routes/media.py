"""An item's file: a URL to view it, cairn's streaming proxy (Range honoured), its inspection and frame map."""

from __future__ import annotations

import time
from dataclasses import asdict
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Request, status
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.ranges import parse_range, stream
from cairn.api.schemas.common import IdPath
from cairn.api.schemas.items import ViewPublic
from cairn.api.schemas.media import FrameMapPublic, InspectionPublic, ThumbnailQueued
from cairn.api.security import file_headers
from cairn.services.thumbnails import BATCH_WINDOW, THUMBNAIL_MEDIA_TYPE, ThumbnailRecord, ThumbnailSource

router = APIRouter(prefix="/items/{item_id}", tags=["items"])

THUMBNAIL_CACHING = "private, max-age=600"
"""A browser may keep a thumbnail ten minutes without asking (a shared cache never); then it revalidates (304)."""
THUMBNAIL_RETRY_AFTER = 1
"""Seconds after which a 202 (a thumbnail being made) may be asked for again."""
_FIRST_POLL, _LAST_POLL = 0.05, 0.25  # how often a waiting request looks for the made thumbnail (growing)


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
        202: {
            "model": ThumbnailQueued,
            "description": "Not made yet: a job makes it; ask again after `Retry-After` seconds.",
        },
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
    first page (audio and text items have none: 404 `no_thumbnail`). Made by a background job and cached by cairn:
    a request for one not made yet waits for it a short while (`thumbnail_wait_seconds`), then answers 202 with
    `Retry-After`. The 200 says what making it read from the bucket (`Cairn-Source-Bytes`, `Cairn-Source-Requests`,
    `Cairn-Made-In-Seconds`)."""
    source = await run_in_threadpool(partial(registry.thumbnails.source, actor=user, item_id=item_id))
    etag = f'"{source.version}"'
    _, headers = file_headers(content_type=THUMBNAIL_MEDIA_TYPE, filename=f"thumbnail-{item_id}.webp")
    headers.update({"ETag": etag, "Cache-Control": THUMBNAIL_CACHING})
    if if_none_match is not None and _matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    made = await _thumbnail_made(request, registry, source)
    if made is None:
        queued = ThumbnailQueued(item_id=item_id, retry_after=THUMBNAIL_RETRY_AFTER)
        return JSONResponse(
            queued.model_dump(),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Retry-After": str(THUMBNAIL_RETRY_AFTER), "Cache-Control": "no-store"},
        )
    source, data = made
    if (cost := source.cost) is not None:
        headers.update(_cost_headers(cost))
    return Response(data, media_type=THUMBNAIL_MEDIA_TYPE, headers=headers)


async def _thumbnail_made(
    request: Request, registry: RegistryDep, source: ThumbnailSource
) -> tuple[ThumbnailSource, bytes] | None:
    """The cached thumbnail, or one a job makes within ``thumbnail_wait_seconds``; None when it is not there by then.
    Waits in the event loop, never in one of the threads every other route runs in (a page of rows asking for a
    hundred thumbnails at once must not leave the rest of the API without a thread); lets the requests of a page
    gather for ``BATCH_WINDOW`` so that they make one job."""
    thumbnails = registry.thumbnails
    cached = await run_in_threadpool(thumbnails.want, source)
    if cached is not None:
        return source, cached.data
    await anyio.sleep(BATCH_WINDOW)
    await run_in_threadpool(thumbnails.send)
    deadline = time.monotonic() + request.app.state.settings.thumbnail_wait_seconds
    pause = _FIRST_POLL
    while (left := deadline - time.monotonic()) > 0:
        await anyio.sleep(min(pause, left))
        cached = await run_in_threadpool(thumbnails.cached, source)
        if cached is not None:
            return await run_in_threadpool(thumbnails.check, source), cached.data
        pause = min(pause * 1.5, _LAST_POLL)
    await run_in_threadpool(thumbnails.check, source)  # failed meanwhile: say why (404 no_thumbnail)
    return None


def _cost_headers(cost: ThumbnailRecord) -> dict[str, str]:
    """What making the thumbnail read from the user's bucket, and how long it took."""
    return {
        "Cairn-Source-Bytes": str(cost.bytes_read),
        "Cairn-Source-Requests": str(cost.requests),
        "Cairn-Made-In-Seconds": f"{cost.seconds:.3f}",
    }


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (or is ``*``); weak tags compare equal to strong ones (RFC 9110)."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags
