"""Frame iteration: the SDK's `client.items.frames` over HTTP range reads against PyAV decoding a local copy.

    python -m bench frames --seconds 20 --runs 5
    make bench BENCH_ARGS="frames"

A 1280x720 H.264 video (30 fps, B-frames, a key frame every 60 frames, `moov` at the end) is made with FFmpeg and
uploaded into a real `cairn serve` (its own process, SQLite, managed storage). Each round decodes every frame twice,
in turns: PyAV opening the local file (frame threads on, as the SDK sets them), and the SDK streaming the item's
bytes from the server's content route. Both only decode (no conversion to images). The figure is frames per second
of the median run, and the SDK's ratio to PyAV. A last SDK run starts 10 frames before the end and reports the
bytes it fetched (the index and one group of pictures, not the file).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import av
import httpx
import imageio_ffmpeg

from bench.databases import machine
from cairn.client import Client

CAIRN = Path(sys.executable).parent / "cairn"


@dataclass
class Side:
    name: str
    seconds: list[float] = field(default_factory=list)
    frames: int = 0

    @property
    def fps(self) -> float:
        return self.frames / statistics.median(self.seconds)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=int, default=20, help="length of the 720p30 test video")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each side (after one warm-up)")


def run(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="cairn-bench-frames-") as tmp:
        root = Path(tmp)
        video = _make_video(root / "clip.mp4", seconds=args.seconds)
        with _server(root / "data") as (url, token), Client(url, token) as client:
            folder = client.folders.create("bench")
            [item] = client.folders.upload(folder.id, [video])
            load_before = os.getloadavg()
            local, sdk = Side("PyAV, local file"), Side("SDK `client.items.frames`, range reads over HTTP")
            for round_number in range(args.runs + 1):
                _timed(local, lambda: _decode_local(video), keep=round_number > 0)
                _timed(sdk, lambda: sum(1 for _ in client.items.frames(item.id)), keep=round_number > 0)
            load_after = os.getloadavg()
            tail = _tail_read(client, item.id, sdk.frames)
        size = video.stat().st_size
    return _report(args, size, [local, sdk], tail=tail, load=(load_before, load_after))


def _timed(side: Side, decode: Callable[[], int], *, keep: bool) -> None:
    start = time.perf_counter()
    frames = decode()
    elapsed = time.perf_counter() - start
    if side.frames and frames != side.frames:
        raise RuntimeError(f"{side.name}: {frames} frames, {side.frames} before")
    side.frames = frames
    if keep:
        side.seconds.append(elapsed)


def _decode_local(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def _tail_read(client: Client, item_id: int, frames: int) -> tuple[int, int, int]:
    reader = client.items.range_reader(item_id)
    decoded = sum(1 for _ in client.items.frames(item_id, start=frames - 10, reader=reader))
    return decoded, reader.bytes_fetched, reader.requests


def _make_video(path: Path, *, seconds: int) -> Path:
    source = f"testsrc2=size=1280x720:rate=30:duration={seconds}"
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi"]
    encode = ["-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-bf", "3", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run([*argv, "-i", source, *encode], check=True, timeout=600)
    return path


@contextmanager
def _server(data_dir: Path) -> Iterator[tuple[str, str]]:
    """``cairn serve`` on a free port over a fresh data directory, and an API token of its local admin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")} | {"CAIRN_DATA_DIR": str(data_dir)}
    made = subprocess.run([str(CAIRN), "--json", "token", "create", "bench"], env=env, check=True, capture_output=True)
    token = json.loads(made.stdout)["secret"]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (data_dir / "serve.log").open("wb") as log:
        server = subprocess.Popen([str(CAIRN), "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        _wait_until_up(f"{url}/health", server, data_dir / "serve.log")
        yield url, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"cairn serve exited with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"cairn serve did not come up at {url}")


def _report(
    args: argparse.Namespace,
    size: int,
    sides: list[Side],
    *,
    tail: tuple[int, int, int],
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> str:
    local = sides[0]
    facts = machine()
    lines = [
        "## Frames",
        "",
        f"`python -m bench frames --seconds {args.seconds} --runs {args.runs}`: a {args.seconds} s 1280x720 H.264 "
        f"video ({local.frames} frames, {size:,} bytes, `moov` at the end), every frame decoded; median of "
        f"{args.runs} runs per side, the sides taking turns. Machine: {facts['cpu']}, {facts['cores']}, "
        f"{facts['memory']}, Python {facts['python']}, PyAV {av.__version__}; load average "
        f"{load[0][0]:.1f} / {load[1][0]:.1f} at start / end.",
        "",
        "| side | median | frames/s | ratio to PyAV |",
        "|---|---:|---:|---:|",
    ]
    for side in sides:
        median = statistics.median(side.seconds)
        lines.append(f"| {side.name} | {median * 1000:,.0f} ms | {side.fps:,.0f} | {side.fps / local.fps:.2f}x |")
    decoded, fetched, requests = tail
    lines += [
        "",
        f"Starting 10 frames before the end, the SDK decoded {decoded} frames and fetched {fetched:,} bytes in "
        f"{requests} range requests ({fetched / size:.1%} of the file).",
        "",
    ]
    return "\n".join(lines)
