"""The Markdown report of the inspection benchmark: figures as medians, same-run ratios, and the targets."""

from __future__ import annotations

import platform
import statistics
import subprocess
from importlib.metadata import version

import psutil

from bench.inspection.corpus import OUT, Corpus, moov_bytes
from bench.inspection.reference import Picture
from bench.inspection.runs import BigFile, Comparison, Throughput

BYTES_TARGET = 0.01  # bytes read / object size, for a >= 100 MB mp4
SPEED_TARGET = 20.0  # ffprobe full scan time / cairn time


def header(
    command: str, *, corpus: Corpus, runs: int, ffprobe_version: str, upload_seconds: float, load: tuple[float, float]
) -> str:
    images = sum(m.size for m in corpus.images)
    videos = sum(m.size for m in corpus.videos)
    built = "cached" if corpus.build_seconds is None else f"built in {corpus.build_seconds:.0f} s"
    machine = _machine(ffprobe_version)
    machine["load average (1 min) at start / end"] = f"{load[0]:.1f} / {load[1]:.1f}"
    facts = "\n".join(f"- {key}: {value}" for key, value in machine.items())
    return (
        f"## Inspection\n\nCommand: `{command}` (issue 4). Every cairn figure is one blocking call of "
        "`cairn.services.inspection.inspect_object` (one GET for the size and the first bytes, then `RangeFile` + "
        "the media dispatcher) against "
        f"s3rver on 127.0.0.1; each figure is the median of {runs} runs (after one warm-up), and each comparison "
        "was taken in the same run, interleaved.\n\nMachine:\n"
        f"{facts}\n\nCorpus ({built}, under `bench/out/inspection/media`, uploaded in {upload_seconds:.1f} s): "
        f"{len(corpus.images)} images ({images / 1e6:.1f} MB: JPEG 1920x1080, PNG and WebP 1280x720), "
        f"{len(corpus.videos)} short videos ({videos / 1e6:.1f} MB), and big 1080p30 H.264 + AAC mp4 files (a "
        "30 s clip at ~10 Mbit/s looped with `-c copy`; `moov` at the end, and a faststart copy): "
        + ", ".join(f"{m.name} {m.size / 1e6:.1f} MB" for m in corpus.big)
        + ".\n"
    )


def _machine(ffprobe_version: str) -> dict[str, str]:
    return {
        "cpu": _cpu_model(),
        "cores": f"{psutil.cpu_count(logical=True)} logical (shared, noisy)",
        "memory": f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "libraries": f"av {version('av')}, obstore {version('obstore')}, pillow {version('pillow')}",
        "server": f"s3rver {_s3rver_version()} on node {_command(['node', '--version'])}, file-backed",
        "reference": ffprobe_version,
    }


