"""The frame map's compact encoding and its lookups; frame-rate classification and pure checks."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.domain.frame_map import FrameMap, decode_frame_map, encode_frame_map
from cairn.domain.video_checks import VideoFacts, VideoLimits, classify_frame_rate, video_checks
from cairn.errors import InvalidInput

timestamps = st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=300).map(sorted)
time_bases = st.tuples(st.integers(1, 1001), st.integers(1, 90_000)).map(lambda t: Fraction(*t))


@given(pts=timestamps, time_base=time_bases)
def test_round_trip(pts: list[int], time_base: Fraction) -> None:
    frame_map = FrameMap(time_base=time_base, pts=tuple(pts))
    assert decode_frame_map(encode_frame_map(frame_map)) == frame_map


def test_cfr_map_is_compact() -> None:
    frame_map = FrameMap(time_base=Fraction(1, 15360), pts=tuple(range(0, 100_000 * 512, 512)))
    encoded = encode_frame_map(frame_map)
    assert len(encoded) < 2_000  # 100,000 frames (an hour at 30 fps)
    assert decode_frame_map(encoded).pts[-1] == 99_999 * 512


def test_lookups() -> None:
    frame_map = FrameMap(time_base=Fraction(1, 1000), pts=(0, 33, 67, 100, 300))
    assert frame_map.time_of(2) == pytest.approx(0.067)
    assert [frame_map.frame_at(t) for t in (-1.0, 0.0, 0.05, 0.0999, 0.1, 0.2, 9.0)] == [0, 0, 1, 2, 3, 3, 4]
    with pytest.raises(InvalidInput, match="frame index 5 is out of range: the video has 5 frames"):
        frame_map.time_of(5)
    with pytest.raises(InvalidInput, match="no frames"):
        FrameMap(time_base=Fraction(1, 30), pts=()).frame_at(0.0)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "shorter than its"),
        (b"XXXX" + bytes(28), "unknown format marker"),
        (b"CFM1" + bytes(28) + b"not zlib", "not valid zlib"),
    ],
)
def test_bad_bytes_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        decode_frame_map(data)


def test_unsorted_or_bad_time_base_is_refused() -> None:
    with pytest.raises(InvalidInput, match="presentation order"):
        FrameMap(time_base=Fraction(1, 30), pts=(0, 2, 1))
    with pytest.raises(InvalidInput, match="time base must be positive"):
        FrameMap(time_base=Fraction(0), pts=())


@pytest.mark.parametrize(
    ("time_base", "pts", "mode"),
    [
        (Fraction(1, 15360), [i * 512 for i in range(100)], "cfr"),
        (Fraction(1, 1000), [round(i * 1000 / 30) for i in range(300)], "cfr"),  # 33/34 ms rounding
        (Fraction(1, 30), [*range(150), *range(151, 301)], "cfr_with_gaps"),  # coarse AVI-like base: no tolerance
        (Fraction(1, 15360), [*range(0, 150 * 512, 512), *range(151 * 512, 301 * 512, 512)], "cfr_with_gaps"),
        (Fraction(1, 15360), [*range(0, 30 * 512, 512), *range(30 * 512, 90 * 512, 1536)], "vfr"),
        (Fraction(1, 30), [0], "cfr"),
    ],
)
def test_classify_frame_rate(time_base: Fraction, pts: list[int], mode: str) -> None:
    assert classify_frame_rate(FrameMap(time_base=time_base, pts=tuple(pts))).mode == mode


def facts(**changes: object) -> VideoFacts:
    base: dict[str, object] = {
        "container": "mp4", "codec": "h264", "width": 1920, "height": 1080, "sample_aspect_ratio": Fraction(1),
        "frame_map": FrameMap(time_base=Fraction(1, 30), pts=tuple(range(120))), "hidden_frame_count": 0,
        "negative_pts_count": 0, "video_duration_seconds": 4.0, "audio_durations_seconds": [],
        "bit_rate": 5_000_000, "size": 2_500_000, "keyframe_indices": [0, 30, 60, 90], "moov_position": "start",
        "cache_control": "max-age=60",
    }  # fmt: skip
    base.update(changes)
    return VideoFacts(**base)  # type: ignore[arg-type]


def verdicts(video: VideoFacts) -> dict[str, str]:
    return {c.name: c.verdict.value for c in video_checks(video) if c.verdict != "ok"}


def test_clean_facts_are_all_ok() -> None:
    assert verdicts(facts()) == {}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"negative_pts_count": 3}, {"ghost_frames": "problem"}),
        ({"codec": "av1"}, {"codec": "warning"}),
        ({"codec": "mpeg4"}, {"codec": "problem"}),
        ({"container": "avi"}, {"container": "problem"}),
        ({"container": "webm", "codec": "vp9"}, {}),
        ({"keyframe_indices": [0, 60]}, {"keyframe_interval": "warning"}),
        ({"keyframe_indices": [0], "width": 640, "height": 360}, {}),
        ({"bit_rate": 25_000_000}, {"bitrate": "warning"}),
        ({"bit_rate": None}, {}),
        ({"audio_durations_seconds": [4.05]}, {"audio": "warning"}),
        ({"audio_durations_seconds": [3.5]}, {"audio": "warning", "audio_video_duration": "warning"}),
        ({"sample_aspect_ratio": None}, {}),
        ({"sample_aspect_ratio": Fraction(8, 9)}, {"pixel_aspect_ratio": "problem"}),
        ({"moov_position": None, "container": "webm"}, {}),
        ({"size": 2_000_000_000, "limits": VideoLimits()}, {"file_size": "warning"}),
    ],
)
def test_check_thresholds(changes: dict[str, object], expected: dict[str, str]) -> None:
    assert verdicts(facts(**changes)) == expected


def test_bitrate_reason_gives_download_speed() -> None:
    (bitrate,) = [c for c in video_checks(facts()) if c.name == "bitrate"]
    assert "15.0-20.0 Mbit/s" in bitrate.reason


def test_frame_rate_stats_given_with_the_facts_are_used() -> None:
    gaps = FrameMap(time_base=Fraction(1, 30), pts=(*range(60), *range(61, 121)))
    stats = classify_frame_rate(gaps)
    assert stats.mode == "cfr_with_gaps" and verdicts(facts(frame_rate=stats)) == {"frame_rate": "warning"}
