"""Re-encoding videos: the plan before it runs, the job, and afterwards the frame remap and the items' links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.routes.jobs import job_public
from cairn.api.schemas.common import IdPath
from cairn.api.schemas.jobs import JobPublic
from cairn.api.schemas.reencode import (
    FpsText,
    FrameRemapPublic,
    Mode,
    ReencodeCreate,
    ReencodeLinksPublic,
    ReencodePlanPublic,
    ReencodeStepPublic,
)
from cairn.errors import InvalidInput
from cairn.services.reencode import ReencodeParams, parse_fps

router = APIRouter(tags=["reencode"])

MAX_FRAMES_TEXT = 100_000


@router.get("/items/{item_id}/reencode-plan")
def reencode_plan(
    *,
    item_id: IdPath,
    user: CurrentUser,
    registry: RegistryDep,
    mode: Mode = "auto",
    height: Annotated[int | None, Query(ge=2, le=8640)] = None,
    fps: Annotated[FpsText | None, Query()] = None,
) -> ReencodePlanPublic:
    """The recipe a re-encode would apply to this video, with the reason for each step (nothing runs)."""
    params = ReencodeParams(mode=mode, height=height, fps=parse_fps(fps))
    recipe = registry.reencode.plan(actor=user, item_id=item_id, params=params)
    return ReencodePlanPublic(
        item_id=item_id,
        mode=mode,
        needed=recipe.needed,
        encode=recipe.encode,
        container=recipe.container,
        steps=[ReencodeStepPublic(**step) for step in recipe.describe()],
    )


@router.post("/reencode", status_code=status.HTTP_201_CREATED)
def start_reencode(*, body: ReencodeCreate, user: CurrentUser, registry: RegistryDep) -> JobPublic:
    """Start re-encoding videos (editor role on their folders); the job makes one new item per video fixed."""
    params = ReencodeParams(mode=body.mode, height=body.height, fps=parse_fps(body.fps))
    job = registry.reencode.start(
        actor=user,
        params=params,
        item_ids=body.item_ids,
        folder_id=body.folder_id,
        dataset_id=body.dataset_id,
        destination=body.destination,
    )
    return job_public(job)


@router.get("/items/{item_id}/frame-remap")
def frame_remap(
    *,
    item_id: IdPath,
    user: CurrentUser,
    registry: RegistryDep,
    frames: Annotated[
        str | None, Query(max_length=MAX_FRAMES_TEXT, description="Original frame indices, comma-separated.")
    ] = None,
) -> FrameRemapPublic:
    """For a re-encoded video: the new frame index of each original frame (`null`: dropped), old → new."""
    wanted = _frames(frames)
    remap = registry.reencode.remap(actor=user, item_id=item_id, frames=wanted)
    return FrameRemapPublic(
        item_id=item_id,
        original_item_id=remap.original_item_id,
        mode=remap.mode,  # type: ignore[arg-type]
        steps=[ReencodeStepPublic(**step) for step in remap.steps],
        frames=wanted,
        new_frames=remap.new_of,
    )


@router.get("/items/{item_id}/reencodes")
def reencode_links(*, item_id: IdPath, user: CurrentUser, registry: RegistryDep) -> ReencodeLinksPublic:
    """The item this one was re-encoded from, and the items re-encoded from it."""
    original, results = registry.reencode.links(actor=user, item_id=item_id)
    return ReencodeLinksPublic(item_id=item_id, original_item_id=original, reencoded_as=results)


def _frames(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise InvalidInput(f"frames: {text[:80]!r} is not a comma-separated list of frame indices") from exc
