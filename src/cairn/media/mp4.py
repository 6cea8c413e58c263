"""A small reader of MP4/MOV sample tables: every frame's presentation time without touching media data.

Reads the top-level box headers (to find ``moov`` and say whether it precedes ``mdat``: faststart), then the
``moov`` box alone, and from the video track's ``stts`` (decode deltas), ``ctts`` (composition offsets), ``elst``
(edit list), ``stss`` (sync samples) and ``tkhd`` (display matrix) computes the presentation time of each
visible sample, the samples the edit list hides before its start ("ghost frames"), the key frames, and the
rotation. The track's sample description (``stsd``) is kept too: its ``avcC``/``hvcC`` and ``pasp`` boxes give
the profile and the pixel aspect ratio (:mod:`cairn.media.codec_config`). Fragmented MP4 (``moof``) keeps no
sample tables in ``moov``: :func:`read_video_track` returns None and the caller demuxes instead.
"""

from __future__ import annotations

import math
import struct
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress, repeat
from operator import add, sub

from cairn.errors import MediaError
from cairn.media.reading import CountingReader

__all__ = [
    "MAX_EDITS",
    "Box",
    "SampleEntry",
    "SampleTiming",
    "TrackTables",
    "demuxer_sets_nominal_rate",
    "read_video_track",
    "sample_timing",
    "scan_top_level",
]

MAX_MOOV_BYTES = 256 * 1024 * 1024
MAX_TOP_LEVEL_BOXES = 100_000
MAX_SAMPLES = 20_000_000
MAX_EDITS = 100_000
"""Edit list entries accepted: each costs a pass over the track's times (real files hold a handful)."""
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}
_VISUAL_ENTRY_FIELDS = 78  # bytes of a VisualSampleEntry before its child boxes (ISO/IEC 14496-12, 12.1.3)


@dataclass(frozen=True)
class Box:
    """A top-level box: its four-character type, where it starts, and its total size (header included)."""

    type: str
    offset: int
    size: int


@dataclass(frozen=True)
class SampleEntry:
    """A video track's only sample description: its format (``avc1``, ``hvc1``...) and its child boxes by type."""

    format: str
    boxes: dict[str, bytes]


@dataclass(frozen=True)
class TrackTables:
    """The raw tables of one track (values in the track's media timescale unless said otherwise)."""

    track_id: int
    timescale: int
    movie_timescale: int
    sample_deltas: list[tuple[int, int]]
    composition_offsets: list[tuple[int, int]]
    edits: list[tuple[int, int]]
    sync_samples: list[int] | None
    rotation: int
    sample_entry: SampleEntry | None = None
    data_end: int | None = None
    """The byte after the track's last sample (from stsz, stsc, stco/co64; None when they do not add up)."""


@dataclass(frozen=True)
class SampleTiming:
    """Presentation times of the visible samples (sorted), key frames among them, and hidden samples."""

    pts: list[int]
    keyframe_indices: list[int]
    sample_count: int
    hidden_before_start: int


def scan_top_level(reader: CountingReader) -> list[Box]:
    """The top-level boxes of an ISO-BMFF file, found by reading only their headers."""
    boxes: list[Box] = []
    offset, size = 0, reader.size
    while offset + 8 <= size:
        if len(boxes) >= MAX_TOP_LEVEL_BOXES:
            raise MediaError(f"more than {MAX_TOP_LEVEL_BOXES} top-level boxes: not a sane MP4/MOV file")
        box = _read_box_header(reader, offset, size)
        boxes.append(box)
        offset += box.size
    return boxes


def _read_box_header(reader: CountingReader, offset: int, file_size: int) -> Box:
    head = reader.read_at(offset, 16)
    if len(head) < 8:
        raise MediaError(f"truncated box header at byte {offset}")
    length, kind = struct.unpack(">I4s", head[:8])
    if length == 1:
        if len(head) < 16:
            raise MediaError(f"truncated 64-bit box header at byte {offset}")
        (length,) = struct.unpack(">Q", head[8:16])
    elif length == 0:
        length = file_size - offset
    if length < 8:
        raise MediaError(f"box {kind!r} at byte {offset} declares an impossible size {length}")
    return Box(type=kind.decode("latin-1"), offset=offset, size=length)


