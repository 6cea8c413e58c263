"""Frame export: a `frame_export` job writing every frame as PNG items, against FFmpeg's command line doing the same.

    python -m bench frame_export --frames 1000 --runs 3
    make bench BENCH_ARGS="frame_export"

A 640x360 H.264 video (30 fps, B-frames, a key frame every 60 frames) is made with FFmpeg and added to a fresh
registry (SQLite, managed storage), inspected. Each round exports every frame twice, in turns: seed 004's
`ffmpeg -i video -start_number 0 frame_%06d.png` into an empty directory, and a frame export job run task by task
in this process by one, then two worker threads (decode over range reads from the key frame before each task, PNG,
the image's inspection recorded from what the job knows, one image item per frame committed per task). The figures
are the median run, the job's ratio to FFmpeg (which decodes with frame threads) and the median CPU time (user +
system, of this process's threads or of the FFmpeg child): on a shared, loaded machine the wall time is mostly
waiting for a core, and the CPU time says how much work each side did.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import imageio_ffmpeg

from bench.databases import machine
from cairn.domain.frame_export import FrameExportParams
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Item, User
from cairn.services.items import NewItem
from cairn.services.registry import Registry
from cairn.settings import Settings

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--frames", type=int, default=1000, help="frames of the 640x360 test video")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side (after one warm-up)")


def run(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="cairn-bench-frame-export-") as tmp:
        root = Path(tmp)
        video = _make_video(root / "clip.mp4", frames=args.frames)
        settings = Settings(data_dir=root / "data", database_url=f"sqlite:///{root / 'cairn.db'}")
        registry = Registry(settings)
        try:
            registry.migrate()
            admin = registry.users.ensure_local_admin()[0]
            item = _add(registry, admin, video)
            load_before = os.getloadavg()
            ffmpeg: _Runs = ([], [])
            one: _Runs = ([], [])
            two: _Runs = ([], [])
            for round_number in range(args.runs + 1):
                _timed(ffmpeg, lambda: _ffmpeg(video, root / "ffmpeg"), keep=round_number > 0)
                _timed(one, lambda: _export(registry, admin, item, threads=1), keep=round_number > 0)
                _timed(two, lambda: _export(registry, admin, item, threads=2), keep=round_number > 0)
            load_after = os.getloadavg()
        finally:
            registry.close()
    return _report(args, ffmpeg, one, two, load=(load_before[0], load_after[0]))


_Runs = tuple[list[float], list[float]]
"""Wall seconds and CPU seconds of each run."""


def _timed(runs: _Runs, work: Callable[[], int], *, keep: bool) -> None:
    start, cpu = time.perf_counter(), _cpu_seconds()
    work()
    if keep:
        runs[0].append(time.perf_counter() - start)
        runs[1].append(_cpu_seconds() - cpu)


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _make_video(path: Path, *, frames: int) -> Path:
    source = f"testsrc2=size=640x360:rate=30,trim=end_frame={frames}"
    argv = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source]
    encode = ["-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-bf", "3", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run([*argv, *encode], check=True, timeout=600)
    return path


def _add(registry: Registry, admin: User, video: Path) -> Item:
    key = "uploads/bench/clip.mp4"
    target = registry.settings.managed_storage_dir / key
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(video, target)
    folder = registry.folders.create(actor=admin, name="bench")
    new = NewItem(kind=ItemKind.VIDEO, title="clip.mp4", managed_key=key)
    (item,) = registry.items.add(actor=admin, folder_id=folder.id, items=[new])
    registry.inspection.inspect_item(actor=admin, item_id=item.id)
    return item


def _ffmpeg(video: Path, out: Path) -> int:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    argv = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(video), "-start_number", "0"]
    subprocess.run([*argv, str(out / "frame_%06d.png")], check=True, timeout=3600)
    return len(list(out.iterdir()))


def _export(registry: Registry, admin: User, item: Item, *, threads: int) -> int:
    """A frame export job, its tasks run by ``threads`` worker threads (the embedded consumer's default is 2)."""
    job = registry.frame_export.start(actor=admin, item_id=item.id, params=FrameExportParams())
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda seq: registry.jobs.run_task(job_id=job.id, seq=seq), range(job.tasks_total)))
    done = registry.jobs.get(actor=admin, job_id=job.id)
    if done.items_created != done.units_total:
        raise RuntimeError(f"job {job.id}: {done.items_created} of {done.units_total} frames exported: {done.error}")
    return done.items_created


def _report(args: argparse.Namespace, ffmpeg: _Runs, one: _Runs, two: _Runs, *, load: tuple[float, float]) -> str:
    facts = machine()
    base = statistics.median(ffmpeg[0])
    return "\n".join(
        [
            "## Frame export",
            "",
            f"`python -m bench frame_export --frames {args.frames} --runs {args.runs}`: a 640x360 H.264 video of "
            f"{args.frames} frames, every frame as PNG; median of {args.runs} runs per side, the sides taking turns. "
            f"Machine: {facts['cpu']}, {facts['cores']}, {facts['memory']}, Python {facts['python']}, PyAV "
            f"{av.__version__}; load average {load[0]:.1f} / {load[1]:.1f} at start / end.",
            "",
            "| side | median | frames/s | ratio to FFmpeg | CPU s (median) |",
            "|---|---:|---:|---:|---:|",
            _row("`ffmpeg -i clip.mp4 -start_number 0 frame_%06d.png`", ffmpeg, base, args.frames),
            _row("`frame_export` job, one worker thread", one, base, args.frames),
            _row("`frame_export` job, two worker threads", two, base, args.frames),
            "",
        ]
    )


def _row(side: str, runs: _Runs, base: float, frames: int) -> str:
    seconds, cpu = statistics.median(runs[0]), statistics.median(runs[1])
    return f"| {side} | {seconds:,.2f} s | {frames / seconds:,.0f} | {seconds / base:.2f}x | {cpu:,.2f} |"
