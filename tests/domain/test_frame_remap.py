"""The frame-remap rule on frame maps alone (exact against decoded videos: tests/media/test_frame_remap_exact.py)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.domain.frame_map import FrameMap
from cairn.domain.frame_remap import frame_remap
from cairn.errors import InvalidInput

TB = Fraction(1, 90000)

increasing_pts = st.lists(st.integers(min_value=1, max_value=20_000), min_size=1, max_size=120).map(
    lambda deltas: tuple(sum(deltas[:i]) for i in range(len(deltas)))
)


def _fps_filter(pts: tuple[int, ...], rate: Fraction, slots: int) -> list[int]:
    """What FFmpeg's fps filter (round=near, times from 0) puts in each slot: the last frame whose time rounded
    half away from zero to a slot is at most the slot (a reference written from the filter's documentation)."""
    rounded = [int(Fraction((p - pts[0]) * TB * rate) + Fraction(1, 2)) for p in pts]
    return [max(i for i, r in enumerate(rounded) if r <= k) for k in range(slots)]


@given(increasing_pts, st.integers(min_value=-5_000_000, max_value=5_000_000), st.sampled_from([1, 2, 3]))
def test_same_times_map_one_to_one(pts: tuple[int, ...], shift: int, factor: int) -> None:
    """A stream copy or a passthrough re-encode: same frame times, maybe shifted and in a finer time base."""
    original = FrameMap(TB, pts)
    result = FrameMap(TB / factor, tuple((p + shift) * factor for p in pts))
    remap = frame_remap(original, result)
    assert remap.new_of == tuple(range(len(pts)))
    assert remap.shown_by == tuple(range(len(pts)))
    assert remap.dropped == []


@given(increasing_pts, st.sampled_from([Fraction(24), Fraction(30), Fraction(30000, 1001), Fraction(60)]))
def test_constant_rate_result_follows_the_fps_filter(pts: tuple[int, ...], rate: Fraction) -> None:
    length = Fraction((pts[-1] - pts[0]) * TB * rate)
    slots = int(length + Fraction(1, 2)) + 1
    result = FrameMap(1 / rate, tuple(range(slots)))
    remap = frame_remap(FrameMap(TB, pts), result)
    assert list(remap.shown_by) == _fps_filter(pts, rate, slots)


@given(increasing_pts, increasing_pts)
def test_any_pair_is_consistent(old: tuple[int, ...], new: tuple[int, ...]) -> None:
    remap = frame_remap(FrameMap(TB, old), FrameMap(TB, new))
    assert len(remap.new_of) == len(old)
    assert len(remap.shown_by) == len(new)
    assert list(remap.shown_by) == sorted(remap.shown_by)  # order is kept
    for i, k in enumerate(remap.new_of):
        if k is None:
            assert i not in remap.shown_by
        else:
            assert remap.shown_by[k] == i
            assert k == remap.shown_by.index(i)  # the first result frame that shows it


def test_drops_and_duplicates() -> None:
    # Originals at 0, 10, 12, 40 ms; result at 50 fps (20 ms slots): 10 ms rounds to slot 1 (half away from 0),
    # 12 ms too and wins it (the later frame), 40 ms is slot 2; nothing else.
    original = FrameMap(Fraction(1, 1000), (0, 10, 12, 40))
    result = FrameMap(Fraction(1, 50), (0, 1, 2))
    remap = frame_remap(original, result)
    assert remap.shown_by == (0, 2, 3)
    assert remap.new_of == (0, None, 1, 2)
    assert remap.dropped == [1]
    assert remap.translate([3, 1, 0]) == [2, None, 0]
    slow = frame_remap(FrameMap(Fraction(1, 10), (0, 1)), FrameMap(Fraction(1, 30), tuple(range(6))))
    assert slow.shown_by == (0, 0, 0, 1, 1, 1)  # 0.1 s is slot 3 at 30 fps
    assert slow.new_of == (0, 3)


def test_a_result_that_ends_early_does_not_claim_the_rest() -> None:
    remap = frame_remap(FrameMap(Fraction(1, 30), tuple(range(10))), FrameMap(Fraction(1, 30), (0, 1, 2)))
    assert remap.new_of == (0, 1, 2, *[None] * 7)


def test_refusals() -> None:
    remap = frame_remap(FrameMap(TB, (0, 3000)), FrameMap(TB, (0, 3000)))
    with pytest.raises(InvalidInput, match="frame 2 is out of range: the original video has 2 frames"):
        remap.translate([0, 2])
    with pytest.raises(InvalidInput, match="no visible frame"):
        frame_remap(FrameMap(TB, ()), FrameMap(TB, (0,)))
    single = frame_remap(FrameMap(TB, (0, 3000, 6000)), FrameMap(TB, (0,)))
    assert single.new_of == (None, None, 0)  # every frame fell in one slot: the fps filter keeps the last
