"""Media processors over local files: re-encode a video by a recipe, build an image sequence's video.

Each writes a hidden partial file in the output directory (``.cairn-partial-<random>-<name>``, removed whatever
happens; no directory is made or removed: on a file system that discards freed blocks, removing a directory cost
more than 3 ms), bounds the result's size (FFmpeg's ``-fs``; a stream copy counts what it writes: a result that
reaches the bound is refused, not kept cut short), and only renames a finished result to its final name. A
cancelled or failed run leaves nothing behind. Streaming from and to buckets and the job around it belong to the
callers.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import IO

from PIL import Image, ImageOps

from cairn.domain.image_sequences import place_in_frame, video_frame_size
from cairn.domain.reencode import X264_CRF, Recipe, ffmpeg_arguments
from cairn.errors import AlreadyExists, InvalidInput, MediaError
from cairn.media.ffmpeg import Cancel, cancelled_error, run_ffmpeg
from cairn.media.reading import FOREIGN_ERRORS, media_error
from cairn.media.remux import remux

__all__ = ["DEFAULT_SEQUENCE_FPS", "output_bound", "reencode", "sequence_frame", "sequence_video"]

DEFAULT_SEQUENCE_FPS = Fraction(30)
_MIN_OUTPUT_BOUND = 64 * 1024 * 1024


def output_bound(input_bytes: int) -> int:
    """The default bound on a result's size: four times the input plus 64 MiB (a CRF 18 re-encode of an already
    compressed video is rarely larger than its input; a result this big is refused rather than filling the disk)."""
    return 4 * input_bytes + _MIN_OUTPUT_BOUND


def reencode(
    input_path: Path,
    recipe: Recipe,
    out_dir: Path,
    cancel: Cancel | None = None,
    *,
    max_output_bytes: int | None = None,
    timeout_seconds: float | None = None,
    on_start: Callable[[], None] | None = None,
) -> Path:
    """Apply ``recipe`` to the video at ``input_path``; the result is ``out_dir/<stem>_normalized.<container>``
    (``on_start``: called once the work runs). A stream copy runs in this process (:mod:`cairn.media.remux`), a
    re-encode in an FFmpeg process.

    Raises MediaError with FFmpeg's reason when the input cannot be processed (corrupt, truncated), when
    cancelled (``details.reason`` "cancelled") or when the result reaches ``max_output_bytes``.
    """
    if not recipe.needed:
        raise InvalidInput(f"{input_path.name}: the recipe has no step: there is nothing to fix")
    final = out_dir / f"{input_path.stem}_normalized.{recipe.container}"
    bound = max_output_bytes or output_bound(input_path.stat().st_size)
    with _partial(final) as partial:
        if recipe.encode:
            args = ffmpeg_arguments(recipe, str(input_path), str(partial), max_bytes=bound)
            roles = {
                f"file:{input_path}": input_path.name,
                f"file:{partial}": "output",
                str(input_path): input_path.name,
            }
            run_ffmpeg(
                args, roles=roles, scratch=out_dir, cancel=cancel, timeout_seconds=timeout_seconds, on_start=on_start
            )
        else:
            remux(input_path, recipe, partial, cancel, max_bytes=bound, timeout_seconds=timeout_seconds,
                  on_start=on_start)  # fmt: skip
        return _keep(partial, final, bound)


def sequence_video(
    images: Sequence[Path],
    out_path: Path,
    cancel: Cancel | None = None,
    *,
    frame_rate: Fraction = DEFAULT_SEQUENCE_FPS,
    max_output_bytes: int | None = None,
    timeout_seconds: float | None = None,
) -> Path:
    """An H.264 mp4 (constant ``frame_rate``, faststart) at ``out_path``: image i is frame i, fitted by
    :func:`cairn.domain.image_sequences.place_in_frame` into the first image's dimensions."""
    if not images:
        raise InvalidInput("an image sequence needs at least one image")
    if frame_rate <= 0:
        raise InvalidInput(f"an image sequence's frame rate must be positive, got {frame_rate}")
    first = _displayed_size(images[0], 0)
    width, height = video_frame_size(first)
    bound = max_output_bytes or output_bound(sum(p.stat().st_size for p in images) + width * height * 3)
    with _partial(out_path) as partial:
        args = _sequence_arguments(width, height, frame_rate, str(partial), bound)

        def feed(stdin: IO[bytes]) -> None:
            for index, path in enumerate(images):
                if cancel is not None and cancel():
                    raise cancelled_error()
                stdin.write(sequence_frame(path, first, index=index).tobytes())

        run_ffmpeg(args, roles={str(partial): "output"}, scratch=out_path.parent, cancel=cancel, feed=feed,
                   timeout_seconds=timeout_seconds)  # fmt: skip
        return _keep(partial, out_path, bound)


def sequence_frame(path: Path, first: tuple[int, int], *, index: int = 0) -> Image.Image:
    """Image ``path`` as frame of a sequence whose first image has the (displayed) size ``first``: RGB, the even
    frame size, the image placed by the documented rule on black. Tests compare decoded frames with this."""
    with _open_image(path, index) as image:
        placement = place_in_frame(image.size, first)
        frame = Image.new("RGB", video_frame_size(first))
        picture = image.convert("RGB")
        if picture.size != (placement.width, placement.height):
            picture = picture.resize((placement.width, placement.height), Image.Resampling.LANCZOS)
        frame.paste(picture, (placement.x, placement.y))
        return frame


def _sequence_arguments(width: int, height: int, rate: Fraction, target: str, bound: int) -> list[str]:
    return ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", f"{width}x{height}", "-framerate", str(rate),
            "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(X264_CRF), "-pix_fmt", "yuv420p",
            "-fps_mode", "cfr", "-movflags", "+faststart", "-f", "mp4", "-fs", str(bound), target]  # fmt: skip


def _displayed_size(path: Path, index: int) -> tuple[int, int]:
    with _open_image(path, index) as image:
        return image.size


@contextmanager
def _open_image(path: Path, index: int) -> Iterator[Image.Image]:
    """The image as displayed (EXIF orientation applied); unreadable images raise MediaError naming which one
    (``details.index``: its position in the sequence)."""
    try:
        with Image.open(path) as raw:
            yield ImageOps.exif_transpose(raw)
    except MediaError:
        raise
    except FOREIGN_ERRORS as exc:
        error = media_error(f"image {index} of the sequence ({path.name}) cannot be read", exc)
        error.details["index"] = index  # which image: the caller names it by its URL
        raise error from exc


@contextmanager
def _partial(final: Path) -> Iterator[Path]:
    """A fresh hidden name next to ``final`` for FFmpeg to write (created private, empty), removed whatever happens
    unless it was renamed to ``final``."""
    if final.exists():
        raise AlreadyExists(f"{final.name} already exists in the output directory")
    descriptor, name = tempfile.mkstemp(prefix=".cairn-partial-", suffix=f"-{final.name}", dir=final.parent)
    os.close(descriptor)
    partial = Path(name)
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def _keep(partial: Path, final: Path, bound: int) -> Path:
    size = partial.stat().st_size if partial.exists() else 0
    if size == 0:
        raise MediaError("FFmpeg wrote no output", details={"reason": "empty_output"})
    if size >= bound:
        raise MediaError(
            f"the result reached the {bound:,}-byte bound and was stopped", details={"reason": "too_large"}
        )
    partial.replace(final)
    return final
