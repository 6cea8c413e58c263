"""Image sequences as videos (pure rules): grouping images by size, and fitting each image into the video frame.

Seed 000/004: "every image within your defined sequence will be made to have the same dimensions as the first
image in that sequence", and an upload "will automatically group images of different heights and widths into
separate image sequences". cairn's rule for an image of another size (``docs/media-processing.md``): scale it,
keeping its aspect ratio, to the largest size that fits the first image's dimensions, centred, with black bars
on the two sides that do not fill (letterbox or pillarbox). Shapes are never stretched, so a label drawn on the
video frame has the same form as on the image: only a uniform scale and an offset separate them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

from cairn.errors import InvalidInput

__all__ = ["MAX_FRAME_PIXELS", "MAX_FRAME_SIDE", "Placement", "group_by_size", "place_in_frame", "video_frame_size"]

T = TypeVar("T")
MAX_FRAME_PIXELS = 139_264 * 256
"""H.264's largest frame (level 6.2: 139,264 macroblocks of 16x16 pixels, e.g. 8192x4320)."""
MAX_FRAME_SIDE = 16_384
"""libx264's largest width or height."""
Size = tuple[int, int]


@dataclass(frozen=True)
class Placement:
    """Where an image goes in the video frame: scaled to ``width`` x ``height``, its top-left corner at x, y."""

    width: int
    height: int
    x: int
    y: int


def group_by_size(items: Sequence[T], size_of: Callable[[T], Hashable]) -> list[list[T]]:
    """Split ``items`` into one group per distinct size, groups in order of first appearance, items in order."""
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(size_of(item), []).append(item)
    return list(groups.values())


def video_frame_size(first: Size) -> Size:
    """The video's frame size: the first image's, plus one black row/column where odd (H.264 4:2:0 needs even)."""
    width, height = first
    if width < 1 or height < 1:
        raise InvalidInput(f"an image sequence's first image has no pixels ({width}x{height})")
    if width > MAX_FRAME_SIDE or height > MAX_FRAME_SIDE or width * height > MAX_FRAME_PIXELS:
        raise InvalidInput(
            f"an image sequence's first image is {width}x{height}: its video would be over H.264's largest frame "
            f"({MAX_FRAME_PIXELS:,} pixels, at most {MAX_FRAME_SIDE} a side)",
            details={"width": width, "height": height},
        )
    return width + width % 2, height + height % 2


def place_in_frame(image: Size, first: Size) -> Placement:
    """Where an image of size ``image`` goes in a sequence whose first image is ``first`` (module docstring).

    The fitted area is the first image's (not the padded even frame), so images of the first image's size are
    placed 1:1 at the top-left corner.
    """
    width, height = image
    if width < 1 or height < 1:
        raise InvalidInput(f"an image of an image sequence has no pixels ({width}x{height})")
    if (width, height) == first:
        return Placement(width, height, 0, 0)
    scale = min(Fraction(first[0], width), Fraction(first[1], height))
    fit_w = max(1, min(first[0], round(width * scale)))
    fit_h = max(1, min(first[1], round(height * scale)))
    return Placement(fit_w, fit_h, (first[0] - fit_w) // 2, (first[1] - fit_h) // 2)
