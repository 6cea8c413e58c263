"""Media processing against plain FFmpeg: re-encodes (auto, full) and frame export on the same local files.

    python -m bench media --runs 3
    python -m bench media --quick          # a 10 s video instead of a minute
    make bench BENCH_ARGS="media --quick"

Each piece of work is timed two ways, the two sides taking turns round after round (one warm-up round first):

* **cairn** as a user meets it: a re-encode job started with ``registry.reencode.start`` and its task run by the
  job engine (``registry.jobs.run_task``) in this process, on SQLite and managed storage: the copy of the original
  (linked), its stored inspection (used as is: the file keeps the ETag it was inspected with), the work itself (a
  stream copy in cairn's process through PyAV's libavformat, ``cairn.media.remux``; an encode by the FFmpeg
  binary), the result's inspection, the frame remap, the move into managed storage and the commit of the new item.
  Queue latency (from the job's creation to its task's claim by an embedded consumer) is measured apart, once per
  job kind. Frame export is ``cairn frames ITEM --out DIR``, its own process.
* **FFmpeg** doing the same work on the same local file: the imageio-ffmpeg binary cairn runs, with the very
  arguments cairn's recipe gives (``cairn.domain.reencode.ffmpeg_arguments``: for a stream copy, the command line
  whose result cairn's in-process copy matches packet for packet), or ``ffmpeg -i clip.mp4 out/%d.png`` for the
  frames, as a subprocess.

The videos are FFmpeg's ``testsrc2`` (1920x1080, 30 fps, H.264 with B-frames, a key frame every 30 frames), made
once and cached under ``$TMPDIR/cairn-bench-media``: with AAC audio (the auto recipe's only step: drop the audio),
with ``moov`` at the end (only step: faststart), and as is for the full re-encode; 1,000 frames of 640x360 for the
frame export. Frame iteration in the SDK is ``bench frames`` (its report follows), not measured twice.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from bench import frames
from bench.databases import machine

CAIRN = Path(sys.executable).parent / "cairn"
CACHE = Path(tempfile.gettempdir()) / "cairn-bench-media"
FRAME_EXPORT_FRAMES = 1000
# The targets: cairn's median wall time over FFmpeg's, at most.
TARGETS = {"remux": 1.10, "full": 1.05, "frames": 1.10}


@dataclass
class Case:
    """One piece of work, timed on both sides."""

    key: str
    name: str
    target: float
    cairn: Callable[[], None]
    ffmpeg: Callable[[], None]
    detail: str = ""
    cleanup: Callable[[], None] = lambda: None
    """Run after each cairn run, untimed (removes what it made)."""
    cairn_seconds: list[float] = field(default_factory=list)
    ffmpeg_seconds: list[float] = field(default_factory=list)
    cairn_cpu: list[float] = field(default_factory=list)
    ffmpeg_cpu: list[float] = field(default_factory=list)
    in_process: bool = True
    """cairn runs in this process (a job through the engine), not as a child (the CLI)."""
    cairn_own_cpu: list[float] = field(default_factory=list)
    """cairn's side without its children (FFmpeg): the CPU cairn itself spends around FFmpeg (in-process only)."""
    queue_latency: float | None = None

    @property
    def ratio(self) -> float:
        return statistics.median(self.cairn_seconds) / statistics.median(self.ffmpeg_seconds)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side (after one warm-up)")
    parser.add_argument("--quick", action="store_true", help="10 s videos instead of a minute (and `frames` on 10 s)")
    parser.add_argument(
        "--only", choices=["audio", "faststart", "full", "frames", "sdk"], action="append", help="run only these"
    )


