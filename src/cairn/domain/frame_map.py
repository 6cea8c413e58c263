"""The per-frame timestamp map of a video: the presentation time of every visible frame, in order.

Stored compactly per item (a few bytes per frame): a small header with the time base, then the zlib-compressed
deltas of the integer presentation timestamps. A constant-frame-rate video compresses to almost nothing because
all its deltas are equal.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from itertools import islice
from operator import le, sub

from cairn.errors import InvalidInput

__all__ = ["FrameIndex", "FrameMap", "FrameSelection", "decode_frame_map", "encode_frame_map", "seek_frame"]

_MAGIC = b"CFM1"
_HEADER = struct.Struct("<4sqqq")  # magic, time base numerator, denominator, frame count


@dataclass(frozen=True)
class FrameMap:
    """Presentation timestamps (``pts``, in ``time_base`` units) of the visible frames, sorted ascending."""

    time_base: Fraction
    pts: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.time_base <= 0:
            raise InvalidInput(f"frame map time base must be positive, got {self.time_base}")
        if not all(map(le, self.pts, islice(self.pts, 1, None))):
            raise InvalidInput("frame map timestamps must be in presentation order (ascending)")

    def __len__(self) -> int:
        return len(self.pts)

    def time_of(self, index: int) -> float:
        """Presentation time in seconds of frame ``index`` (0-based, in display order)."""
        if not 0 <= index < len(self.pts):
            raise InvalidInput(f"frame index {index} is out of range: the video has {len(self.pts)} frames")
        return float(self.pts[index] * self.time_base)

    def frame_at(self, seconds: float) -> int:
        """Index of the frame on screen at ``seconds``: the last frame whose time is <= ``seconds``.

        A time before the first frame gives frame 0 (players show the first frame until then).
        """
        if not self.pts:
            raise InvalidInput("the video has no frames")
        ticks = Fraction(seconds) / self.time_base
        return max(bisect_right(self.pts, ticks) - 1, 0)

    def deltas(self) -> list[int]:
        """Differences between consecutive timestamps, in time-base ticks."""
        return list(map(sub, islice(self.pts, 1, None), self.pts))

    def seconds(self) -> list[float]:
        """Every frame's presentation time in seconds."""
        return [float(p * self.time_base) for p in self.pts]


@dataclass(frozen=True)
class FrameIndex:
    """A video's frame map and its key frames (indices into the map, ascending)."""

    frame_map: FrameMap
    key_frames: tuple[int, ...]


@dataclass(frozen=True)
class FrameSelection:
    """Frames ``start`` (inclusive) to ``stop`` (exclusive, None: the end), every ``step``-th; with
    ``key_frames_only`` the key frames of that range, every ``step``-th of them."""

    start: int = 0
    stop: int | None = None
    step: int = 1
    key_frames_only: bool = False

    def __post_init__(self) -> None:
        if self.start < 0 or (self.stop is not None and self.stop < 0):
            raise InvalidInput(f"frame range {self.start}..{self.stop}: frame indices start at 0")
        if self.step < 1:
            raise InvalidInput(f"step must be at least 1, got {self.step}")

    def indices(self, index: FrameIndex) -> list[int]:
        """The frame indices chosen, ascending (a range past the end chooses none)."""
        count = len(index.frame_map)
        stop = count if self.stop is None else min(self.stop, count)
        if self.key_frames_only:
            return [k for k in index.key_frames if self.start <= k < stop][:: self.step]
        return list(range(self.start, stop, self.step))


def seek_frame(key_frames: tuple[int, ...], first: int) -> int | None:
    """The last key frame at or before frame ``first``: decoding starts there (None: from the file's start)."""
    at = bisect_right(key_frames, first)
    return key_frames[at - 1] if at else None


def encode_frame_map(frame_map: FrameMap) -> bytes:
    """Serialise a frame map: header + zlib(delta-encoded signed 64-bit integers)."""
    pts = frame_map.pts
    deltas = array("q", [pts[0], *frame_map.deltas()] if pts else [])
    header = _HEADER.pack(_MAGIC, frame_map.time_base.numerator, frame_map.time_base.denominator, len(pts))
    return header + zlib.compress(deltas.tobytes(), level=9)


def decode_frame_map(data: bytes) -> FrameMap:
    """Parse bytes made by :func:`encode_frame_map`; anything else raises InvalidInput saying why."""
    if len(data) < _HEADER.size:
        raise InvalidInput(f"frame map is {len(data)} bytes, shorter than its {_HEADER.size}-byte header")
    magic, numerator, denominator, count = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise InvalidInput(f"frame map has an unknown format marker {magic!r} (expected {_MAGIC!r})")
    try:
        raw = zlib.decompress(data[_HEADER.size :])
    except zlib.error as exc:
        raise InvalidInput(f"frame map body is not valid zlib data: {exc}") from exc
    deltas = array("q")
    deltas.frombytes(raw[: len(raw) - len(raw) % deltas.itemsize])
    if len(deltas) != count or denominator <= 0 or numerator <= 0:
        raise InvalidInput(f"frame map is inconsistent: header says {count} frames, body holds {len(deltas)}")
    return FrameMap(time_base=Fraction(numerator, denominator), pts=tuple(_running_sum(deltas)))


def _running_sum(deltas: array[int]) -> list[int]:
    total = 0
    out: list[int] = []
    for delta in deltas:
        total += delta
        out.append(total)
    return out
