"""What a frame export asks for: the client metadata's key frames (located errors), runs of frames per task, and the
parameters a job stores."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cairn.domain.frame_export import (
    FrameExportParams,
    ImageFormat,
    chosen_frames,
    frame_name,
    metadata_key_frames,
    split_frames,
)
from cairn.domain.frame_map import FrameIndex, FrameMap, FrameSelection
from cairn.errors import InvalidInput

TEN = FrameMap(time_base=Fraction(1, 30), pts=tuple(range(10)))  # 10 frames at 30 fps


def test_key_frames_listed_as_a_list_an_object_or_seconds() -> None:
    assert metadata_key_frames({"keyframes": [7, 2, 2]}, TEN) == [2, 7]
    assert metadata_key_frames({"keyframes": {"3": {"label": "x"}, "0": {}}}, TEN) == [0, 3]
    seconds = {"keyframes": [0.1, 0.2], "config": {"keyframe_mode": "seconds"}}
    assert metadata_key_frames(seconds, TEN) == [3, 6]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({}, "clientMetadata.keyframes: the item's client metadata lists no key frames"),
        ({"keyframes": "1,2"}, "clientMetadata.keyframes: must be a list of frames or an object keyed by frame"),
        ({"keyframes": [1, True]}, r"clientMetadata.keyframes\[1\]: True is not a frame number"),
        ({"keyframes": [1, 2.5]}, r"clientMetadata.keyframes\[1\]: 2.5 is not a frame of the video \(0 to 9\)"),
        ({"keyframes": {"10": {}}}, r"clientMetadata.keyframes.10: '10' is not a frame of the video"),
        ({"keyframes": ["nan"]}, r"clientMetadata.keyframes\[0\]: 'nan' is not a frame number"),
        ({"keyframes": [60], "config": {"keyframe_mode": "seconds"}}, "60 seconds is outside the video"),
        ({"keyframes": [1], "config": {"keyframe_mode": "minutes"}}, "keyframe_mode: must be frame or seconds"),
    ],
)
def test_bad_key_frames_are_located(metadata: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        metadata_key_frames(metadata, TEN)


def test_the_range_and_step_apply_to_the_listed_frames() -> None:
    index = FrameIndex(frame_map=TEN, key_frames=(0, 5))
    params = FrameExportParams(selection=FrameSelection(start=1, stop=9, step=2), from_metadata=True)
    assert chosen_frames(params, index, {"keyframes": [0, 1, 3, 4, 8, 9]}) == [1, 4]
    assert chosen_frames(FrameExportParams(selection=FrameSelection(key_frames_only=True)), index, {}) == [0, 5]


def test_runs_per_task_params_and_names() -> None:
    assert split_frames([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    params = FrameExportParams(selection=FrameSelection(3, 9, 2), image_format=ImageFormat.JPEG, grouping="sequence")
    assert FrameExportParams.from_dict(params.to_dict()) == params
    assert frame_name(42, ImageFormat.JPEG) == "frame_000042.jpg"
    with pytest.raises(InvalidInput, match="as: must be one of group, sequence"):
        FrameExportParams(grouping="album")
    with pytest.raises(InvalidInput, match="destination: must be one of managed"):
        FrameExportParams(destination="s3://elsewhere")
