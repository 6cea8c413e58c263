"""RangeFile: reads exactly like io.BytesIO, with few requests; PyAV, Pillow and pydicom open through it."""

from __future__ import annotations

import io
import os
from fractions import Fraction

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cairn.errors import InvalidInput, ObjectNotFound, StorageError
from cairn.storage import ObjectStore, RangeFile, memory_store
from cairn.storage.rangefile import PAGE_SIZE
from tests.fixtures.storage_servers import StorageServer

KIB, MIB = 1024, 1024 * 1024


def _stored(data: bytes, key: str = "obj.bin") -> ObjectStore:
    store = memory_store()
    store.put(key, data)
    return store


Op = tuple[str, int, int]
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("read"), st.integers(-1, 200_000), st.just(0)),
        st.tuples(st.just("seek"), st.integers(-300_000, 300_000), st.sampled_from([0, 1, 2])),
        st.tuples(st.just("tell"), st.just(0), st.just(0)),
        st.tuples(st.just("readinto"), st.integers(0, 100_000), st.just(0)),
    ),
    max_size=25,
)


def _apply(f: io.RawIOBase | io.BytesIO, op: Op) -> object:
    name, a, b = op
    try:
        if name == "read":
            return f.read(a)
        if name == "seek":
            return f.seek(a, b)
        if name == "readinto":
            buffer = bytearray(a)
            count = f.readinto(buffer)
            return count, bytes(buffer[: count or 0])
        return f.tell()
    except ValueError as exc:
        return ("ValueError", "negative" in str(exc))


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(min_size=0, max_size=2_000).map(lambda b: b * 150),
    ops=OPS,
    known_size=st.booleans(),
    block=st.sampled_from([64 * KIB, 128 * KIB]),
)
def test_reads_exactly_like_bytesio(data: bytes, ops: list[Op], known_size: bool, block: int) -> None:
    store = _stored(data)
    size = len(data) if known_size else None
    ranged = RangeFile(store, "obj.bin", size=size, block_size=block, tail_bytes=100 * KIB, cache_bytes=256 * KIB)
    reference = io.BytesIO(data)
    for op in ops:
        assert _apply(ranged, op) == _apply(reference, op), op
    assert ranged.tell() == reference.tell()
    assert ranged.read() == reference.read()


def test_counters_head_read_costs_one_get_when_the_size_is_known() -> None:
    data = os.urandom(3 * MIB)
    f = RangeFile(_stored(data), "obj.bin", size=len(data))
    assert f.read(32 * KIB) == data[: 32 * KIB]
    assert (f.requests, f.bytes_fetched) == (1, 64 * KIB)
    assert f.read(32 * KIB) == data[32 * KIB : 64 * KIB]
    assert f.requests == 1


def test_first_bytes_fetched_with_the_size_are_the_head_fetch() -> None:
    data = os.urandom(3 * MIB)
    store = _stored(data)
    info, first = store.read_start("obj.bin", 100 * KIB)
    f = RangeFile(store, "obj.bin", size=info.size, first=first)
    assert (f.requests, f.bytes_fetched) == (1, 100 * KIB)
    assert f.read(64 * KIB) == data[: 64 * KIB]
    assert f.requests == 1
    assert f.read(10) == data[64 * KIB : 64 * KIB + 10]  # past the last whole page: fetched again
    assert f.requests == 2


def test_first_bytes_of_a_small_object_hold_all_of_it() -> None:
    data = os.urandom(100 * KIB + 7)
    info, first = _stored(data).read_start("obj.bin", 256 * KIB)
    f = RangeFile(_stored(data), "obj.bin", size=info.size, first=first)
    assert f.read() == data and f.requests == 1


def test_first_bytes_need_the_size() -> None:
    with pytest.raises(InvalidInput, match="need the object's size"):
        RangeFile(_stored(b"abc"), "obj.bin", first=b"abc")


def test_unknown_size_costs_one_head() -> None:
    data = os.urandom(200 * KIB)
    f = RangeFile(_stored(data), "obj.bin")
    assert f.read(10) == data[:10]
    assert f.requests == 2
    assert f.size == len(data)


def test_moov_at_the_end_pattern_needs_head_and_tail_only() -> None:
    data = os.urandom(50 * MIB)
    f = RangeFile(_stored(data), "obj.bin", size=len(data))
    f.read(32 * KIB)
    f.seek(0, io.SEEK_END)
    f.seek(-700 * KIB, io.SEEK_END)
    assert f.read(700 * KIB) == data[-700 * KIB :]
    assert f.requests == 2
    # The tail read starts at the page where it is needed (not 1 MiB back): 700 KiB plus at most one page.
    assert 64 * KIB + 700 * KIB <= f.bytes_fetched < 64 * KIB + 700 * KIB + PAGE_SIZE


