"""Edit lists of many shapes, written into real files, against what FFmpeg presents (``ffprobe -show_frames``).

Each case rewrites the video track's ``elst`` of a corpus file whose ``moov`` follows its media data (so no
chunk offset moves) and compares cairn's frame map and start check with ffprobe's frames: edits that begin
inside a sample, empty edits before and between media edits, several edits, edits running past the media.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from cairn.errors import MediaError
from cairn.media import inspect_video, open_counting
from cairn.media.mp4 import MAX_EDITS, read_video_track, scan_top_level
from cairn.media.reading import CountingReader
from tests.fixtures.media_corpus import MediaCorpus, ffprobe_frames

Edit = tuple[float, float | None]
"""(duration in frames, media time in frames after the first frame's composition time; None: an empty edit)."""

SHAPES: dict[str, list[Edit]] = {
    "one edit on a frame boundary": [(40, 3)],
    "starts inside a frame": [(40, 5.37)],
    "starts inside the first frame's delay": [(40, -0.6)],
    "empty edit, then inside a frame": [(7, None), (40, 2.25)],
    "two edits, the second inside a frame": [(10, 0), (10, 30.8)],
    "two edits going back in time": [(10, 20.5), (10, 4.1)],
    "an empty edit between two edits": [(10, 0), (5, None), (10, 30.5)],
    "runs past the last frame": [(500, 11.5)],
    "zero duration": [(0, 6.5)],
}
SOURCES = ("moov_end.mp4", "hevc.mov", "negative_cts.mp4")


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _children(body: bytes) -> list[tuple[bytes, bytes]]:
    out, offset = [], 0
    while offset + 8 <= len(body):
        size, kind = struct.unpack_from(">I4s", body, offset)
        out.append((kind, body[offset + 8 : offset + size]))
        offset += size
    return out


def _is_video(trak: bytes) -> bool:
    mdia = dict(_children(trak)).get(b"mdia", b"")
    return dict(_children(mdia)).get(b"hdlr", b"")[8:12] == b"vide"


def _with_edits(data: bytes, elst: bytes) -> bytes:
    """The file with the video track's edit list replaced by ``elst`` (moov must be the last box)."""
    moov = next(b for b in scan_top_level(_reader(data)) if b.type == "moov")
    assert moov.offset + moov.size == len(data), "moov must follow the media data"
    children = [
        _box(kind, _with_elst(body, elst) if kind == b"trak" and _is_video(body) else body)
        for kind, body in _children(data[moov.offset + 8 :])
    ]
    return data[: moov.offset] + _box(b"moov", b"".join(children))


def _with_elst(trak: bytes, elst: bytes) -> bytes:
    inner = [(kind, body) for kind, body in _children(trak) if kind != b"edts"]
    inner.insert(1, (b"edts", _box(b"elst", elst)))  # after tkhd
    return b"".join(_box(kind, body) for kind, body in inner)


def _reader(data: bytes) -> CountingReader:
    return CountingReader(io.BytesIO(data))


def _elst(source: Path, shape: list[Edit]) -> bytes:
    """An ``elst`` (version 1) for ``shape``, in the units of the source's movie and video track."""
    data = source.read_bytes()
    reader = _reader(data)
    tables = read_video_track(reader, scan_top_level(reader), track_id=None)
    assert tables is not None
    frame = tables.sample_deltas[0][1]
    first = tables.composition_offsets[0][1] if tables.composition_offsets else 0  # the first frame's time
    entries = [
        struct.pack(
            ">Qqi",
            round(frames * frame * tables.movie_timescale / tables.timescale),
            -1 if at is None else first + round(at * frame),
            0x10000,
        )
        for frames, at in shape
    ]
    return b"\x01\0\0\0" + struct.pack(">I", len(entries)) + b"".join(entries)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_frame_map_equals_ffprobe_for_every_edit_shape(
    media_corpus: MediaCorpus, ffprobe_exe: str, tmp_path: Path, source: str, shape: list[Edit]
) -> None:
    path = tmp_path / source
    path.write_bytes(_with_edits(media_corpus[source].read_bytes(), _elst(media_corpus[source], shape)))
    time_base, expected = ffprobe_frames(ffprobe_exe, str(path))
    if not expected:  # FFmpeg shows nothing (a zero-length edit): cairn says so instead of inventing frames
        with open_counting(path) as reader, pytest.raises(MediaError, match="no visible frame"):
            inspect_video(reader, headers_known=False)
        return
    with open_counting(path) as reader:
        report = inspect_video(reader, headers_known=False)
    assert report.frame_map.time_base == time_base
    assert list(report.frame_map.pts) == expected
    (start,) = [c for c in report.checks if c.name == "start_time"]
    assert (start.verdict == "warning") == (expected[0] != 0), start.reason


def test_an_edit_list_of_absurd_length_is_refused(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    """Each edit costs a pass over the track's times: a moov of millions of edits must not take minutes."""
    count = MAX_EDITS + 1
    elst = b"\x01\0\0\0" + struct.pack(">I", count) + struct.pack(">Qqi", 0, 0, 0x10000) * count
    path = tmp_path / "many_edits.mp4"
    path.write_bytes(_with_edits(media_corpus["moov_end.mp4"].read_bytes(), elst))
    with open_counting(path) as reader, pytest.raises(MediaError, match=f"edit list has {count:,} entries"):
        inspect_video(reader, headers_known=False)
