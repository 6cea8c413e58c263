"""Edit-list arithmetic of the MP4 sample-table reader, on hand-made tables."""

from __future__ import annotations

import io

import av
import pytest

from cairn.errors import MediaError
from cairn.media import inspect_video
from cairn.media.mp4 import (
    TrackTables,
    demuxer_sets_nominal_rate,
    read_video_track,
    sample_timing,
    scan_top_level,
)
from cairn.media.reading import CountingReader, open_counting
from tests.fixtures.media_corpus import MediaCorpus


def tables(**changes: object) -> TrackTables:
    base: dict[str, object] = {
        "track_id": 1,
        "timescale": 30,
        "movie_timescale": 1000,
        "sample_deltas": [(10, 1)],
        "composition_offsets": [],
        "edits": [],
        "sync_samples": [1, 6],
        "rotation": 0,
    }
    base.update(changes)
    return TrackTables(**base)  # type: ignore[arg-type]


def test_no_edit_list_keeps_every_sample() -> None:
    timing = sample_timing(tables())
    assert timing.pts == list(range(10)) and timing.keyframe_indices == [0, 5] and timing.hidden_before_start == 0


def test_composition_offsets_reorder_presentation() -> None:
    # I P B B: decode order 0 1 2 3, shown at 0 3 1 2 (+1 tick of ctts shift, removed by the edit list)
    timing = sample_timing(
        tables(sample_deltas=[(4, 1)], composition_offsets=[(1, 1), (1, 3), (1, 0), (1, 0)], edits=[(4000, 1)])
    )
    assert timing.pts == [0, 1, 2, 3]
    assert timing.keyframe_indices == [0]  # sync sample 1 is shown first


def test_edit_hides_samples_before_its_start() -> None:
    timing = sample_timing(tables(edits=[(200, 4)]))  # 0.2 s from media time 4: samples 4..9
    assert timing.pts == [0, 1, 2, 3, 4, 5] and timing.hidden_before_start == 4
    assert timing.keyframe_indices == [1]  # sync sample 6 (media time 5) is the second visible frame


def test_edit_end_trims_samples_after_it() -> None:
    timing = sample_timing(tables(edits=[(100, 0)]))  # 0.1 s: 3 frames
    assert timing.pts == [0, 1, 2] and timing.hidden_before_start == 0


def test_empty_edit_delays_the_start() -> None:
    timing = sample_timing(tables(edits=[(2000, -1), (10_000, 0)]))
    assert timing.pts == list(range(60, 70))


def test_two_edits_play_one_after_the_other() -> None:
    timing = sample_timing(tables(edits=[(100, 0), (100, 5)]))  # media times 0-2, then 5-7
    assert timing.pts == [0, 1, 2, 3, 4, 5]
    assert timing.keyframe_indices == [0, 3]


def test_edit_starting_inside_a_sample_shows_the_next_frame_at_zero() -> None:
    # frames of 10 ticks; the edit starts 5 ticks into sample 2 (a stream-copy cut between frames)
    timing = sample_timing(tables(timescale=300, sample_deltas=[(10, 10)], edits=[(1000, 25)]))
    assert timing.pts == [0, 10, 20, 30, 40, 50, 60] and timing.hidden_before_start == 3
    assert timing.keyframe_indices == [2]  # sync sample 6 (media time 50)


def test_edit_inside_a_sample_with_reordered_frames() -> None:
    # I P B B decoded at 0 10 20 30, shown at 10 40 20 30; the edit starts at 15, inside the I frame's display:
    # FFmpeg times the edit from the decode time of its first sample in decode order (P), then starts at 0
    ctts = [(1, 10), (1, 30), (1, 0), (1, 0)]
    timing = sample_timing(
        tables(timescale=300, sample_deltas=[(4, 10)], composition_offsets=ctts, edits=[(1000, 15)], sync_samples=[1])
    )
    assert timing.pts == [0, 10, 20] and timing.hidden_before_start == 1 and timing.keyframe_indices == []


def test_empty_edit_then_an_edit_inside_a_sample() -> None:
    timing = sample_timing(tables(timescale=300, sample_deltas=[(10, 10)], edits=[(100, -1), (1000, 25)]))
    assert timing.pts == [30, 40, 50, 60, 70, 80, 90]  # the empty edit's 0.1 s, then the first frame


