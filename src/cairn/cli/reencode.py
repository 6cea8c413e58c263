"""``cairn reencode ITEM... [--full | --resize H [--fps R]] [--plan] [--wait]`` and ``cairn remap ITEM FRAMES...``.

A re-encode is a job (``cairn job show ID``); with ``--wait`` this command follows it and, with the embedded queue,
works on it itself (as ``cairn register`` does). ``--plan`` prints each video's recipe with the reason for every
step and starts nothing.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.output import print_json, say, table
from cairn.cli.register import follow_and_finish
from cairn.cli.session import session_of
from cairn.errors import InvalidInput

if TYPE_CHECKING:
    from cairn.cli.session import Session
    from cairn.domain.jobs import Job
    from cairn.services.reencode import ReencodeParams


def reencode(
    ctx: typer.Context,
    *,
    item_ids: Annotated[list[int], typer.Argument(metavar="ITEM...", help="Ids of video items.")],
    full: Annotated[bool, typer.Option("--full", help="H.264, constant rate, no audio, whatever was found.")] = False,
    resize: Annotated[
        int | None, typer.Option("--resize", metavar="HEIGHT", help="Scale to this height (even), H.264.")
    ] = None,
    fps: Annotated[str | None, typer.Option("--fps", help="With --resize: a constant rate (30, 30000/1001).")] = None,
    plan: Annotated[bool, typer.Option("--plan", help="Show each recipe and why; start nothing.")] = False,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait for the job, with a progress bar.")] = False,
    destination_text: Annotated[
        str | None,
        typer.Option(
            "--destination",
            metavar="bucket|managed",
            help="Where results go: next to each original in its bucket (refused now if it cannot be written), or "
            "cairn's managed storage. Default: the bucket when writable, else managed.",
        ),
    ] = None,
) -> None:
    """Re-encode videos into new items (`_normalized`, or `_<height>p` when resized), with their frame remaps.

    Auto (the default) fixes only what inspection found, copying the video packets when it can.
    """
    from cairn.services.reencode import ReencodeParams, parse_fps  # noqa: PLC0415
    from cairn.services.result_objects import parse_destination  # noqa: PLC0415

    if full and resize is not None:
        raise InvalidInput("--full and --resize: choose one")
    mode = "full" if full else "resize" if resize is not None else "auto"
    params = ReencodeParams(mode=mode, height=resize, fps=parse_fps(fps))
    destination = parse_destination(destination_text)
    session = session_of(ctx)
    if plan:
        _show_plans(session, item_ids, params)
        return
    job = session.registry().reencode.start(
        actor=session.actor(), params=params, item_ids=item_ids, destination=destination
    )
    follow_job(
        session, job, wait=wait, doing=f"re-encoding {job.units_total:,} video(s) into {where_results(job.params)}"
    )


def follow_job(session: "Session", job: "Job", *, wait: bool, doing: str) -> None:
    """A media job just started: say so (or print it as JSON); with ``wait``, follow it to its end and, with the
    embedded queue, work on it in this process."""
    if not session.json_output:
        say(session, f"Job {job.id}: {doing}.")
    if not wait:
        if session.json_output:
            print_json(session, job.to_dict())
        else:
            say(session, f"Follow it with: cairn job show {job.id}")
        return
    follow_and_finish(session, job)


def where_results(params: dict[str, object]) -> str:
    """Where a media job's results go, in words (its params' ``results_in``)."""
    places = {"bucket": "the bucket, next to each original", "managed": "cairn's managed storage"}
    used = str(params.get("results_in") or "managed").split(" and ")
    return " and ".join(places.get(p, p) for p in used)


def _show_plans(session: "Session", item_ids: list[int], params: "ReencodeParams") -> None:
    registry, actor = session.registry(), session.actor()
    plans = {i: registry.reencode.plan(actor=actor, item_id=i, params=params) for i in item_ids}
    if session.json_output:
        document = [
            {"item_id": i, "mode": params.mode, "needed": r.needed, "encode": r.encode, "steps": r.describe()}
            for i, r in plans.items()
        ]
        print_json(session, document)
        return
    for item_id, recipe in plans.items():
        if not recipe.needed:
            say(session, f"item {item_id}: nothing to fix")
            continue
        how = "re-encode" if recipe.encode else "remux (video packets copied)"
        rows = [(s.name, s.reason) for s in recipe.steps]
        session.out.print(table(f"item {item_id}: {how} into {recipe.container}", ["step", "reason"], rows))


def remap(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(metavar="ITEM", help="Id of a re-encoded video item.")],
    frames: Annotated[list[int], typer.Argument(metavar="FRAMES...", help="Frame indices of the original.")],
) -> None:
    """Translate frame indices of the original video into the re-encoded ITEM's (`dropped`: no frame shows it)."""
    session = session_of(ctx)
    found = session.registry().reencode.remap(actor=session.actor(), item_id=item_id, frames=frames)
    if session.json_output:
        document = {"item_id": item_id, "original_item_id": found.original_item_id, "frames": frames}
        print_json(session, {**document, "new_frames": found.new_of})
        return
    rows = [(old, "dropped" if new is None else new) for old, new in zip(frames, found.new_of, strict=True)]
    session.out.print(table(f"item {item_id}: frames of the original → frames of this video", ["old", "new"], rows))
