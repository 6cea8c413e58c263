"""``cairn frames ITEM --out DIR``: write a video's frames as images, named by their index in the frame map;
``cairn frames ITEM --export [--as group|sequence]``: the same frames as image items, made by a job on the server."""

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.output import print_json, say
from cairn.cli.register import follow_and_finish
from cairn.cli.session import session_of
from cairn.domain.image_format import ImageFormat
from cairn.errors import AlreadyExists, InvalidInput

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cairn.cli.session import Session
    from cairn.domain.frame_export import FrameExportParams
    from cairn.domain.frame_map import FrameSelection
    from cairn.domain.frames import Frame


class Destination(StrEnum):
    MANAGED = "managed"
    BUCKET = "bucket"


class Grouping(StrEnum):
    GROUP = "group"
    SEQUENCE = "sequence"


def frames(
    ctx: typer.Context,
    *,
    item_id: Annotated[int, typer.Argument(metavar="ITEM", help="Id of a video item.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Directory to write the images into (made if missing).")
    ] = None,
    export: Annotated[
        bool, typer.Option("--export", help="Export on the server instead: image items in <title>_frames (a job).")
    ] = False,
    grouping: Annotated[
        Grouping | None, typer.Option("--as", help="With --export: register the images as an image group or sequence.")
    ] = None,
    every: Annotated[int, typer.Option("--every", min=1, help="Every N-th frame of those chosen.")] = 1,
    start: Annotated[int, typer.Option("--start", min=0, help="First frame (index in the frame map).")] = 0,
    stop: Annotated[int | None, typer.Option("--stop", min=0, help="Stop before this frame (default: the end).")] = (
        None
    ),
    key_frames: Annotated[bool, typer.Option("--key-frames", help="Only the key frames.")] = False,
    listed: Annotated[
        bool, typer.Option("--client-key-frames", help="With --export: the frames clientMetadata.keyframes lists.")
    ] = False,
    image_format: Annotated[ImageFormat, typer.Option("--format", help="Image format.")] = ImageFormat.PNG,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="With --export: wait for the job.")] = False,
    destination: Annotated[
        Destination,
        typer.Option(
            "--destination",
            help="With --export: managed storage, or bucket (a prefix <stem>_frames/ next to the video, checked "
            "writable first).",
        ),
    ] = Destination.MANAGED,
) -> None:
    """Write a video's frames as images: frame i of the stored frame map becomes frame_00000i.png.

    Ghost frames hidden by an edit list are not frames; B-frames come in display order. With --out, the images are
    written here (existing files are never overwritten: the command refuses before writing anything; the bytes are
    read with range requests). With --export, a job on the server writes them into managed storage (or, with
    --destination bucket, next to the video in its bucket) as image items of a sub-folder <title>_frames of the
    video's folder (editor role needed).
    """
    from cairn.domain.frame_export import FrameExportParams  # noqa: PLC0415 - `cairn --help` needs only ImageFormat
    from cairn.domain.frame_map import FrameSelection  # noqa: PLC0415

    selection = FrameSelection(start=start, stop=stop, step=every, key_frames_only=key_frames)
    if export == (out is not None):
        raise InvalidInput("give one of --out DIR (images written here) and --export (image items on the server)")
    if not export and (grouping is not None or listed or wait or destination is not Destination.MANAGED):
        raise InvalidInput("--as, --client-key-frames, --destination and --wait go with --export")
    session = session_of(ctx)
    if export:
        params = FrameExportParams(
            selection=selection,
            image_format=image_format,
            grouping=grouping.value if grouping else None,
            from_metadata=listed,
            destination=destination.value,
        )
        _export(session, item_id, params, wait=wait)
        return
    assert out is not None
    _write_here(session, item_id, selection, out, image_format)


def _export(session: "Session", item_id: int, params: "FrameExportParams", *, wait: bool) -> None:
    job = session.registry().frame_export.start(actor=session.actor(), item_id=item_id, params=params)
    if wait:
        follow_and_finish(session, job)
    elif session.json_output:
        print_json(session, job.to_dict())
    else:
        say(
            session,
            f"Job {job.id}: exporting {job.units_total:,} frame(s) of item {item_id} (cairn job show {job.id}).",
        )


def _write_here(
    session: "Session", item_id: int, selection: "FrameSelection", out: Path, image_format: ImageFormat
) -> None:
    from cairn.domain.frames import iter_frames  # noqa: PLC0415 (PyAV: loaded by the commands that decode)
    from cairn.storage import RangeFile  # noqa: PLC0415

    registry, actor = session.registry(), session.actor()
    index = registry.inspection.frame_index(actor=actor, item_id=item_id)
    targets = _targets(out, selection.indices(index), image_format)
    content = registry.viewing.open(actor=actor, item_id=item_id)
    reader = RangeFile(content.store, content.key, size=content.info.size)
    written = _write(session, iter_frames(reader, index, selection), targets, image_format)
    if session.json_output:
        document = {"item_id": item_id, "out": str(out), "frames": written, "bytes_read": reader.bytes_fetched}
        print_json(session, document)
    else:
        say(session, f"Wrote {written:,} frame(s) of item {item_id} to {out} ({reader.bytes_fetched:,} bytes read).")


def _targets(out: Path, chosen: list[int], image_format: ImageFormat) -> dict[int, Path]:
    """The file of every frame chosen; refuses (before anything is written) when one exists already."""
    from cairn.domain.frame_export import frame_name  # noqa: PLC0415

    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out}: not a directory")
    if not chosen:
        raise InvalidInput("no frame chosen: the range is past the video's end, or it has no key frame there")
    targets = {i: out / frame_name(i, image_format) for i in chosen}
    existing = [path for path in targets.values() if path.exists()]
    if existing:
        raise AlreadyExists(f"{existing[0]} exists (and {len(existing) - 1} more): frames are never overwritten")
    out.mkdir(parents=True, exist_ok=True)
    return targets


def _write(session: "Session", frames: "Iterator[Frame]", targets: dict[int, Path], image_format: ImageFormat) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    from cairn.domain.frames import image_files  # noqa: PLC0415 (PyAV)

    columns = (TextColumn("frames"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    show = not session.json_output and sys.stderr.isatty()
    written = 0
    with Progress(*columns, console=session.err, disable=not show) as progress:
        task = progress.add_task("frames", total=len(targets))
        for index, data in image_files(frames, image_format.value):
            with targets[index].open("xb") as file:  # "x": never replace a file made meanwhile
                file.write(data)
            written += 1
            progress.advance(task)
    return written
