"""``cairn sequence-video ITEM... [--fps R] [--destination bucket|managed] [--wait]``: build (or build again)
image sequences' videos.

Registration (``createVideo``) and upload ("Batch images as: Image sequence") queue this job by themselves; this
command starts it on demand, e.g. after a member image was fixed. With ``--wait`` it follows the job and, with the
embedded queue, works on it itself (as ``cairn reencode --wait`` does).
"""

from typing import Annotated

import typer

from cairn.cli.reencode import follow_job, where_results
from cairn.cli.session import session_of


def sequence_video(
    ctx: typer.Context,
    *,
    item_ids: Annotated[list[int], typer.Argument(metavar="ITEM...", help="Ids of image sequences.")],
    fps: Annotated[str | None, typer.Option("--fps", help="Frames per second (default 30; 30000/1001).")] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait for the job, with a progress bar.")] = False,
    destination: Annotated[
        str | None,
        typer.Option(
            "--destination",
            metavar="bucket|managed",
            help="Where videos go: next to each sequence's first image in its bucket (refused now if it cannot be "
            "written), or cairn's managed storage. Default: the bucket when writable, else managed.",
        ),
    ] = None,
) -> None:
    """Build image sequences' videos: each image one frame, in order, sized as the first image (H.264 mp4)."""
    from cairn.services.sequence_video import SequenceVideoParams  # noqa: PLC0415

    params = SequenceVideoParams.given(fps=fps, destination=destination)
    session = session_of(ctx)
    job = session.registry().sequence_video.start(actor=session.actor(), item_ids=item_ids, params=params)
    doing = f"building {job.units_total:,} video(s) into {where_results(job.params)}"
    follow_job(session, job, wait=wait, doing=doing)
