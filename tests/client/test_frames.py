"""``client.items.frames``: a video's frames decoded over HTTP range reads, equal to PyAV decoding a local copy with
the frame map's rules (ghost frames hidden, B-frames in display order, variable frame rate), seeking near the end
without reading the file, for uploaded items and items registered by reference."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import httpx
import pytest

from cairn import errors
from cairn.client import Client
from cairn.domain.frame_map import FrameIndex
from tests.api.helpers import png_bytes
from tests.client.conftest import LiveServer
from tests.fixtures.indexed_video import index_of, write_indexed_video
from tests.fixtures.storage_servers import StorageServer

_CFR = [i * 3000 for i in range(120)]  # 30 fps at 1/90000
_VFR = [sum((3000, 9000, 6000)[j % 3] for j in range(i)) for i in range(90)]


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> dict[str, Path]:
    """Indexed videos (frame i shows i): B-frames, VFR, and a stream-copy cut whose edit list hides frames."""
    root = tmp_path_factory.mktemp("frames")
    made = {
        "bframes.mp4": write_indexed_video(root / "bframes.mp4", _CFR),
        "vfr.mp4": write_indexed_video(root / "vfr.mp4", _VFR),
    }
    ghost = root / "ghost.mp4"
    _ffmpeg(ffmpeg_exe, "-ss", "1.1", "-i", str(made["bframes.mp4"]), "-c", "copy", str(ghost))
    return {**made, "ghost.mp4": ghost}


def _ffmpeg(exe: str, *args: str) -> None:
    subprocess.run([exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args], check=True, timeout=120)


def local_frames(path: Path, index: FrameIndex) -> list[tuple[int, bytes]]:
    """PyAV decoding the whole local file; the pictures whose timestamps are in the frame map, in its order."""
    numbers = {pts: n for n, pts in enumerate(index.frame_map.pts)}
    with av.open(str(path)) as container:
        found = {numbers[f.pts]: f.to_image() for f in container.decode(video=0) if f.pts in numbers}
    assert sorted(found) == list(range(len(index.frame_map)))  # every frame of the map is presented, once
    return [(index_of(found[n]), found[n].tobytes()) for n in sorted(found)]


@dataclass
class Counting(httpx.BaseTransport):
    """The real HTTP transport, counting the content route's range responses and their bytes."""

    inner: httpx.HTTPTransport = field(default_factory=httpx.HTTPTransport)
    ranges: list[str] = field(default_factory=list)
    body_bytes: int = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/content"):
            response.read()
            self.ranges.append(request.headers.get("Range", "(none)"))
            self.body_bytes += len(response.content)
        return response


@pytest.fixture
def counting() -> Iterator[Counting]:
    transport = Counting()
    yield transport
    transport.inner.close()


def _upload(client: Client, *paths: Path) -> list[int]:
    folder = client.folders.create("Videos")
    return [item.id for item in client.folders.upload(folder.id, list(paths))]


@pytest.mark.parametrize("name", ["bframes.mp4", "vfr.mp4", "ghost.mp4"])
def test_frames_equal_local_decoding(live_server: LiveServer, videos: dict[str, Path], name: str) -> None:
    with Client(live_server.url, live_server.token) as client:
        [item_id] = _upload(client, videos[name])
        index = client.items.frame_index(item_id)
        expected = local_frames(videos[name], index)
        got = [(f.index, f.time, index_of(f.to_image()), f.to_image().tobytes()) for f in client.items.frames(item_id)]
    assert [g[0] for g in got] == list(range(len(expected)))
    assert [g[1] for g in got] == index.frame_map.seconds()
    assert [(g[2], g[3]) for g in got] == expected
    if name == "ghost.mp4":  # the cut hides the frames before 1.1 s: the first visible one shows index 33
        assert len(got) < len(_CFR) and got[0][2] == 33
    else:
        assert [g[2] for g in got] == list(range(len(got)))