def run(args: argparse.Namespace) -> str:
    seconds = 10 if args.quick else 60
    chosen = set(args.only or ["audio", "faststart", "full", "frames", "sdk"])
    sources = _sources(seconds, chosen)
    with tempfile.TemporaryDirectory(prefix="cairn-bench-media-") as tmp, _registry(Path(tmp) / "data") as bench:
        cases = _cases(bench, sources, Path(tmp), chosen)
        load_before = os.getloadavg()
        for round_number in range(args.runs + 1):
            for case in cases:
                own = case.cairn_own_cpu if case.in_process else None
                _timed(case.cairn, case.cairn_seconds, case.cairn_cpu, keep=round_number > 0, own=own)
                case.cleanup()
                _timed(case.ffmpeg, case.ffmpeg_seconds, case.ffmpeg_cpu, keep=round_number > 0)
        load_after = os.getloadavg()
        for case in cases:
            case.queue_latency = bench.queue_latency(case.key)
    report = _report(args, seconds, cases, load=(load_before, load_after))
    if "sdk" in chosen:
        report += "\n" + frames.run(argparse.Namespace(seconds=seconds, runs=args.runs))
    return report


def _timed(
    work: Callable[[], None], seconds: list[float], cpu: list[float], *, keep: bool, own: list[float] | None = None
) -> None:
    """Wall time, and CPU time (user + system) of this process and of the children it waited for (FFmpeg, the
    CLI): the work done, which a busy machine stretches less than the wall time; ``own``: this process's alone."""
    start, cpu_start, own_start = time.perf_counter(), _cpu_seconds(), _own_cpu_seconds()
    work()
    if keep:
        seconds.append(time.perf_counter() - start)
        cpu.append(_cpu_seconds() - cpu_start)
        if own is not None:
            own.append(_own_cpu_seconds() - own_start)


def _own_cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- the videos -------------------------------------------------------------------------------------------------


def _sources(seconds: int, chosen: set[str]) -> dict[str, Path]:
    """The cached test videos the chosen cases need (made on first use)."""
    made: dict[str, Path] = {}
    if chosen & {"audio", "faststart", "full"}:
        plain = _cached(f"hd_{seconds}s.mp4", _lavfi(f"testsrc2=size=1920x1080:rate=30:duration={seconds}"),
                        ["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-pix_fmt", "yuv420p",
                         "-movflags", "+faststart"])  # fmt: skip
        made["full"] = plain
        sine = _lavfi(f"sine=frequency=440:sample_rate=48000:duration={seconds}")
        made["audio"] = _cached(f"hd_{seconds}s_audio.mp4", ["-i", str(plain), *sine],
                                ["-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "128k",
                                 "-movflags", "+faststart"])  # fmt: skip
        made["faststart"] = _cached(f"hd_{seconds}s_moov_end.mp4", ["-i", str(plain)], ["-c", "copy"])
    if "frames" in chosen:
        source = _lavfi("testsrc2=size=640x360:rate=30")
        encode = ["-frames:v", str(FRAME_EXPORT_FRAMES), "-c:v", "libx264", "-preset", "veryfast", "-g", "30",
                  "-pix_fmt", "yuv420p", "-movflags", "+faststart"]  # fmt: skip
        made["frames"] = _cached(f"frames_{FRAME_EXPORT_FRAMES}.mp4", source, encode)
    return made


def _lavfi(graph: str) -> list[str]:
    return ["-f", "lavfi", "-i", graph]


def _cached(name: str, inputs: list[str], outputs: list[str]) -> Path:
    """``CACHE/name``, made by FFmpeg unless it exists (written aside, then renamed: never half a file)."""
    path = CACHE / name
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{name}.partial.mp4")
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    subprocess.run([*argv, *inputs, *outputs, str(partial)], check=True, timeout=3600)
    partial.replace(path)
    return path


# --- cairn's side -----------------------------------------------------------------------------------------------


