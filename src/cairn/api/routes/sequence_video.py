"""Image-sequence videos: built by a job, on demand (registration and upload queue one by themselves)."""

from __future__ import annotations

from fastapi import APIRouter, status

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.routes.jobs import job_public
from cairn.api.schemas.jobs import JobPublic
from cairn.api.schemas.sequence_video import SequenceVideoCreate
from cairn.services.sequence_video import SequenceVideoParams

router = APIRouter(tags=["sequence videos"])


@router.post("/sequence-videos", status_code=status.HTTP_201_CREATED)
def start_sequence_videos(*, body: SequenceVideoCreate, user: CurrentUser, registry: RegistryDep) -> JobPublic:
    """Build the videos of image sequences (editor role on their folders): a `sequence_video` job, one unit each."""
    params = SequenceVideoParams.given(fps=body.fps, destination=body.destination)
    job = registry.sequence_video.start(actor=user, item_ids=body.item_ids, params=params)
    return job_public(job)
