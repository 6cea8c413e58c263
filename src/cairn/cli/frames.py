"""``cairn frames ITEM --out DIR``: write a video's frames as images, named by their index in the frame map."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.output import print_json, say
from cairn.cli.session import session_of
from cairn.domain.frame_map import FrameSelection
from cairn.errors import AlreadyExists, InvalidInput

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cairn.cli.session import Session
    from cairn.domain.frames import Frame


class ImageFormat(StrEnum):
    PNG = "png"
    JPEG = "jpeg"


_SUFFIX = {ImageFormat.PNG: "png", ImageFormat.JPEG: "jpg"}


def frame_name(index: int, image_format: ImageFormat) -> str:
    """``frame_000042.png``: frame 42 of the item's frame map (the frame a label on frame 42 is placed on)."""
    return f"frame_{index:06d}.{_SUFFIX[image_format]}"


def frames(
    ctx: typer.Context,
    *,
    item_id: Annotated[int, typer.Argument(metavar="ITEM", help="Id of a video item.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the images into (made if missing).")],
    every: Annotated[int, typer.Option("--every", min=1, help="Every N-th frame of those chosen.")] = 1,
    start: Annotated[int, typer.Option("--start", min=0, help="First frame (index in the frame map).")] = 0,
    stop: Annotated[int | None, typer.Option("--stop", min=0, help="Stop before this frame (default: the end).")] = (
        None
    ),
    key_frames: Annotated[bool, typer.Option("--key-frames", help="Only the key frames.")] = False,
    image_format: Annotated[ImageFormat, typer.Option("--format", help="Image format.")] = ImageFormat.PNG,
) -> None:
    """Write a video's frames as images: frame i of the stored frame map becomes frame_00000i.png.

    Ghost frames hidden by an edit list are not frames; B-frames come in display order. Existing files are never
    overwritten: the command refuses before writing anything. The bytes are read with range requests.
    """
    from cairn.domain.frames import iter_frames  # noqa: PLC0415 (PyAV: loaded by the commands that decode)
    from cairn.storage import RangeFile  # noqa: PLC0415

    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    index = registry.inspection.frame_index(actor=actor, item_id=item_id)
    selection = FrameSelection(start=start, stop=stop, step=every, key_frames_only=key_frames)
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


def _write(session: Session, frames: Iterator[Frame], targets: dict[int, Path], image_format: ImageFormat) -> int:
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