class _Bench:
    """A registry on a fresh data directory (SQLite, managed storage) and its local admin."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.admin = registry.users.ensure_local_admin()[0]
        self.folder = registry.folders.create(actor=self.admin, name="bench")
        self._items: dict[str, Any] = {}
        self._modes: dict[str, str] = {}

    def add_video(self, case: str, source: Path, mode: str) -> Any:
        """The video as an upload leaves it: in managed storage, inspected."""
        from cairn.domain.kinds import ItemKind
        from cairn.services.items import NewItem

        key = f"uploads/bench/{case}/{source.name}"
        target = self.registry.settings.managed_storage_dir / key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        new = NewItem(kind=ItemKind.VIDEO, title=source.name, managed_key=key)
        (item,) = self.registry.items.add(actor=self.admin, folder_id=self.folder.id, items=[new])
        self.registry.inspection.inspect_item(actor=self.admin, item_id=item.id)
        self._items[case], self._modes[case] = item, mode
        return item

    def plan(self, case: str) -> Any:
        from cairn.services.reencode import ReencodeParams

        item = self._items[case]
        return self.registry.reencode.plan(actor=self.admin, item_id=item.id, params=ReencodeParams(self._modes[case]))

    def reencode(self, case: str) -> Any:
        """Start the job and run its task through the engine (no queue); the job as it ended."""
        from cairn.services.reencode import ReencodeParams

        params = ReencodeParams(mode=self._modes[case])
        job = self.registry.reencode.start(actor=self.admin, params=params, item_ids=[self._items[case].id])
        for seq in range(job.tasks_total):
            self.registry.jobs.run_task(job_id=job.id, seq=seq)
        job = self.registry.jobs.get(actor=self.admin, job_id=job.id)
        if job.items_created != 1:
            raise RuntimeError(f"{case}: the re-encode job ended {job.status.value} without a new item: {job.error}")
        return job

    def remove_results(self, case: str) -> None:
        """Delete the items the runs made (their files too), so that a minute of 1080p does not pile up."""
        _, results = self.registry.reencode.links(actor=self.admin, item_id=self._items[case].id)
        for item_id in results:
            item = self.registry.items.get(actor=self.admin, item_id=item_id)
            (self.registry.settings.managed_storage_dir / item.managed_key).unlink(missing_ok=True)

    def queue_latency(self, case: str) -> float | None:
        """Seconds from the job's creation to its task's claim by an embedded consumer (one job)."""
        from cairn.cli.worker import embedded_consumer
        from cairn.services.reencode import ReencodeParams

        if case not in self._modes or case == "frames":
            return None
        queue = self.registry.queue()
        queue.flush()  # the messages of the jobs run above without the queue
        params = ReencodeParams(mode=self._modes[case])
        with embedded_consumer(self.registry, workers=1):
            job = self.registry.reencode.start(actor=self.admin, params=params, item_ids=[self._items[case].id])
            while not job.status.is_final:
                time.sleep(0.1)
                job = self.registry.jobs.get(actor=self.admin, job_id=job.id)
        self.remove_results(case)
        return (job.started_at - job.created_at).total_seconds() if job.started_at else None


@contextmanager
def _registry(data_dir: Path) -> Iterator[_Bench]:
    from cairn.services.registry import Registry
    from cairn.settings import Settings

    settings = Settings(data_dir=data_dir, workers=0, max_video_bytes=8 << 30)
    with Registry(settings) as registry:
        registry.migrate()
        yield _Bench(registry)


# --- the cases --------------------------------------------------------------------------------------------------

_EXPECTED_STEPS = {"audio": ["drop_audio"], "faststart": ["faststart"]}


def _cases(bench: _Bench, sources: dict[str, Path], tmp: Path, chosen: set[str]) -> list[Case]:
    cases = []
    for name, title, target in (
        ("audio", "auto re-encode, audio only (remux without the audio)", TARGETS["remux"]),
        ("faststart", "auto re-encode, faststart only (remux, moov first)", TARGETS["remux"]),
        ("full", "full re-encode (H.264 CFR, faststart, no audio)", TARGETS["full"]),
    ):
        if name in chosen:
            cases.append(_reencode_case(bench, name, title, sources[name], tmp / name, target=target))
    if "frames" in chosen:
        cases.append(_frames_case(bench, sources["frames"], tmp / "frames"))
    return cases


def _reencode_case(bench: _Bench, name: str, title: str, source: Path, out: Path, *, target: float) -> Case:
    from cairn.domain.reencode import ffmpeg_arguments
    from cairn.media.processing import output_bound

    bench.add_video(name, source, "full" if name == "full" else "auto")
    recipe = bench.plan(name)
    steps = [s.name for s in recipe.steps]
    if name in _EXPECTED_STEPS and steps != _EXPECTED_STEPS[name]:
        raise RuntimeError(f"{name}: the auto recipe of {source.name} is {steps}, not {_EXPECTED_STEPS[name]}")
    out.mkdir(parents=True)
    result = out / f"result.{recipe.container}"
    args = ffmpeg_arguments(recipe, str(source), str(result), max_bytes=output_bound(source.stat().st_size))
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), *args]

    def ffmpeg() -> None:
        subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
        result.unlink()

    detail = f"{source.name} ({source.stat().st_size / 1e6:,.0f} MB); steps: {', '.join(steps)}"
    return Case(name, title, target, cairn=lambda: bench.reencode(name), ffmpeg=ffmpeg, detail=detail,
                cleanup=lambda: bench.remove_results(name))  # fmt: skip


def _frames_case(bench: _Bench, source: Path, out: Path) -> Case:
    item = bench.add_video("frames", source, "auto")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env["CAIRN_DATA_DIR"] = str(bench.registry.settings.data_dir)
    ffmpeg_argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i",
                   str(source)]  # fmt: skip

    def cairn() -> None:
        _export(out, [str(CAIRN), "frames", str(item.id), "--out", str(out)], env)

    def ffmpeg() -> None:
        _export(out, [*ffmpeg_argv, str(out / "%d.png")], env)

    detail = f"{source.name} ({FRAME_EXPORT_FRAMES:,} frames of 640x360, PNG)"
    title = "frame export (`cairn frames` vs `ffmpeg -i clip.mp4 out/%d.png`)"
    return Case("frames", title, TARGETS["frames"], cairn=cairn, ffmpeg=ffmpeg, detail=detail, in_process=False)


def _export(out: Path, argv: list[str], env: dict[str, str]) -> None:
    """Run one export into an empty ``out``, check it wrote every frame, then empty ``out``."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    subprocess.run(argv, check=True, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    written = sum(1 for _ in out.iterdir())
    if written != FRAME_EXPORT_FRAMES:
        raise RuntimeError(f"{argv[0]} wrote {written} frames, not {FRAME_EXPORT_FRAMES}")
    shutil.rmtree(out)


