"""The reference: a full ``ffprobe -show_packets`` scan over a presigned URL, and the picture each side gives.

The picture is what issue 4 compares: visible frame count, CFR / CFR with gaps / VFR from the visible frames'
presentation-time deltas, whether any video packet has a negative pts (ghost frames), and whether there is audio.
ffprobe's side is computed here from its packet list, independently of cairn's code; the rate rule is the one
``docs/inspection.md`` documents (off-mode = more than one tick from the most common delta, one tick of tolerance
only when the mode is at least 20 ticks; under 1 % off-mode is ``cfr_with_gaps``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from cairn.services.inspection import Inspected

CFR_WITH_GAPS_MAX_FRACTION = 0.01


@dataclass(frozen=True)
class Picture:
    frames: int
    rate_mode: str
    negative_pts: bool
    audio: bool

    def __str__(self) -> str:
        yes_no = {True: "yes", False: "no"}
        return (
            f"{self.frames} frames, {self.rate_mode}, negative pts: {yes_no[self.negative_pts]}, "
            f"audio: {yes_no[self.audio]}"
        )

    def differences(self, other: Picture) -> list[str]:
        names = ("frames", "rate_mode", "negative_pts", "audio")
        pairs = [(n, getattr(self, n), getattr(other, n)) for n in names]
        return [f"{n}: {mine} vs {theirs}" for n, mine, theirs in pairs if mine != theirs]


@dataclass(frozen=True)
class Scan:
    """One ffprobe run: its wall time, packet count and picture."""

    seconds: float
    packets: int
    picture: Picture


def ffprobe_exe() -> str:
    path = shutil.which("ffprobe")
    if path is None:
        raise SystemExit("ffprobe is missing (Debian: apt-get install -y ffmpeg): the reference scan needs it")
    return path


def ffprobe_version(ffprobe: str) -> str:
    done = subprocess.run([ffprobe, "-version"], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()[0]


def ffprobe_command(ffprobe: str, url: str) -> list[str]:
    return [ffprobe, "-v", "error", "-show_packets", "-of", "compact", url]


def scan(ffprobe: str, url: str) -> Scan:
    """Run the full packet scan and read its output."""
    began = time.perf_counter()
    done = subprocess.run(ffprobe_command(ffprobe, url), capture_output=True, text=True, check=False, timeout=600)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"ffprobe failed on {url.split('?', maxsplit=1)[0]}: {done.stderr.strip()[-1000:]}")
    packets = [_fields(line) for line in done.stdout.splitlines() if line.startswith("packet|")]
    return Scan(seconds, len(packets), picture_of_packets(packets))


def startup_seconds(ffprobe: str) -> float:
    """Wall time of ``ffprobe -version``: the process start that every scan pays."""
    began = time.perf_counter()
    subprocess.run([ffprobe, "-version"], capture_output=True, check=True)
    return time.perf_counter() - began


def _fields(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split("|")[1:] if "=" in part)


def picture_of_packets(packets: list[dict[str, str]]) -> Picture:
    video = [p for p in packets if p.get("codec_type") == "video"]
    if not video:
        raise RuntimeError("ffprobe listed no video packet")
    stream = min(p["stream_index"] for p in video)
    video = [p for p in video if p["stream_index"] == stream]
    times = [_timestamp(p) for p in video]
    visible = sorted(t for p, t in zip(video, times, strict=True) if "D" not in p.get("flags", ""))
    return Picture(
        frames=len(visible),
        rate_mode=rate_mode(visible),
        negative_pts=any(t < 0 for t in times),
        audio=any(p.get("codec_type") == "audio" for p in packets),
    )


def _timestamp(packet: dict[str, str]) -> int:
    value = packet.get("pts", "N/A")
    return int(value if value != "N/A" else packet["dts"])


def rate_mode(pts: list[int]) -> str:
    deltas = [b - a for a, b in pairwise(pts)]
    if not deltas:
        return "cfr"
    mode = Counter(deltas).most_common(1)[0][0]
    tolerance = 1 if mode >= 20 else 0
    off = sum(1 for d in deltas if abs(d - mode) > tolerance)
    if off == 0:
        return "cfr"
    return "cfr_with_gaps" if off / len(deltas) < CFR_WITH_GAPS_MAX_FRACTION else "vfr"


def picture_of_inspection(inspected: Inspected) -> Picture:
    """cairn's picture, from the stored report of ``inspect_object``."""
    report: dict[str, Any] = inspected.report
    checks = {c["name"]: c for c in report.get("checks", [])}
    ghost = checks.get("ghost_frames", {}).get("verdict", "ok") != "ok"
    return Picture(
        frames=int(report["frame_count"]),
        rate_mode=str(report["frame_rate_mode"]),
        negative_pts=ghost or int(report.get("hidden_frame_count", 0)) > 0,
        audio=bool(report.get("audio_streams")),
    )
