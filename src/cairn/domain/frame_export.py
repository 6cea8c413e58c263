"""What a frame export is asked for: which frames of a video, as which images, where, and grouped as what.

The frames are numbered by the stored frame map (:mod:`frame_map`): frame i is the i-th visible picture in display
order, so an exported ``frame_000042.png`` is the frame a label on frame 42 is placed on. The choice is a
:class:`FrameSelection` (a range, every N-th, key frames only), or the frames the item's ``clientMetadata`` lists
as key frames (``{"keyframes": [0, 12, 40]}``, or an object keyed by frame; with ``"config": {"keyframe_mode":
"seconds"}`` the keys are times in seconds, each mapped to the frame on screen then).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from cairn.domain.frame_map import FrameIndex, FrameMap, FrameSelection
from cairn.domain.image_format import ImageFormat
from cairn.errors import InvalidInput

__all__ = [
    "DESTINATIONS",
    "GROUPINGS",
    "FrameExportParams",
    "ImageFormat",
    "chosen_frames",
    "frame_name",
    "metadata_key_frames",
    "split_frames",
]

GROUPINGS = ("group", "sequence")
"""What the exported images may be registered as at the end: an image group or an image sequence."""
DESTINATIONS = ("managed", "bucket")
"""Where the images are written: cairn's managed storage, or a prefix next to the video in its integration's bucket."""
METADATA_KEY = "keyframes"


BYTES_PER_PIXEL_AT_MOST = {ImageFormat.PNG: 3.0, ImageFormat.JPEG: 1.0}
"""What an exported image may take per pixel, to bound an export before it starts: PNG of an 8-bit RGB frame is at
most about its raw size (noise does not compress); JPEG at quality 95 stays well under one byte a pixel."""


def export_bytes_at_most(frames: int, width: int, height: int, image_format: ImageFormat) -> int:
    """An upper estimate of the bytes ``frames`` images of ``width`` x ``height`` take in ``image_format``."""
    return int(frames * width * height * BYTES_PER_PIXEL_AT_MOST[image_format])


def frame_name(index: int, image_format: ImageFormat) -> str:
    """``frame_000042.png``: frame 42 of the item's frame map (the frame a label on frame 42 is placed on)."""
    return f"frame_{index:06d}.{image_format.suffix}"


@dataclass(frozen=True)
class FrameExportParams:
    """An export: ``selection`` (or, with ``from_metadata``, the client metadata's key frames inside its range),
    ``image_format``, ``grouping`` (None, ``group`` or ``sequence``) and ``destination``."""

    selection: FrameSelection = field(default_factory=FrameSelection)
    image_format: ImageFormat = ImageFormat.PNG
    grouping: str | None = None
    from_metadata: bool = False
    destination: str = "managed"

    def __post_init__(self) -> None:
        if self.grouping is not None and self.grouping not in GROUPINGS:
            raise InvalidInput(f"as: must be one of {', '.join(GROUPINGS)} (or nothing), got {self.grouping!r}")
        if self.destination not in DESTINATIONS:
            raise InvalidInput(f"destination: must be one of {', '.join(DESTINATIONS)}, got {self.destination!r}")
        if self.from_metadata and self.selection.key_frames_only:
            raise InvalidInput("key_frames and client_metadata_key_frames: choose one")

    def to_dict(self) -> dict[str, Any]:
        s = self.selection
        return {
            "start": s.start,
            "stop": s.stop,
            "step": s.step,
            "key_frames": s.key_frames_only,
            "client_metadata_key_frames": self.from_metadata,
            "format": self.image_format.value,
            "as": self.grouping,
            "destination": self.destination,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrameExportParams:
        selection = FrameSelection(
            start=data["start"], stop=data["stop"], step=data["step"], key_frames_only=data["key_frames"]
        )
        return cls(
            selection=selection,
            image_format=ImageFormat(data["format"]),
            grouping=data["as"],
            from_metadata=data["client_metadata_key_frames"],
            destination=data["destination"],
        )


def chosen_frames(params: FrameExportParams, index: FrameIndex, client_metadata: dict[str, Any]) -> list[int]:
    """The frame indices an export writes, ascending and without repeats."""
    if not params.from_metadata:
        return params.selection.indices(index)
    s = params.selection
    count = len(index.frame_map)
    stop = count if s.stop is None else min(s.stop, count)
    listed = metadata_key_frames(client_metadata, index.frame_map)
    return [k for k in listed if s.start <= k < stop][:: s.step]


def metadata_key_frames(client_metadata: dict[str, Any], frame_map: FrameMap) -> list[int]:
    """The frames ``clientMetadata.keyframes`` lists (a list, or an object keyed by frame), ascending; a problem is
    located at its key (``clientMetadata.keyframes[2]``)."""
    listed = client_metadata.get(METADATA_KEY)
    where = f"clientMetadata.{METADATA_KEY}"
    if listed is None:
        raise InvalidInput(f"{where}: the item's client metadata lists no key frames")
    if isinstance(listed, dict):
        entries = [(f"{where}.{key}", key) for key in listed]
    elif isinstance(listed, list):
        entries = [(f"{where}[{n}]", value) for n, value in enumerate(listed)]
    else:
        raise InvalidInput(
            f"{where}: must be a list of frames or an object keyed by frame, got {type(listed).__name__}"
        )
    config = client_metadata.get("config")
    mode = config.get("keyframe_mode", "frame") if isinstance(config, dict) else "frame"
    if mode not in ("frame", "seconds"):
        raise InvalidInput(f"clientMetadata.config.keyframe_mode: must be frame or seconds, got {mode!r}")
    return sorted({_frame_of(at, value, mode, frame_map) for at, value in entries})


def _frame_of(at: str, value: Any, mode: str, frame_map: FrameMap) -> int:
    number = _number(at, value)
    if mode == "seconds":
        if not frame_map.pts or number < 0 or number > frame_map.time_of(len(frame_map) - 1) + 1:
            raise InvalidInput(f"{at}: {value!r} seconds is outside the video")
        return frame_map.frame_at(number)
    if number != int(number) or not 0 <= number < len(frame_map):
        raise InvalidInput(f"{at}: {value!r} is not a frame of the video (0 to {len(frame_map) - 1})")
    return int(number)


def _number(at: str, value: Any) -> float:
    if isinstance(value, bool):
        raise InvalidInput(f"{at}: {value!r} is not a frame number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{at}: {value!r} is not a frame number") from None
    if not math.isfinite(number):
        raise InvalidInput(f"{at}: {value!r} is not a frame number")
    return number


def split_frames(frames: list[int], per_task: int) -> list[list[int]]:
    """Consecutive runs of at most ``per_task`` frames: each task decodes its run from the key frame before it."""
    if per_task < 1:
        raise InvalidInput(f"frames per task must be at least 1, got {per_task}")
    return [frames[at : at + per_task] for at in range(0, len(frames), per_task)]