# --- the report -------------------------------------------------------------------------------------------------


def _report(
    args: argparse.Namespace, seconds: int, cases: list[Case], *, load: tuple[tuple[float, ...], tuple[float, ...]]
) -> str:
    facts = machine()
    command = f"python -m bench media --runs {args.runs}{' --quick' if args.quick else ''}"
    lines = [
        "## Media processing against plain FFmpeg",
        "",
        f"`{command}`: a {seconds} s 1920x1080 30 fps H.264 video (re-encodes) and a {FRAME_EXPORT_FRAMES:,}-frame "
        f"640x360 one (frame export); median of {args.runs} runs per side, the sides taking turns. cairn: the job "
        "through the engine (copy, stored inspection, the work: a stream copy in cairn's process, an encode by "
        "FFmpeg; inspect the result, remap, store, commit), queue latency apart; "
        "FFmpeg: the same arguments on the same local file. "
        f"Machine: {facts['cpu']}, {facts['cores']}, {facts['memory']}, Python {facts['python']}, "
        f"FFmpeg {_ffmpeg_version()}; load average {load[0][0]:.1f} / {load[1][0]:.1f} at start / end.",
        "",
        "| work | cairn median (s) | FFmpeg median (s) | cairn / FFmpeg | target | met | CPU cairn / FFmpeg (s) "
        "| cairn's process CPU (ms) | queue latency (s) |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for case in cases:
        cairn, ffmpeg = statistics.median(case.cairn_seconds), statistics.median(case.ffmpeg_seconds)
        latency = "" if case.queue_latency is None else f"{case.queue_latency:.2f}"
        met = "yes" if case.ratio <= case.target else "no"
        cpu = f"{statistics.median(case.cairn_cpu):.3f} / {statistics.median(case.ffmpeg_cpu):.3f}"
        own = f"{statistics.median(case.cairn_own_cpu) * 1000:.1f}" if case.cairn_own_cpu else ""
        lines.append(
            f"| {case.name} | {cairn:.2f} | {ffmpeg:.2f} | {case.ratio:.2f} | ≤ {case.target:.2f} | {met} | {cpu} "
            f"| {own} | {latency} |"
        )
    lines += ["", *[f"- {case.name}: {case.detail}" for case in cases], ""]
    return "\n".join(lines)


def _ffmpeg_version() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_version())
