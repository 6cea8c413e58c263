"""Which frame of a re-encoded video shows each visible frame of the original (pure: no I/O).

Computed from the stored frame maps of both files (the presentation times of their visible frames), with times
counted from each file's first frame, since every recipe starts the result at 0 s:

* result frame k shows the **last original frame whose time is before the midpoint** between result frames k and
  k+1 (for the last result frame: half its preceding interval after it; a one-frame result shows the last
  original frame, as the ``fps`` filter does when every frame falls in one slot);
* original frame i maps to the **first** result frame that shows it, or to ``None`` (dropped) when none does.

Why this rule is exact (``docs/media-processing.md``, tested by decoding both files): a recipe that keeps frame
times (stream copy, or ``-fps_mode passthrough``) gives result frame k the time of original frame k, so the
midpoints separate them one to one. A constant-rate recipe uses FFmpeg's ``fps`` filter, which fills slot k with
the last input frame whose time rounded to the nearest slot is at most k, i.e. whose time is before k + 1/2 slots:
the midpoint between slots k and k+1. Frames sharing a slot leave all but the last dropped; a frame lasting
several slots is duplicated, and maps to the first of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from cairn.domain.frame_map import FrameMap
from cairn.errors import InvalidInput

__all__ = ["FrameRemap", "frame_remap", "translate"]


@dataclass(frozen=True)
class FrameRemap:
    """``new_of[i]``: the result frame that shows original frame i (None: dropped); ``shown_by[k]``: the reverse."""

    new_of: tuple[int | None, ...]
    shown_by: tuple[int, ...]

    @property
    def dropped(self) -> list[int]:
        """Original frames no result frame shows."""
        return [i for i, k in enumerate(self.new_of) if k is None]

    def translate(self, frames: Iterable[int]) -> list[int | None]:
        """The result frame of each original frame index in ``frames`` (None: dropped); out of range is refused."""
        return translate(self.new_of, frames)


def translate(new_of: Sequence[int | None], frames: Iterable[int]) -> list[int | None]:
    """``new_of[i]`` for each original frame index i in ``frames`` (a stored remap read back); out of range is
    refused, naming the frame."""
    out: list[int | None] = []
    for index in frames:
        if not 0 <= index < len(new_of):
            raise InvalidInput(f"frame {index} is out of range: the original video has {len(new_of)} frames")
        out.append(new_of[index])
    return out


def frame_remap(original: FrameMap, result: FrameMap) -> FrameRemap:
    """The exact old -> new frame mapping between ``original`` and its re-encoded ``result`` (module docstring)."""
    if not original.pts or not result.pts:
        raise InvalidInput("cannot remap frames: a video with no visible frame")
    old, bounds = _common_ticks(original, result)
    shown_by: list[int] = []
    i = 0
    for bound in bounds:
        while i + 1 < len(old) and (bound is None or old[i + 1] < bound):
            i += 1
        shown_by.append(i)
    new_of: list[int | None] = [None] * len(old)
    for k, i in reversed(list(enumerate(shown_by))):
        new_of[i] = k
    return FrameRemap(new_of=tuple(new_of), shown_by=tuple(shown_by))


def _common_ticks(original: FrameMap, result: FrameMap) -> tuple[list[int], list[int | None]]:
    """The original's frame times and the result's turn ends (:func:`_midpoints`), from each file's first frame,
    as integers of one common tick (1 / (2 q s) s for time bases p/q and r/s): exact, and fast on long videos
    (Fraction arithmetic per frame took most of a remux's own time)."""
    p, q = original.time_base.numerator, original.time_base.denominator
    r, s = result.time_base.numerator, result.time_base.denominator
    first = original.pts[0]
    old = [(t - first) * 2 * p * s for t in original.pts]
    return old, [None if m is None else m * r * q for m in _midpoints(result)]


def _midpoints(frame_map: FrameMap) -> list[int | None]:
    """Where each frame's turn ends, in half ticks of ``frame_map`` from its first frame: halfway to the next frame
    (the last: half its preceding interval on; a lone frame's never: None)."""
    first = frame_map.pts[0]
    times = [t - first for t in frame_map.pts]
    if len(times) == 1:
        return [None]
    bounds: list[int | None] = [a + b for a, b in pairwise(times)]
    bounds.append(3 * times[-1] - times[-2])
    return bounds
