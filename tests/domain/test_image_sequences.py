"""Image-sequence rules: grouping an upload's images by size, and fitting an image into the first one's frame."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.domain.image_sequences import Placement, group_by_size, place_in_frame, video_frame_size
from cairn.errors import InvalidInput

sizes = st.tuples(st.integers(1, 5000), st.integers(1, 5000))


def test_group_by_size_keeps_order_within_and_between_groups() -> None:
    images = [("a", 640, 480), ("b", 1920, 1080), ("c", 640, 480), ("d", 480, 640), ("e", 1920, 1080)]
    groups = group_by_size(images, lambda image: (image[1], image[2]))
    assert [[name for name, *_ in group] for group in groups] == [["a", "c"], ["b", "e"], ["d"]]
    assert group_by_size([], lambda image: image) == []


@given(st.lists(st.tuples(st.integers(0, 1000), st.sampled_from([(1, 1), (2, 2), (2, 1)])), max_size=40))
def test_group_by_size_is_a_partition(items: list[tuple[int, tuple[int, int]]]) -> None:
    groups = group_by_size(items, lambda item: item[1])
    assert sorted(x for g in groups for x in g) == sorted(items)
    for group in groups:
        assert len({item[1] for item in group}) == 1
        assert group == [item for item in items if item[1] == group[0][1]]


def test_placement_examples() -> None:
    first = (160, 120)
    assert place_in_frame((160, 120), first) == Placement(160, 120, 0, 0)
    assert place_in_frame((320, 240), first) == Placement(160, 120, 0, 0)  # same aspect: scaled, fills
    assert place_in_frame((200, 50), first) == Placement(160, 40, 0, 40)  # wider: letterboxed
    assert place_in_frame((80, 120), first) == Placement(80, 120, 40, 0)  # taller: pillarboxed
    assert place_in_frame((40, 30), first) == Placement(160, 120, 0, 0)  # smaller: scaled up


@given(sizes, sizes)
def test_placement_fits_centred_and_keeps_aspect(image: tuple[int, int], first: tuple[int, int]) -> None:
    p = place_in_frame(image, first)
    assert 1 <= p.width <= first[0] and 1 <= p.height <= first[1]
    assert p.width == first[0] or p.height == first[1] or p.width == 1 or p.height == 1  # fills one side
    assert p.x == (first[0] - p.width) // 2 and p.y == (first[1] - p.height) // 2
    # aspect kept to within the rounding of one pixel on each side
    assert abs(p.width * image[1] - p.height * image[0]) <= image[0] + image[1]


def test_video_frame_size_is_even() -> None:
    assert video_frame_size((160, 120)) == (160, 120)
    assert video_frame_size((161, 121)) == (162, 122)
    assert video_frame_size((1, 1)) == (2, 2)
    with pytest.raises(InvalidInput, match="no pixels"):
        video_frame_size((0, 10))
    with pytest.raises(InvalidInput, match="no pixels"):
        place_in_frame((0, 10), (10, 10))


def test_a_first_image_over_h264s_largest_frame_is_refused() -> None:
    assert video_frame_size((8192, 4320)) == (8192, 4320)
    with pytest.raises(InvalidInput, match=r"9000x9000: its video would be over H\.264.s largest frame"):
        video_frame_size((9000, 9000))
    with pytest.raises(InvalidInput, match="largest frame"):
        video_frame_size((20_000, 10))
