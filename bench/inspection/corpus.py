"""The benchmark's media, made with the imageio-ffmpeg binary and cached under ``bench/out/inspection/media``.

* 200 images: 70 JPEG 1920x1080, 65 PNG 1280x720, 65 WebP 1280x720 (frames of ``testsrc2``);
* 20 short videos with the properties the checks look for: CFR, moov at the end, audio, VFR, edit-list cuts
  (ghost frames), negative timestamps, a dropped frame, HEVC, VP9/WebM and H.264/Matroska;
* big 1080p30 H.264 + AAC mp4 files, a 30 s noisy clip at ~10 Mbit/s looped with ``-c copy``: 120 s (~155 MB)
  and 80 s (~104 MB, just over issue 4's 100 MB), each with ``moov`` at the end (ffmpeg's default layout) and
  faststart (``-movflags +faststart``).

The cache is keyed by a digest of the recipes: changing one rebuilds everything.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import shutil
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cairn.domain.kinds import ItemKind

OUT = Path(__file__).resolve().parents[1] / "out" / "inspection"
BIG_MIN_BYTES = 100_000_000

_X264 = "-c:v libx264 -preset veryfast -pix_fmt yuv420p -g 30"
_AAC = "-c:a aac -b:a 96k"
_FAST = "-movflags +faststart"


def _src(seconds: float, size: str = "640x480", rate: str = "30") -> str:
    return f"-f lavfi -i testsrc2=size={size}:rate={rate}:duration={seconds}"


def _sine(seconds: float) -> str:
    return f"-f lavfi -i sine=frequency=440:sample_rate=48000:duration={seconds}"


def _vfr(seconds: float) -> str:
    return f"{_src(seconds)} -vf \"select='lt(n\\,30)+not(mod(n\\,3))'\" -fps_mode vfr {_X264} {_FAST}"


def _gap(seconds: float, frame: int) -> str:
    return f"{_src(seconds)} -vf \"select='not(eq(n\\,{frame}))'\" -fps_mode passthrough {_X264} {_FAST}"


IMAGES = {  # prefix -> (count, ffmpeg output arguments)
    "jpeg": (70, "-q:v 3", "jpg"),
    "png": (65, "-s 1280x720", "png"),
    "webp": (65, "-s 1280x720 -c:v libwebp -quality 80", "webp"),
}

VIDEOS = {  # name -> ffmpeg arguments; derived ones (-i another video) come after their source
    "cfr_4s.mp4": f"{_src(4)} {_X264} {_FAST}",
    "cfr_8s.mp4": f"{_src(8)} {_X264} {_FAST}",
    "cfr_720p_20s.mp4": f"{_src(20, '1280x720')} {_X264} {_FAST}",
    "audio_moov_end_6s.mp4": f"{_src(6)} {_sine(6)} {_X264} {_AAC}",
    "audio_moov_end_10s.mp4": f"{_src(10)} {_sine(10)} {_X264} {_AAC}",
    "audio_faststart_5s.mp4": f"{_src(5)} {_sine(5)} {_X264} {_AAC} {_FAST}",
    "audio_longer_4s.mp4": f"{_src(4)} {_sine(6)} {_X264} {_AAC} {_FAST}",
    "vfr_6s.mp4": _vfr(6),
    "vfr_10s.mp4": _vfr(10),
    "gap_10s.mp4": _gap(10, 150),
    "gap_20s.mp4": _gap(20, 300),
    "negative_offset_3s.mp4": f"{_src(3)} {_X264} -output_ts_offset -1 {_FAST}",
    "start_offset_3s.mp4": f"{_src(3)} {_X264} -output_ts_offset 2 {_FAST}",
    "ntsc_2997_5s.mp4": f"{_src(5, rate='30000/1001')} {_X264} {_FAST}",
    "hevc_2s.mov": f"{_src(2)} -c:v libx265 -preset ultrafast -x265-params log-level=none -pix_fmt yuv420p -tag:v hvc1",
    "vp9_4s.webm": f"{_src(4)} -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 500k -g 30",
    "h264_6s.mkv": f"{_src(6)} {_X264}",
    "cut_ghost_a.mp4": f"-ss 1.5 -i audio_moov_end_6s.mp4 -c copy {_FAST}",
    "cut_ghost_b.mp4": "-ss 3.3 -i audio_moov_end_10s.mp4 -c copy",
    "rotated_8s.mp4": f"-display_rotation 90 -i cfr_8s.mp4 -c copy {_FAST}",
}

BIG_SOURCE = (
    f"{_src(30, '1920x1080')} {_sine(30)} -vf noise=alls=8:allf=t -c:v libx264 -preset ultrafast -b:v 10M "
    f"-maxrate 10M -bufsize 20M -g 30 -pix_fmt yuv420p {_AAC}"
)
BIG = {  # -stream_loop 3: the clip plays 4 times
    "big_moov_end.mp4": "-stream_loop 3 -i big_source.mp4 -c copy",
    "big_faststart.mp4": f"-i big_moov_end.mp4 -c copy {_FAST}",
    "big100_moov_end.mp4": "-stream_loop 2 -i big_source.mp4 -t 80 -c copy",
    "big100_faststart.mp4": f"-i big100_moov_end.mp4 -c copy {_FAST}",
}


@dataclass(frozen=True)
class Media:
    """One generated file: its name (also its object key), kind, size and content type."""

    name: str
    kind: ItemKind
    size: int
    content_type: str


@dataclass(frozen=True)
class Corpus:
    root: Path
    images: list[Media]
    videos: list[Media]
    big: list[Media]
    build_seconds: float | None  # None: taken from the cache


def ensure_corpus(ffmpeg: str, *, rebuild: bool = False) -> Corpus:
    """The cached corpus, built first if missing, stale or ``rebuild``."""
    root = OUT / "media"
    marker = root / ".complete"
    build_seconds = None
    if rebuild or not marker.exists() or marker.read_text() != _recipe_digest():
        began = time.perf_counter()
        _build(root, ffmpeg)
        marker.write_text(_recipe_digest())
        build_seconds = time.perf_counter() - began
    return _listing(root, build_seconds)


def _recipe_digest() -> str:
    recipes = {"images": IMAGES, "videos": VIDEOS, "big_source": BIG_SOURCE, "big": BIG}
    return hashlib.sha256(json.dumps(recipes, sort_keys=True).encode()).hexdigest()


def _build(root: Path, ffmpeg: str) -> None:
    shutil.rmtree(root, ignore_errors=True)
    (root / "images").mkdir(parents=True)
    (root / "videos").mkdir()
    print(f"building the inspection corpus in {root} (a few minutes)", file=sys.stderr, flush=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        big = pool.submit(_build_big, root, ffmpeg)
        for prefix, (count, args, ext) in IMAGES.items():
            source = f"-f lavfi -i testsrc2=size=1920x1080:rate=30 -frames:v {count}"
            _ffmpeg(ffmpeg, f"{source} {args} images/{prefix}_%03d.{ext}", root)
        for name, args in VIDEOS.items():
            _ffmpeg(ffmpeg, f"{args} {name}", root / "videos")
        big.result()
    _check_big(root)


def _build_big(root: Path, ffmpeg: str) -> None:
    _ffmpeg(ffmpeg, f"{BIG_SOURCE} big_source.mp4", root)
    for name, args in BIG.items():
        _ffmpeg(ffmpeg, f"{args} {name}", root)
    (root / "big_source.mp4").unlink()


def _check_big(root: Path) -> None:
    for name in BIG:
        size = (root / name).stat().st_size
        if size < BIG_MIN_BYTES:
            raise RuntimeError(f"{name} is {size:,} bytes, under the {BIG_MIN_BYTES:,} the benchmark needs")


def _ffmpeg(ffmpeg: str, args: str, cwd: Path) -> None:
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *shlex.split(args)]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed: {done.stderr.strip()[-2000:]}")


_CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
}


def _listing(root: Path, build_seconds: float | None) -> Corpus:
    def media(path: Path, kind: ItemKind) -> Media:
        name = path.relative_to(root).as_posix()
        return Media(name, kind, path.stat().st_size, _CONTENT_TYPES[path.suffix])

    images = [media(p, ItemKind.IMAGE) for p in sorted((root / "images").iterdir())]
    videos = [media(root / "videos" / name, ItemKind.VIDEO) for name in VIDEOS]
    big = [media(root / name, ItemKind.VIDEO) for name in BIG]
    return Corpus(root, images, videos, big, build_seconds)


def moov_bytes(path: Path) -> int:
    """Size of the top-level ``moov`` box of an mp4 (0 if none), found by walking the box headers."""
    offset, size = 0, path.stat().st_size
    with path.open("rb") as f:
        while offset + 8 <= size:
            f.seek(offset)
            header = f.read(16)
            length, kind = struct.unpack(">I4s", header[:8])
            if length == 1:
                length = struct.unpack(">Q", header[8:16])[0]
            if kind == b"moov":
                return int(length)
            if length < 8:
                return 0
            offset += length
    return 0
