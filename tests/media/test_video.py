"""Video inspection over the generated corpus: facts, every check's verdict per file, and the frame map."""

from __future__ import annotations

import json
from fractions import Fraction

import av
import pytest

from cairn.domain.media import VideoReport
from cairn.domain.video_checks import VideoLimits
from cairn.errors import MediaError
from cairn.media import inspect_video, open_counting
from tests.fixtures.media_corpus import MediaCorpus, ffprobe_frames

CHECKS = (
    "audio",
    "ghost_frames",
    "frame_rate",
    "pixel_aspect_ratio",
    "start_time",
    "audio_video_duration",
    "file_size",
    "frame_count",
    "codec",
    "container",
    "keyframe_interval",
    "bitrate",
    "faststart",
    "cache_control",
)

# Every check not listed here must be "ok" for that file.
NOT_OK = {
    "cfr_h264.mp4": {},
    "with_audio.mp4": {"audio": "warning"},
    "ghost_cut.mp4": {"audio": "warning", "ghost_frames": "problem"},
    "negative_offset.mp4": {"ghost_frames": "problem"},
    "vfr.mp4": {"frame_rate": "problem"},
    "cfr_gaps.mp4": {"frame_rate": "warning"},
    "sar_4_3.mp4": {"pixel_aspect_ratio": "problem"},
    "ntsc_2997.mp4": {},
    "start_offset.mp4": {"start_time": "warning"},
    "audio_longer.mp4": {"audio": "warning", "audio_video_duration": "warning"},
    "moov_end.mp4": {"audio": "warning", "faststart": "warning"},
    "vp9.webm": {},
    "h264.mkv": {"container": "warning"},
    "mpeg4.avi": {"codec": "problem", "container": "problem"},
    "rotated.mp4": {},
    "hd_sparse_keys.mp4": {"keyframe_interval": "warning"},
    "hevc.mov": {"codec": "problem", "container": "warning", "faststart": "warning"},
    "mid_frame_cut.mp4": {"audio": "warning", "ghost_frames": "problem"},
    "mid_frame_cut.mov": {"ghost_frames": "problem", "container": "warning", "faststart": "warning"},
    "negative_cts.mp4": {"faststart": "warning"},
    "negative_cts_cut.mp4": {"ghost_frames": "problem"},
}


def inspect(corpus: MediaCorpus, name: str, **kwargs: object) -> VideoReport:
    kwargs.setdefault("cache_control", "public, max-age=86400")
    with open_counting(corpus[name]) as reader:
        return inspect_video(reader, **kwargs)  # type: ignore[arg-type]


def test_expectations_cover_the_whole_corpus() -> None:
    assert set(NOT_OK) == set(MediaCorpus.videos)


@pytest.mark.parametrize("name", MediaCorpus.videos)
def test_every_check_verdict(media_corpus: MediaCorpus, name: str) -> None:
    report = inspect(media_corpus, name)
    verdicts = {c.name: c.verdict.value for c in report.checks}
    assert tuple(verdicts) == CHECKS
    expected = {check: NOT_OK[name].get(check, "ok") for check in CHECKS}
    assert verdicts == expected
    worst = "problem" if "problem" in expected.values() else "warning" if "warning" in expected.values() else "ok"
    assert report.verdict.value == worst
    for check in report.checks:
        assert check.reason
        assert bool(check.fix) == (check.verdict.value != "ok"), check


@pytest.mark.parametrize("name", MediaCorpus.videos)
def test_frame_map_equals_ffprobe(media_corpus: MediaCorpus, ffprobe_exe: str, name: str) -> None:
    time_base, expected = ffprobe_frames(ffprobe_exe, str(media_corpus[name]))
    frame_map = inspect(media_corpus, name).frame_map
    assert frame_map.time_base == time_base
    assert len(frame_map) == len(expected)
    assert list(frame_map.pts) == expected


@pytest.mark.parametrize("name", MediaCorpus.videos)
def test_start_time_check_uses_ffmpegs_times(media_corpus: MediaCorpus, ffprobe_exe: str, name: str) -> None:
    """The start check warns exactly when FFmpeg presents the first frame after 0 s, and says when."""
    time_base, expected = ffprobe_frames(ffprobe_exe, str(media_corpus[name]))
    report = inspect(media_corpus, name)
    (start,) = [c for c in report.checks if c.name == "start_time"]
    assert report.start_time_seconds == float(expected[0] * time_base)
    assert (start.verdict == "warning") == (expected[0] != 0), start.reason


@pytest.mark.parametrize("name", [n for n in MediaCorpus.videos if n.endswith((".mp4", ".mov"))])
def test_hidden_frames_agree_with_pyav_index(media_corpus: MediaCorpus, name: str) -> None:
    """FFmpeg keeps hidden samples it needs for decoding (marked discard) and drops the others from its index."""
    report = inspect(media_corpus, name)
    with av.open(str(media_corpus[name])) as container:
        stream = container.streams.video[0]
        shown = sum(1 for e in stream.index_entries if not e.is_discard)
        assert report.frame_count == shown
        assert report.frame_count + report.hidden_frame_count == stream.frames  # nb_frames: every sample


@pytest.mark.parametrize("name", ["vp9.webm", "h264.mkv"])
def test_a_stream_without_a_fourcc_has_no_codec_tag(media_corpus: MediaCorpus, name: str) -> None:
    """FFmpeg gives Matroska streams a tag of four NUL characters, which a PostgreSQL JSON column refuses."""
    assert inspect(media_corpus, name).codec_tag is None