def moov_position(boxes: list[Box]) -> str:
    """``"start"`` when ``moov`` comes before the media data (faststart), else ``"end"``."""
    kinds = [b.type for b in boxes]
    if "moov" not in kinds:
        raise MediaError("no moov box: the file has no index (truncated or not an MP4/MOV file)")
    media = kinds.index("mdat") if "mdat" in kinds else len(kinds)
    return "start" if kinds.index("moov") < media else "end"


def read_video_track(reader: CountingReader, boxes: list[Box], *, track_id: int | None) -> TrackTables | None:
    """The sample tables of the video track ``track_id`` (or the first video track); None when fragmented."""
    moov = next(b for b in boxes if b.type == "moov")
    if moov.size > MAX_MOOV_BYTES:
        raise MediaError(f"moov box is {moov.size:,} bytes, over the {MAX_MOOV_BYTES:,}-byte limit")
    data = reader.read_at(moov.offset, moov.size)
    if len(data) < moov.size:
        raise MediaError(f"moov box is truncated: {len(data):,} of {moov.size:,} bytes present")
    tree = _parse_tree(data, 8, len(data))
    movie_timescale = _movie_timescale(tree)
    for trak in tree.get(b"trak", []):
        assert isinstance(trak, dict)
        tables = _track_tables(trak, movie_timescale)
        if tables is not None and track_id in (None, tables.track_id):
            return tables
    return None


_Tree = dict[bytes, list["_Tree | bytes"]]