def test_sequential_scan_grows_the_block_size() -> None:
    data = os.urandom(40 * MIB)
    f = RangeFile(_stored(data), "obj.bin", size=len(data), tail_bytes=0)
    chunks = []
    while chunk := f.read(32 * KIB):
        chunks.append(chunk)
    assert b"".join(chunks) == data
    assert f.bytes_fetched == len(data)
    assert f.requests <= 10  # 64 KiB head, then 1, 2, 4, 8, 16, 16 MiB...


def test_random_misses_fetch_one_block_and_never_refetch_cached_pages() -> None:
    data = os.urandom(20 * MIB)
    f = RangeFile(_stored(data), "obj.bin", size=len(data), block_size=256 * KIB, tail_bytes=0)
    f.seek(5 * MIB + 100)
    assert f.read(10) == data[5 * MIB + 100 : 5 * MIB + 110]
    assert f.bytes_fetched == 256 * KIB
    f.seek(5 * MIB - 1000)
    assert f.read(2000) == data[5 * MIB - 1000 : 5 * MIB + 1000]
    assert f.bytes_fetched == 256 * KIB + PAGE_SIZE  # one page before the cached block, which is not refetched
    assert f.requests == 2


def test_cache_is_bounded_and_evicted_pages_are_fetched_again() -> None:
    data = os.urandom(8 * MIB)
    f = RangeFile(
        _stored(data), "obj.bin", size=len(data), block_size=PAGE_SIZE, max_block_size=PAGE_SIZE, cache_bytes=0
    )
    assert f.read() == data
    fetched = f.bytes_fetched
    f.seek(0)
    assert f.read(10) == data[:10]
    assert f.bytes_fetched == fetched + PAGE_SIZE


def test_an_object_that_shrank_is_reported() -> None:
    store = _stored(b"x" * 1000)
    f = RangeFile(store, "obj.bin", size=5000)
    with pytest.raises(StorageError, match="changed while being read"):
        f.read(5000)


def test_missing_object_raises_object_not_found() -> None:
    with pytest.raises(ObjectNotFound):
        RangeFile(memory_store(), "nope.mp4").read(10)


def test_is_a_read_only_seekable_raw_file() -> None:
    f = RangeFile(_stored(b"abc"), "obj.bin")
    assert isinstance(f, io.RawIOBase)
    assert (f.readable(), f.seekable(), f.writable()) == (True, True, False)
    with pytest.raises(OSError):
        f.write(b"x")
    f.close()
    with pytest.raises(ValueError, match="closed"):
        f.read(1)
    with io.BufferedReader(RangeFile(_stored(b"hello\nworld\n"), "obj.bin")) as buffered:
        assert buffered.readlines() == [b"hello\n", b"world\n"]


def _mp4(frames: int = 48) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=24)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for index in range(frames):
            image = Image.new("RGB", (160, 120), (index * 5 % 255, 80, 160))
            frame = av.VideoFrame.from_image(image)
            frame.pts, frame.time_base = index, Fraction(1, 24)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def test_pyav_opens_an_mp4_through_range_reads() -> None:
    data = _mp4()
    f = RangeFile(_stored(data, "v.mp4"), "v.mp4", size=len(data))
    with av.open(f) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (160, 120)
        assert video.frames == 48
        assert len(video.index_entries) == 48
    assert f.requests <= 3


def test_pillow_reads_an_image_header_with_one_get() -> None:
    image = Image.effect_noise((1200, 800), 64).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    data = buffer.getvalue()
    assert len(data) > 200 * KIB
    f = RangeFile(_stored(data, "i.jpg"), "i.jpg", size=len(data))
    with Image.open(f) as opened:
        assert opened.size == (1200, 800)
    assert f.requests == 1


def test_pydicom_reads_a_header_through_range_reads() -> None:
    pydicom = pytest.importorskip("pydicom")
    from pydicom.data import get_testdata_file

    path = get_testdata_file("CT_small.dcm")
    assert path is not None
    with open(path, "rb") as handle:
        data = handle.read()
    f = RangeFile(_stored(data, "ct.dcm"), "ct.dcm", size=len(data))
    dataset = pydicom.dcmread(f, stop_before_pixels=True)
    assert dataset.Modality == "CT"
    assert f.requests == 1


def _noisy_mp4(frames: int) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=24, options={"qscale": "1"})
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for index in range(frames):
            frame = av.VideoFrame.from_image(Image.effect_noise((640, 480), 100).convert("RGB"))
            frame.pts, frame.time_base = index, Fraction(1, 24)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


@pytest.mark.xdist_group("storage_servers")
def test_pyav_opens_a_multi_megabyte_mp4_on_s3rver_in_few_requests(s3rver_server: StorageServer) -> None:
    server = s3rver_server.fresh()
    data = _noisy_mp4(frames=40)
    assert len(data) > 3 * MIB
    server.put("videos/noise.mp4", data, content_type="video/mp4")
    f = RangeFile(server.store(), "videos/noise.mp4", size=len(data))
    with av.open(f) as container:
        video = container.streams.video[0]
        assert video.frames == 40
        assert sum(1 for entry in video.index_entries if entry.is_keyframe) >= 1
    assert f.requests <= 4
    assert f.bytes_fetched < len(data) // 2