def _cpu_model() -> str:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _command(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip() or "unknown"


def _s3rver_version() -> str:
    from bench.inspection.server import S3RVER

    return _command([str(S3RVER), "--version"])


def throughput(results: list[Throughput]) -> str:
    lines = [
        "### Throughput (objects/s through s3rver, thread pool; the concurrencies take turns within each run)\n",
        "| objects | concurrency | median wall per pass | objects/s | vs concurrency 1 | CPU per pass: "
        "cairn process / s3rver | failed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    base = {r.group: r.per_second for r in results if r.concurrency == 1}
    for r in results:
        speedup = r.per_second / base[r.group] if r.group in base else float("nan")
        lines.append(
            f"| {r.count} {r.group} | {r.concurrency} | {statistics.median(r.seconds):.2f} s | "
            f"**{r.per_second:.1f}** | {speedup:.2f}x | {statistics.median(r.client_cpu):.2f} s / "
            f"{statistics.median(r.server_cpu):.2f} s | {r.failed} |"
        )
    lines.append("")
    for r in results:
        if r.concurrency == min(x.concurrency for x in results if x.group == r.group):
            lines.append(
                f"- per {r.group[:-1]}: median {statistics.median(r.bytes_read):,.0f} bytes read in "
                f"{statistics.median(r.requests):.0f} GET(s) (max {max(r.bytes_read):,} bytes, "
                f"{max(r.requests)} GET(s)), no HEAD"
            )
    return "\n".join(lines) + "\n"


def big_files(results: list[BigFile]) -> str:
    lines = [
        "### Big mp4 files: bytes read and time against a full `ffprobe -show_packets` scan\n",
        "| file | size | moov | bytes read | fraction | asked by the inspector | GETs (RangeFile) | "
        "requests seen by s3rver | cairn | ffprobe scan | ffprobe/cairn | cairn/ffprobe | same picture |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(_big_row(r))
    lines.append("")
    for r in results:
        lines.append(f"- {r.media.name}: cairn: {r.cairn}; ffprobe: {r.ffprobe} ({r.packets:,} packets listed)")
    return "\n".join(lines) + "\n"


def _big_row(r: BigFile) -> str:
    cairn, ffprobe = statistics.median(r.cairn_seconds), statistics.median(r.ffprobe_seconds)
    agree = "yes" if r.cairn == r.ffprobe else "**no**: " + "; ".join(_differences(r.cairn, r.ffprobe))
    moov = moov_bytes(OUT / "media" / r.media.name)
    cells = [
        r.media.name,
        f"{r.media.size:,}",
        f"{moov:,}",
        f"{r.bytes_read:,}",
        f"**{r.bytes_read / r.media.size:.2%}**",
        f"{r.inspector_bytes:,}",
        str(r.requests),
        f"{r.server_requests_cairn} (ffprobe: {r.server_requests_ffprobe})",
        f"{cairn * 1000:.0f} ms",
        f"{ffprobe * 1000:.0f} ms",
        f"**{ffprobe / cairn:.1f}x**",
        f"{cairn / ffprobe:.3f}",
        agree,
    ]
    return "| " + " | ".join(cells) + " |"


def _differences(cairn: Picture | None, ffprobe: Picture | None) -> list[str]:
    if cairn is None or ffprobe is None:
        return ["not measured"]
    return cairn.differences(ffprobe)


def comparisons(results: list[Comparison], startup: list[float]) -> str:
    lines = [
        "### Short videos: cairn's picture against ffprobe's full scan\n",
        "| video | frames cairn / ffprobe | rate cairn / ffprobe | negative pts | audio | agree | cairn verdict | "
        "read | cairn | ffprobe | ffprobe/cairn |",
        "|---|---|---|---|---|---|---|---:|---:|---:|---:|",
    ]
    for c in results:
        cairn, ffprobe = statistics.median(c.cairn_seconds), statistics.median(c.ffprobe_seconds)
        read = "whole (demux)" if c.whole_file_read else f"{c.bytes_read / c.media.size:.0%} in {c.requests} GET"
        lines.append(
            f"| {c.media.name} | {c.cairn.frames} / {c.ffprobe.frames} | {c.cairn.rate_mode} / {c.ffprobe.rate_mode} "
            f"| {_pair(c.cairn.negative_pts, c.ffprobe.negative_pts)} | {_pair(c.cairn.audio, c.ffprobe.audio)} | "
            f"{'yes' if c.cairn == c.ffprobe else '**no**'} | {c.verdict} | {read} | {cairn * 1000:.1f} ms | "
            f"{ffprobe * 1000:.1f} ms | {ffprobe / cairn:.1f}x |"
        )
    cairn_total = sum(statistics.median(c.cairn_seconds) for c in results)
    ffprobe_total = sum(statistics.median(c.ffprobe_seconds) for c in results)
    agree = sum(1 for c in results if c.cairn == c.ffprobe)
    lines.append(
        f"\nAll {len(results)}: cairn {cairn_total * 1000:.0f} ms, ffprobe {ffprobe_total * 1000:.0f} ms (sum of "
        f"per-video medians): **ffprobe/cairn {ffprobe_total / cairn_total:.1f}x** (cairn/ffprobe "
        f"{cairn_total / ffprobe_total:.3f}); pictures agree on **{agree} of {len(results)}**. "
        f"`ffprobe -version` alone takes {statistics.median(startup) * 1000:.0f} ms (median): the process start "
        "every scan pays."
    )
    return "\n".join(lines) + "\n"


def _pair(cairn: bool, ffprobe: bool) -> str:
    word = {True: "yes", False: "no"}
    return word[cairn] if cairn == ffprobe else f"**{word[cairn]} / {word[ffprobe]}**"


def targets(big: list[BigFile], small: list[Comparison]) -> str:
    lines = ["### Targets of issue 4\n"]
    for r in big:
        fraction = r.bytes_read / r.media.size
        met = "met" if fraction <= BYTES_TARGET else "**not met**"
        lines.append(f"- bytes read ≤ 1 % of a ≥ 100 MB mp4, {r.media.name}: {fraction:.2%}: {met}")
    for r in big:
        ratio = statistics.median(r.ffprobe_seconds) / statistics.median(r.cairn_seconds)
        met = "met" if ratio >= SPEED_TARGET and r.cairn == r.ffprobe else "**not met**"
        lines.append(f"- ≥ 20x faster than the full scan with the same picture, {r.media.name}: {ratio:.1f}x: {met}")
    cairn_total = sum(statistics.median(c.cairn_seconds) for c in small)
    ffprobe_total = sum(statistics.median(c.ffprobe_seconds) for c in small)
    same = all(c.cairn == c.ffprobe for c in small)
    met = "met" if ffprobe_total / cairn_total >= SPEED_TARGET and same else "**not met**"
    lines.append(f"- the same on the {len(small)} short videos: {ffprobe_total / cairn_total:.1f}x: {met}")
    return "\n".join(lines) + "\n"