def test_cfr_facts(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "cfr_h264.mp4")
    assert (report.container, report.codec, report.codec_tag) == ("mp4", "h264", "avc1")
    assert (report.width, report.height, report.rotation) == (320, 240, 0)
    assert report.average_frame_rate == report.nominal_frame_rate == 30
    assert report.frame_count == 60 and report.duration_seconds == pytest.approx(2.0)
    assert report.keyframe_indices == [0, 30]
    assert report.frame_rate_mode == "cfr" and report.moov_position == "start"
    assert report.audio_streams == [] and report.start_time_seconds == 0.0
    assert not report.whole_file_read and report.bytes_read < report.size


def test_ghost_frames_are_counted_and_left_out_of_the_map(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "ghost_cut.mp4")
    assert report.hidden_frame_count == 45  # 1.5 s cut after the key frame at 0 s, at 30 fps
    assert report.frame_count == 75 and report.frame_map.time_of(0) == 0.0
    assert report.keyframe_indices == [15]  # the key frame at 2 s: 0.5 s after the visible start
    assert "45 frame(s) hidden by the edit list" in report.checks[1].reason


def test_negative_offset(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "negative_offset.mp4")
    assert (report.hidden_frame_count, report.frame_count) == (30, 30)


def test_vfr_and_gaps(media_corpus: MediaCorpus) -> None:
    vfr = inspect(media_corpus, "vfr.mp4")
    assert vfr.frame_rate_mode == "vfr" and vfr.average_frame_rate != vfr.nominal_frame_rate
    assert set(vfr.frame_map.deltas()) == {512, 1536}
    gaps = inspect(media_corpus, "cfr_gaps.mp4")
    assert gaps.frame_rate_mode == "cfr_with_gaps" and gaps.frame_count == 299
    assert "1 of 298 frame intervals" in gaps.checks[2].reason


def test_anamorphic_ntsc_start_rotation(media_corpus: MediaCorpus) -> None:
    sar = inspect(media_corpus, "sar_4_3.mp4")
    assert sar.sample_aspect_ratio == Fraction(4, 3) and sar.display_aspect_ratio == Fraction(16, 9)
    ntsc = inspect(media_corpus, "ntsc_2997.mp4")
    assert ntsc.average_frame_rate == Fraction(30000, 1001) and ntsc.frame_map.time_of(1) == pytest.approx(1001 / 30000)
    start = inspect(media_corpus, "start_offset.mp4")
    assert start.start_time_seconds == pytest.approx(2.0)
    assert inspect(media_corpus, "rotated.mp4").rotation == 90


def test_audio_streams_and_durations(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "audio_longer.mp4")
    (audio,) = report.audio_streams
    assert (audio.codec, audio.sample_rate, audio.channels) == ("aac", 48000, 1)
    assert audio.duration_seconds == pytest.approx(4.0, abs=0.05)
    assert "audio lasts 4.0" in report.checks[5].reason


def test_matroska_is_demuxed_and_says_so(media_corpus: MediaCorpus) -> None:
    for name in ("vp9.webm", "h264.mkv"):
        report = inspect(media_corpus, name)
        assert report.whole_file_read and report.moov_position is None
        assert report.frame_count == 60 and report.frame_rate_mode == "cfr"  # 33/34 ms deltas are rounding


def test_moov_at_end_reads_only_the_index(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "hd_sparse_keys.mp4")
    assert report.bytes_read < report.size // 10
    assert report.keyframe_indices == [0]


def test_limits_and_bitrate(media_corpus: MediaCorpus) -> None:
    limits = VideoLimits(max_bytes=100_000, max_frames=50, high_bitrate_bps=1_000_000)
    verdicts = {c.name: c for c in inspect(media_corpus, "hd_sparse_keys.mp4", limits=limits).checks}
    assert verdicts["file_size"].verdict == "warning" and "100,000-byte limit" in verdicts["file_size"].reason
    assert verdicts["frame_count"].verdict == "warning" and "90 frames" in verdicts["frame_count"].reason
    assert verdicts["bitrate"].verdict == "warning" and "Mbit/s of download speed" in verdicts["bitrate"].reason


@pytest.mark.parametrize(
    ("cache_control", "headers_known", "verdict"),
    [
        (None, True, "warning"),
        ("no-store", True, "warning"),
        ("max-age=0", True, "warning"),
        ("max-age=3600", True, "ok"),
        (None, False, "ok"),
    ],
)
def test_cache_control(media_corpus: MediaCorpus, cache_control: str | None, headers_known: bool, verdict: str) -> None:
    report = inspect(media_corpus, "cfr_h264.mp4", cache_control=cache_control, headers_known=headers_known)
    assert report.checks[-1].name == "cache_control" and report.checks[-1].verdict == verdict


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("corrupt_no_moov.mp4", "Invalid data"),
        ("corrupt_garbage.mp4", "Invalid data"),
        ("corrupt_truncated_mdat.mp4", "truncated video"),
    ],
)
def test_corrupt_videos_fail_with_the_reason(media_corpus: MediaCorpus, name: str, reason: str) -> None:
    with pytest.raises(MediaError, match=reason):
        inspect(media_corpus, name)


def test_not_a_video(media_corpus: MediaCorpus) -> None:
    with pytest.raises(MediaError, match="no video stream"):
        inspect(media_corpus, "tone.mp3")


def test_report_json(media_corpus: MediaCorpus) -> None:
    data = inspect(media_corpus, "ghost_cut.mp4").to_dict()
    json.dumps(data)
    assert data["verdict"] == "problem" and data["frame_map"] == {"time_base": "1/15360", "frame_count": 75}
    assert {"bytes_read", "reads", "whole_file_read"} <= set(data)
