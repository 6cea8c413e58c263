"""Which frames a selection chooses, the key frame decoding starts from, and what a frame converts to."""

from __future__ import annotations

import importlib.util
from fractions import Fraction

import av
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.domain.frame_map import FrameIndex, FrameMap, FrameSelection, seek_frame
from cairn.domain.frames import Frame
from cairn.errors import ConfigurationError, InvalidInput


def _index(count: int, key_frames: list[int]) -> FrameIndex:
    return FrameIndex(FrameMap(Fraction(1, 30), tuple(range(count))), tuple(key_frames))


@st.composite
def indexes(draw: st.DrawFn) -> FrameIndex:
    count = draw(st.integers(0, 200))
    keys = draw(st.lists(st.integers(0, max(count - 1, 0)), unique=True)) if count else []
    return _index(count, sorted(keys))


@given(indexes(), st.integers(0, 250), st.none() | st.integers(0, 250), st.integers(1, 7), st.booleans())
def test_selection_is_a_slice_of_the_frames_or_of_the_key_frames(
    index: FrameIndex, start: int, stop: int | None, step: int, key_frames_only: bool
) -> None:
    chosen = FrameSelection(start, stop, step, key_frames_only).indices(index)
    frames = list(range(len(index.frame_map)))
    if key_frames_only:
        assert chosen == [k for k in index.key_frames if k in frames[start:stop]][::step]
    else:
        assert chosen == frames[start:stop:step]


@given(indexes(), st.integers(0, 250))
def test_decoding_starts_at_the_last_key_frame_at_or_before_the_first_frame(index: FrameIndex, first: int) -> None:
    key = seek_frame(index.key_frames, first)
    before = [k for k in index.key_frames if k <= first]
    assert key == (before[-1] if before else None)


@pytest.mark.parametrize(("start", "stop", "step"), [(-1, None, 1), (0, -2, 1), (0, None, 0)])
def test_bad_selections_say_why(start: int, stop: int | None, step: int) -> None:
    with pytest.raises(InvalidInput):
        FrameSelection(start, stop, step)


def test_to_ndarray_needs_numpy_and_says_so() -> None:
    frame = Frame(index=0, time=0.0, picture=av.VideoFrame(16, 8, "rgb24"))
    assert frame.to_image().size == (16, 8)
    if importlib.util.find_spec("numpy") is None:
        with pytest.raises(ConfigurationError, match="pip install numpy"):
            frame.to_ndarray()
    else:
        assert frame.to_ndarray().shape == (8, 16, 3)
