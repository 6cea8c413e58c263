"""Edit-list arithmetic of the MP4 sample-table reader, on hand-made tables."""

from __future__ import annotations

import io

import pytest

from cairn.errors import MediaError
from cairn.media import inspect_video
from cairn.media.mp4 import TrackTables, sample_timing, scan_top_level
from cairn.media.reading import CountingReader
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