@pytest.mark.parametrize("name", ["bframes.mp4", "ghost.mp4"])
def test_ranges_and_steps_start_at_a_key_frame(live_server: LiveServer, videos: dict[str, Path], name: str) -> None:
    with Client(live_server.url, live_server.token) as client:
        [item_id] = _upload(client, videos[name])
        index = client.items.frame_index(item_id)
        expected = [shown for shown, _ in local_frames(videos[name], index)]
        count = len(expected)
        for start, stop, step in [(0, 5, 1), (31, 70, 3), (count - 4, None, 1), (count - 1, count + 10, 2), (7, 8, 1)]:
            got = [(f.index, index_of(f.to_image())) for f in client.items.frames(item_id, start, stop, step)]
            wanted = list(range(count))[start:stop:step]
            assert got == [(i, expected[i]) for i in wanted], (start, stop, step)
        keys = [f.index for f in client.items.frames(item_id, key_frames_only=True)]
        assert keys == list(index.key_frames) and keys
        assert list(client.items.frames(item_id, count + 5)) == []


def test_start_near_the_end_reads_a_fraction_of_the_file(
    live_server: LiveServer, counting: Counting, tmp_path: Path, ffmpeg_exe: str
) -> None:
    """A 10 s 640x360 noisy video (several MB, moov at the end): the last frames need the index and one GOP."""
    path = tmp_path / "noisy.mp4"
    source = "testsrc2=size=640x360:rate=30:duration=10"
    _ffmpeg(ffmpeg_exe, "-f", "lavfi", "-i", source, "-vf", "noise=alls=30:allf=t", "-c:v", "libx264", "-preset",
            "ultrafast", "-g", "30", "-pix_fmt", "yuv420p", str(path))  # fmt: skip
    size = path.stat().st_size
    with Client(live_server.url, live_server.token, transport=counting) as client:
        [item_id] = _upload(client, path)
        counting.ranges.clear()
        reader = client.items.range_reader(item_id)
        got = [f.index for f in client.items.frames(item_id, start=295, reader=reader)]
    assert got == [295, 296, 297, 298, 299]
    assert size > 2_000_000
    assert counting.body_bytes == reader.bytes_fetched < size / 5, (counting.body_bytes, size)
    assert all(r.startswith("bytes=") for r in counting.ranges) and len(counting.ranges) == reader.requests


def test_items_registered_by_reference_are_read_through_cairn(
    live_server: LiveServer, moto_server: StorageServer, videos: dict[str, Path]
) -> None:
    bucket = moto_server.fresh()
    url = bucket.put("clips/ghost.mp4", videos["ghost.mp4"].read_bytes(), content_type="video/mp4")
    config = bucket.config
    with Client(live_server.url, live_server.token) as client:
        client.integrations.create(
            "moto",
            provider="s3_compatible",
            bucket=config.bucket,
            region=config.region,
            endpoint=config.endpoint,
            credentials=dict(config.credentials),
        )
        folder = client.folders.create("Bucket")
        job = client.register(
            folder=folder.id, integration="moto", manifest={"videos": [{"objectUrl": url}]}, timeout=60, progress=None
        )
        assert job.status == "done", list(client.jobs.errors(job.id))
        [item] = list(client.folders.items(folder.id))
        index = client.items.frame_index(item.id)
        shown = [index_of(f.to_image()) for f in client.items.frames(item.id, start=10)]
    assert shown == [s for s, _ in local_frames(videos["ghost.mp4"], index)][10:]


def test_a_non_video_item_has_no_frames(live_server: LiveServer, tmp_path: Path) -> None:
    image = tmp_path / "still.png"
    image.write_bytes(png_bytes(8, 6))
    with Client(live_server.url, live_server.token) as client:
        [item_id] = _upload(client, image)
        with pytest.raises(errors.InvalidInput, match=f"item {item_id} is a image: only videos and image sequences"):
            client.items.frames(item_id)
        with pytest.raises(errors.NotFound):
            client.items.frames(item_id + 1000)
