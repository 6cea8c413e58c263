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

__all__ = ["FrameMap", "decode_frame_map", "encode_frame_map"]

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