def _parse_tree(data: bytes, start: int, end: int, depth: int = 0) -> _Tree:
    tree: _Tree = {}
    for kind, body_start, body_end in _children(data, start, end):
        node: _Tree | bytes = data[body_start:body_end]
        if kind in _CONTAINERS and depth < 8:
            node = _parse_tree(data, body_start, body_end, depth + 1)
        tree.setdefault(kind, []).append(node)
    return tree


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    offset = start
    while offset + 8 <= end:
        length, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if length == 1:
            (length,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif length == 0:
            length = end - offset
        if length < header or offset + length > end:
            raise MediaError(f"box {kind!r} inside moov at offset {offset} overruns its parent")
        yield kind, offset + header, offset + length
        offset += length


def _leaf(tree: _Tree, *path: bytes) -> bytes | None:
    node: _Tree | bytes = tree
    for kind in path:
        if not isinstance(node, dict) or not node.get(kind):
            return None
        node = node[kind][0]
    return node if isinstance(node, bytes) else None


def _movie_timescale(tree: _Tree) -> int:
    mvhd = _leaf(tree, b"mvhd")
    if mvhd is None:
        raise MediaError("moov has no mvhd box")
    (timescale,) = struct.unpack_from(">I", mvhd, 20 if mvhd[0] == 1 else 12)
    return int(timescale)


def _track_tables(trak: _Tree, movie_timescale: int) -> TrackTables | None:
    hdlr = _leaf(trak, b"mdia", b"hdlr")
    if hdlr is None or hdlr[8:12] != b"vide":
        return None
    tkhd, mdhd = _leaf(trak, b"tkhd"), _leaf(trak, b"mdia", b"mdhd")
    stts = _leaf(trak, b"mdia", b"minf", b"stbl", b"stts")
    if tkhd is None or mdhd is None or stts is None:
        raise MediaError("video track lacks tkhd, mdhd or stts")
    deltas = _pairs(stts, signed=False)
    if not deltas:
        return None
    track_id, rotation = _parse_tkhd(tkhd)
    stss = _leaf(trak, b"mdia", b"minf", b"stbl", b"stss")
    ctts = _leaf(trak, b"mdia", b"minf", b"stbl", b"ctts")
    elst = _leaf(trak, b"edts", b"elst")
    stsd = _leaf(trak, b"mdia", b"minf", b"stbl", b"stsd")
    return TrackTables(
        track_id=track_id,
        timescale=_media_timescale(mdhd),
        movie_timescale=movie_timescale,
        sample_deltas=deltas,
        composition_offsets=_pairs(ctts, signed=True) if ctts else [],
        edits=_parse_elst(elst) if elst else [],
        sync_samples=_u32_list(stss) if stss else None,
        rotation=rotation,
        sample_entry=_sample_entry(stsd) if stsd else None,
        data_end=_sample_data_end(trak),
    )


def _sample_entry(stsd: bytes) -> SampleEntry | None:
    """The sample description when ``stsd`` holds exactly one that parses; None leaves the facts to FFmpeg."""
    if len(stsd) < 8 or struct.unpack_from(">I", stsd, 4)[0] != 1:
        return None
    try:
        kind, start, end = next(_children(stsd, 8, len(stsd)))
        if end - start < _VISUAL_ENTRY_FIELDS:
            return None
        boxes = {k.decode("latin-1"): stsd[s:e] for k, s, e in _children(stsd, start + _VISUAL_ENTRY_FIELDS, end)}
    except (MediaError, StopIteration):
        return None  # FFmpeg tolerates more than this reader: let it decide
    return SampleEntry(format=kind.decode("latin-1"), boxes=boxes)


def _sample_data_end(trak: _Tree) -> int | None:
    """The byte after the last sample's data: each chunk's offset plus the sizes of the samples stsc puts in it."""
    stsz, stsc = _stbl_leaf(trak, b"stsz"), _stbl_leaf(trak, b"stsc")
    offsets = _chunk_offsets(trak)
    if stsz is None or stsc is None or offsets is None or len(stsz) < 12:
        return None
    constant, count = struct.unpack_from(">II", stsz, 4)
    if count > MAX_SAMPLES:
        raise MediaError(f"video track declares {count:,} sample sizes, over the {MAX_SAMPLES:,} limit")
    sizes = repeat(constant, count) if constant else _u32_entries(stsz, count_at=8)
    before = list(accumulate(sizes, initial=0))  # before[n]: bytes of the first n samples
    runs = _u32_entries(stsc, count_at=4, width=3)  # first chunk, samples per chunk, description index
    return _chunks_end(offsets, list(zip(runs[0::3], runs[1::3], strict=True)), before)


def _stbl_leaf(trak: _Tree, kind: bytes) -> bytes | None:
    return _leaf(trak, b"mdia", b"minf", b"stbl", kind)


def _chunk_offsets(trak: _Tree) -> array[int] | None:
    if (stco := _stbl_leaf(trak, b"stco")) is not None:
        return _u32_entries(stco, count_at=4)
    co64 = _stbl_leaf(trak, b"co64")
    if co64 is None or len(co64) < 8:
        return None
    (count,) = struct.unpack_from(">I", co64, 4)
    values = array("Q", co64[8 : 8 + 8 * count])
    values.byteswap()
    return values


def _u32_entries(box: bytes, *, count_at: int, width: int = 1) -> array[int]:
    """The entries of ``width`` u32 values after the u32 count at ``count_at`` (those the box holds)."""
    if len(box) < count_at + 4:
        return array("I")
    (count,) = struct.unpack_from(">I", box, count_at)
    start = count_at + 4
    held = min(count, (len(box) - start) // (4 * width))
    values = array("I", box[start : start + 4 * width * held])
    values.byteswap()
    return values


def _chunks_end(offsets: array[int], runs: list[tuple[int, int]], before: list[int]) -> int | None:
    """The largest chunk end; None when stsc's runs are missing or out of order (FFmpeg's index decides then)."""
    total, sample, end = len(before) - 1, 0, 0
    if total and not runs:
        return None
    stops = [first for first, _ in runs[1:]] + [len(offsets) + 1]
    for (first, per_chunk), stop in zip(runs, stops, strict=True):
        if first < 1 or stop < first or per_chunk == 0:
            return None
        chunks = min(stop, len(offsets) + 1) - first
        whole = min(chunks, (total - sample) // per_chunk)
        end = max(end, _whole_chunks_end(offsets[first - 1 : first - 1 + whole], before, sample, per_chunk))
        sample += whole * per_chunk
        if whole < chunks and sample < total:  # the samples left fill part of one more chunk
            end = max(end, offsets[first - 1 + whole] + before[total] - before[sample])
            sample = total
    return end


def _whole_chunks_end(offsets: array[int], before: list[int], sample: int, per_chunk: int) -> int:
    """The largest end of consecutive chunks of ``per_chunk`` samples each, from sample ``sample`` on."""
    if not offsets:
        return 0
    stop = sample + per_chunk * len(offsets)
    sizes = map(sub, before[sample + per_chunk : stop + 1 : per_chunk], before[sample:stop:per_chunk])
    return int(max(map(add, offsets, sizes)))


def demuxer_sets_nominal_rate(tables: TrackTables) -> bool:
    """Whether FFmpeg's mov demuxer sets the nominal frame rate (``r_frame_rate``) from ``stts`` alone: one
    decode delta, or two where the second covers the last sample only. Otherwise FFmpeg takes the codec's timing
    info, or estimates the rate from the first packets it probes."""
    deltas = tables.sample_deltas
    return len(deltas) == 1 or (len(deltas) == 2 and deltas[1][0] == 1)


def _media_timescale(mdhd: bytes) -> int:
    (timescale,) = struct.unpack_from(">I", mdhd, 20 if mdhd[0] == 1 else 12)
    if timescale <= 0:
        raise MediaError("video track has a zero timescale")
    return int(timescale)


def _parse_tkhd(tkhd: bytes) -> tuple[int, int]:
    """Track id and rotation in degrees, counter-clockwise as FFmpeg reports it (0, 90, 180, 270)."""
    version = tkhd[0]
    (track_id,) = struct.unpack_from(">I", tkhd, 20 if version == 1 else 12)
    matrix_at = (20 + 8 + 4 + 4 + 8 if version == 1 else 12 + 4 + 4 + 4) + 8 + 8
    a, b = struct.unpack_from(">ii", tkhd, matrix_at)
    degrees = round(math.degrees(math.atan2(b, a))) if (a or b) else 0
    return int(track_id), (-degrees) % 360


def _pairs(box: bytes, *, signed: bool) -> list[tuple[int, int]]:
    (count,) = struct.unpack_from(">I", box, 4)
    if 8 + 8 * count > len(box):
        raise MediaError(f"sample table declares {count} entries but holds {(len(box) - 8) // 8}")
    values = array("i" if signed else "I", box[8 : 8 + 8 * count])
    if values.itemsize != 4:  # pragma: no cover - every supported platform has 32-bit int
        raise MediaError("unsupported platform integer size")
    values.byteswap()
    return list(zip(values[0::2], values[1::2], strict=True))


def _u32_list(box: bytes) -> list[int]:
    (count,) = struct.unpack_from(">I", box, 4)
    if 8 + 4 * count > len(box):
        raise MediaError(f"sync sample table declares {count} entries but holds {(len(box) - 8) // 4}")
    values = array("I", box[8 : 8 + 4 * count])
    values.byteswap()
    return list(values)


def _parse_elst(elst: bytes) -> list[tuple[int, int]]:
    """Edit list entries as (segment duration in the movie timescale, media time or -1 for an empty edit)."""
    version = elst[0]
    (count,) = struct.unpack_from(">I", elst, 4)
    if count > MAX_EDITS:
        raise MediaError(f"the video track's edit list has {count:,} entries, over the {MAX_EDITS:,} limit")
    entry = struct.Struct(">Qqi" if version == 1 else ">Iii")
    if 8 + entry.size * count > len(elst):
        raise MediaError(f"edit list declares {count} entries but is only {len(elst)} bytes")
    return [(d, t) for d, t, _rate in (entry.unpack_from(elst, 8 + i * entry.size) for i in range(count))]


def sample_timing(tables: TrackTables) -> SampleTiming:
    """Presentation times of the visible samples, applying ctts and the edit list as FFmpeg does."""
    total = sum(count for count, _ in tables.sample_deltas)
    if total > MAX_SAMPLES or sum(c for c, _ in tables.composition_offsets) > MAX_SAMPLES:
        raise MediaError(f"video track declares {total:,} samples, over the {MAX_SAMPLES:,} limit")
    dts = _expand_cumulative(tables.sample_deltas)
    offsets = _expand(tables.composition_offsets, len(dts))
    cts = [d + o for d, o in zip(dts, offsets, strict=True)]
    visible, hidden = _apply_edits(dts, cts, tables)
    visible.sort()
    pts = [p for p, _ in visible]
    numbers = [n for _, n in visible]  # 0-based sample numbers, in presentation order
    keyframes = list(range(len(numbers)))
    if tables.sync_samples is not None:
        keys = {k - 1 for k in tables.sync_samples}
        keyframes = list(compress(keyframes, map(keys.__contains__, numbers)))
    return SampleTiming(pts=pts, keyframe_indices=keyframes, sample_count=len(dts), hidden_before_start=hidden)


@dataclass(frozen=True)
class _Presentation:
    """Samples in composition order: ``order[i]`` is the number of the sample with the i-th smallest time."""

    dts: list[int]
    order: Sequence[int]
    times: list[int]  # composition times, ascending


def _apply_edits(dts: list[int], cts: list[int], tables: TrackTables) -> tuple[list[tuple[int, int]], int]:
    """(pts, sample number) of the samples FFmpeg shows, and how many precede the first edit's media time.

    FFmpeg's mov demuxer (``mov_fix_index``, ``advanced_editlist`` on by default) keeps, per edit, the samples
    whose composition time lies in [media time, media time + duration) and times them from the decode time of
    the first of them in decode order, placed where the edit starts; an edit that begins inside a sample's
    duration therefore does not delay its first frame. Empty edits before the first media edit delay the whole
    track. Finally the track is shifted so that its earliest frame lands at the end of those empty edits.
    """
    if not tables.edits:
        return [(c, n) for n, c in enumerate(cts)], 0
    presentation = _presentation(dts, cts, tables)
    shown: list[tuple[int, int]] = []
    edits: list[list[tuple[int, int]]] = []  # each media edit's frames (for the final shift)
    position = empty_lead = 0
    first_media_time: int | None = None
    for duration, media_time in tables.edits:
        length = _rescale(duration, tables.movie_timescale, tables.timescale)
        start, position = position, position + length
        if first_media_time is None and media_time == -1:
            empty_lead += length
            continue  # (an empty edit after a media edit is read as media time -1, as FFmpeg does)
        first_media_time = media_time if first_media_time is None else first_media_time
        edit = _edit_frames(presentation, media_time=media_time, length=length, start=start)
        shown.extend(edit)
        edits.append(edit)
        if len(shown) > MAX_SAMPLES:
            raise MediaError(f"the edit list shows over {MAX_SAMPLES:,} frames: not a sane MP4/MOV file")
    shift = _first_frame_shift(edits) - empty_lead
    if shift > 0:
        shown = [(p - shift, n) for p, n in shown]
    hidden = bisect_left(presentation.times, first_media_time) if first_media_time is not None else 0
    return shown, hidden


def _presentation(dts: list[int], cts: list[int], tables: TrackTables) -> _Presentation:
    if not tables.composition_offsets:  # without ctts, decode order is presentation order
        return _Presentation(dts=dts, order=range(len(cts)), times=cts)
    order = sorted(range(len(cts)), key=cts.__getitem__)
    return _Presentation(dts=dts, order=order, times=[cts[n] for n in order])


def _edit_frames(presentation: _Presentation, *, media_time: int, length: int, start: int) -> list[tuple[int, int]]:
    """(pts, sample number) of the samples an edit shows: composition times in [media_time, media_time + length),
    timed from the decode time of the first of them in decode order, which plays at ``start``."""
    low = bisect_left(presentation.times, media_time)
    high = bisect_left(presentation.times, media_time + length)
    numbers = presentation.order[low:high]
    if not numbers:
        return []
    shift = start - presentation.dts[min(numbers)]
    return list(zip(map(shift.__add__, presentation.times[low:high]), numbers, strict=True))


def _first_frame_shift(edits: list[list[tuple[int, int]]]) -> int:
    """The earliest frame time as FFmpeg's ``min_corrected_pts`` finds it (-1 when there is no frame).

    FFmpeg walks the frames edit by edit, in decode order, and a negative time is replaced by the next one
    rather than kept as the minimum; without negative times that is simply the minimum.
    """
    times = [p for edit in edits for p, _ in edit]
    if not times or min(times) >= 0:
        return min(times, default=-1)
    lowest = -1
    for edit in edits:
        for time, _ in sorted(edit, key=lambda frame: frame[1]):  # decode order: by sample number
            lowest = time if lowest < 0 else min(lowest, time)
    return lowest


def _rescale(value: int, from_scale: int, to_scale: int) -> int:
    return (value * to_scale + from_scale // 2) // from_scale if from_scale else 0


def _expand_cumulative(pairs: list[tuple[int, int]]) -> list[int]:
    """Each sample's decode time: the sum of the deltas before it."""
    deltas = chain.from_iterable(repeat(delta, count) for count, delta in pairs)
    times = list(accumulate(deltas, initial=0))
    times.pop()  # the end of the last sample
    return times


def _expand(pairs: list[tuple[int, int]], length: int) -> list[int]:
    out: list[int] = []
    for count, value in pairs:
        out.extend([value] * count)
    return (out + [0] * length)[:length]