def test_zero_length_edit_shows_nothing() -> None:
    assert sample_timing(tables(edits=[(0, 3)])).pts == []  # FFmpeg decodes no frame either


def test_negative_first_times_follow_ffmpegs_minimum() -> None:
    # negative composition offsets: sample 4 is shown before sample 3, the first of the edit in decode order.
    # FFmpeg's minimum (min_corrected_pts) starts over after a negative time, so the track moves by 2, not -1.
    ctts = [(1, 0), (1, 0), (1, -1), (1, 0), (1, -2), (1, 0)]
    timing = sample_timing(tables(sample_deltas=[(6, 1)], composition_offsets=ctts, edits=[(1000, 2)]))
    assert timing.pts == [-3, -2, 0]


def test_absurd_sample_counts_are_refused() -> None:
    with pytest.raises(MediaError, match="declares 4,000,000,000 samples"):
        sample_timing(tables(sample_deltas=[(4_000_000_000, 1)]))


def test_top_level_boxes(media_corpus: MediaCorpus) -> None:
    data = media_corpus["moov_end.mp4"].read_bytes()
    boxes = scan_top_level(CountingReader(io.BytesIO(data)))
    assert [b.type for b in boxes][:1] == ["ftyp"] and boxes[-1].type == "moov"
    assert sum(b.size for b in boxes) == len(data)


class _BufferReader(io.BytesIO):
    """A storage-like reader that returns memoryviews (PyAV needs bytes: the counting wrapper converts)."""

    def read(self, n: int | None = -1) -> memoryview:  # type: ignore[override]
        return memoryview(super().read(n))


def test_video_over_a_buffer_returning_reader(media_corpus: MediaCorpus) -> None:
    data = media_corpus["ghost_cut.mp4"].read_bytes()
    report = inspect_video(_BufferReader(data), size=len(data))
    assert (report.frame_count, report.hidden_frame_count) == (75, 45)


@pytest.mark.parametrize(
    ("deltas", "sets_rate"),
    [([(10, 1)], True), ([(9, 1), (1, 2)], True), ([(8, 1), (2, 2)], False), ([(4, 1), (1, 2), (5, 1)], False)],
)
def test_when_the_demuxer_sets_the_nominal_rate(deltas: list[tuple[int, int]], sets_rate: bool) -> None:
    assert demuxer_sets_nominal_rate(tables(sample_deltas=deltas)) is sets_rate


def test_sample_description_boxes(media_corpus: MediaCorpus) -> None:
    for name, kind, config in (("cfr_h264.mp4", "avc1", "avcC"), ("hevc.mov", "hvc1", "hvcC")):
        with open_counting(media_corpus[name]) as reader:
            track = read_video_track(reader, scan_top_level(reader), track_id=None)
        assert track is not None and track.sample_entry is not None
        assert track.sample_entry.format == kind and {config, "pasp"} <= track.sample_entry.boxes.keys()
        assert track.sample_entry.boxes["pasp"] == bytes.fromhex("0000000100000001")


def test_sample_description_that_does_not_parse_is_left_to_ffmpeg(media_corpus: MediaCorpus) -> None:
    data = bytearray(media_corpus["cfr_h264.mp4"].read_bytes())
    at = data.find(b"avcC") - 4
    data[at : at + 4] = (10**6).to_bytes(4, "big")  # avcC now overruns its sample entry
    reader = CountingReader(io.BytesIO(bytes(data)))
    track = read_video_track(reader, scan_top_level(reader), track_id=None)
    assert track is not None and track.sample_entry is None and track.sample_deltas == [(60, 512)]


@pytest.mark.parametrize("name", [n for n in MediaCorpus.videos if n.endswith((".mp4", ".mov"))])
def test_sample_data_end_is_where_ffmpegs_index_ends(media_corpus: MediaCorpus, name: str) -> None:
    with open_counting(media_corpus[name]) as reader:
        track = read_video_track(reader, scan_top_level(reader), track_id=None)
    with av.open(str(media_corpus[name])) as container:
        entries = container.streams.video[0].index_entries
        expected = max(e.pos + e.size for e in entries)
    assert track is not None and track.data_end == expected
