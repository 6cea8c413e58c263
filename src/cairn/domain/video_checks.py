"""Verdicts on a video from the facts a probe found (pure: no I/O).

Each check follows the product's guidance on browser playback and frame synchronisation (seed 004): what is
wrong, why it matters, and the ffmpeg command that fixes it. ``docs/inspection.md`` lists every threshold.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise

from cairn.domain.frame_map import FrameMap
from cairn.domain.media import Check, Verdict

__all__ = [
    "CFR_WITH_GAPS_MAX_FRACTION",
    "FrameRateStats",
    "VideoFacts",
    "VideoLimits",
    "classify_frame_rate",
    "video_checks",
]

CFR_WITH_GAPS_MAX_FRACTION = 0.01
"""Below this fraction of off-mode frame intervals a video is ``cfr_with_gaps`` (e.g. joined recordings)."""

AV_DURATION_TOLERANCE_SECONDS = 0.1
"""Audio and video may differ by this much (AAC priming, last-frame rounding) before it is flagged."""

HIGH_RESOLUTION_PIXELS = 1280 * 720
"""From this many pixels per frame a video is 'high resolution' for the key-frame spacing check."""

MAX_KEYFRAME_INTERVAL = 50
"""Seed 004: 'roughly every 50 frames for high-resolution videos'."""

BROWSER_CODECS = frozenset({"h264", "vp9"})
ACCEPTABLE_CODECS = frozenset({"av1", "vp8"})
BROWSER_CONTAINERS = frozenset({"mp4", "webm"})
ACCEPTABLE_CONTAINERS = frozenset({"mov", "mkv"})

_REENCODE = (
    "ffmpeg -i in.mp4 -map 0:v:0 -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p "
    "-fps_mode cfr -movflags +faststart out.mp4"
)
_REMUX = "ffmpeg -i in.mp4 -map 0:v:0 -c copy -movflags +faststart out.mp4"


@dataclass(frozen=True)
class VideoLimits:
    """Size limits from settings (``max_video_bytes``, ``max_video_frames``) and the bitrate warning level."""

    max_bytes: int = 1_000_000_000
    max_frames: int = 100_000
    high_bitrate_bps: int = 20_000_000


@dataclass(frozen=True)
class FrameRateStats:
    """Frame-interval statistics: the mode interval and how many intervals differ from it."""

    mode: str
    mode_delta_seconds: float | None
    intervals: int
    off_mode: int

    @property
    def off_mode_fraction(self) -> float:
        return self.off_mode / self.intervals if self.intervals else 0.0


@dataclass(frozen=True)
class VideoFacts:
    """What the probe found; the input of :func:`video_checks`."""

    container: str
    codec: str
    width: int
    height: int
    sample_aspect_ratio: Fraction | None
    frame_map: FrameMap
    hidden_frame_count: int
    negative_pts_count: int
    video_duration_seconds: float | None
    audio_durations_seconds: list[float | None]
    bit_rate: int | None
    size: int
    keyframe_indices: list[int]
    moov_position: str | None
    cache_control: str | None
    headers_known: bool = True
    limits: VideoLimits = field(default_factory=VideoLimits)
    frame_rate: FrameRateStats | None = None
    """``classify_frame_rate(frame_map)`` when the caller has it already (computed here otherwise)."""


def classify_frame_rate(frame_map: FrameMap) -> FrameRateStats:
    """Classify timestamp deltas as ``cfr``, ``cfr_with_gaps`` (< 1 % off the mode) or ``vfr``.

    A delta counts as off-mode when it differs from the most common delta by more than one tick; the one-tick
    tolerance absorbs millisecond rounding (Matroska's 1/1000 time base gives 33/34 ms at 30 fps) and is
    dropped for coarse time bases where one tick is over 5 % of a frame (AVI's 1/30), where it would hide gaps.
    """
    deltas = frame_map.deltas()
    if not deltas:
        return FrameRateStats(mode="cfr", mode_delta_seconds=None, intervals=0, off_mode=0)
    mode_delta = Counter(deltas).most_common(1)[0][0]
    tolerance = 1 if mode_delta >= 20 else 0
    off = sum(1 for d in deltas if abs(d - mode_delta) > tolerance)
    fraction = off / len(deltas)
    mode = "cfr" if off == 0 else "cfr_with_gaps" if fraction < CFR_WITH_GAPS_MAX_FRACTION else "vfr"
    seconds = float(mode_delta * frame_map.time_base)
    return FrameRateStats(mode=mode, mode_delta_seconds=seconds, intervals=len(deltas), off_mode=off)


def video_checks(facts: VideoFacts) -> list[Check]:
    """Every check of seed 004, in a stable order."""
    return [
        _audio_check(facts),
        _ghost_frames_check(facts),
        _frame_rate_check(facts),
        _aspect_ratio_check(facts),
        _start_time_check(facts),
        _av_duration_check(facts),
        _file_size_check(facts),
        _frame_count_check(facts),
        _codec_check(facts),
        _container_check(facts),
        _keyframe_check(facts),
        _bitrate_check(facts),
        _faststart_check(facts),
        _cache_control_check(facts),
    ]


def _audio_check(facts: VideoFacts) -> Check:
    count = len(facts.audio_durations_seconds)
    if count == 0:
        return Check("audio", Verdict.OK, "no audio stream")
    return Check(
        "audio",
        Verdict.WARNING,
        f"{count} audio stream(s): browsers may hold frames longer when audio is present, "
        "which shifts labels when seeking by time",
        f"drop the audio (re-encode auto): {_REMUX}",
    )


def _ghost_frames_check(facts: VideoFacts) -> Check:
    ghosts = max(facts.hidden_frame_count, facts.negative_pts_count)
    if ghosts == 0:
        return Check("ghost_frames", Verdict.OK, "no frame has a negative presentation time")
    how = "hidden by the edit list" if facts.hidden_frame_count else "with a negative presentation time"
    return Check(
        "ghost_frames",
        Verdict.PROBLEM,
        f"{ghosts} frame(s) {how} (typically a stream-copy cut that did not start on a key frame, or a negative "
        "timestamp offset); players show between none and all of them, so frame indices differ between players",
        f"re-encode fully (stream copy cannot remove them): {_REENCODE}",
    )


def _frame_rate_check(facts: VideoFacts) -> Check:
    stats = facts.frame_rate or classify_frame_rate(facts.frame_map)
    if stats.mode == "cfr":
        return Check("frame_rate", Verdict.OK, "constant frame rate")
    detail = (
        f"{stats.off_mode} of {stats.intervals} frame intervals ({stats.off_mode_fraction:.2%}) differ from "
        f"the usual {stats.mode_delta_seconds or 0:.4f} s"
    )
    if stats.mode == "cfr_with_gaps":
        return Check(
            "frame_rate",
            Verdict.WARNING,
            f"constant frame rate with gaps: {detail}",
            f"re-encode to a constant rate if labels must align exactly: {_REENCODE}",
        )
    return Check(
        "frame_rate",
        Verdict.PROBLEM,
        f"variable frame rate: {detail}; browsers seek by time, so frame indices drift",
        f"re-encode to a constant frame rate: {_REENCODE}",
    )


def _aspect_ratio_check(facts: VideoFacts) -> Check:
    sar = facts.sample_aspect_ratio
    if sar is None or sar in (0, 1):
        return Check("pixel_aspect_ratio", Verdict.OK, "square pixels (1:1)")
    return Check(
        "pixel_aspect_ratio",
        Verdict.PROBLEM,
        f"pixel aspect ratio is {sar.numerator}:{sar.denominator}, not 1:1: labels drawn on the displayed "
        "picture do not match stored pixel coordinates",
        'scale to square pixels: ffmpeg -i in.mp4 -vf "scale=trunc(iw*sar/2)*2:ih,setsar=1" -c:v libx264 '
        "-crf 18 -pix_fmt yuv420p -movflags +faststart out.mp4",
    )


def _start_time_check(facts: VideoFacts) -> Check:
    if not facts.frame_map.pts or facts.frame_map.pts[0] == 0:
        return Check("start_time", Verdict.OK, "the first frame is at 0 s")
    start = facts.frame_map.time_of(0)
    return Check(
        "start_time",
        Verdict.WARNING,
        f"the first frame is at {start:.3f} s, not 0: tools that count from 0 disagree on frame times",
        "reset timestamps: ffmpeg -i in.mp4 -map 0:v:0 -c copy -avoid_negative_ts make_zero "
        "-movflags +faststart out.mp4",
    )


def _av_duration_check(facts: VideoFacts) -> Check:
    video = facts.video_duration_seconds
    audio = [d for d in facts.audio_durations_seconds if d is not None]
    if not audio or video is None:
        return Check("audio_video_duration", Verdict.OK, "no audio stream to compare")
    worst = max(audio, key=lambda d: abs(d - video))
    if abs(worst - video) <= AV_DURATION_TOLERANCE_SECONDS:
        return Check("audio_video_duration", Verdict.OK, "audio and video durations agree")
    return Check(
        "audio_video_duration",
        Verdict.WARNING,
        f"audio lasts {worst:.3f} s but video {video:.3f} s: players may stretch the last frame or stop early",
        f"drop the audio, or cut both to the shorter one: {_REMUX}",
    )


def _file_size_check(facts: VideoFacts) -> Check:
    limit = facts.limits.max_bytes
    if facts.size <= limit:
        return Check("file_size", Verdict.OK, f"{facts.size:,} bytes (limit {limit:,})")
    return Check(
        "file_size",
        Verdict.WARNING,
        f"{facts.size:,} bytes, over the {limit:,}-byte limit: slow to load in the browser",
        "split the video or lower its resolution/bitrate: ffmpeg -i in.mp4 -c:v libx264 -an -movflags faststart "
        '-vf "scale=-2:1080" out.mp4',
    )


def _frame_count_check(facts: VideoFacts) -> Check:
    count, limit = len(facts.frame_map), facts.limits.max_frames
    if count <= limit:
        return Check("frame_count", Verdict.OK, f"{count:,} frames (limit {limit:,})")
    return Check(
        "frame_count",
        Verdict.WARNING,
        f"{count:,} frames, over the {limit:,}-frame limit",
        'split the video or lower its frame rate: ffmpeg -i in.mp4 -c:v libx264 -an -vf "fps=15" out.mp4',
    )


def _codec_check(facts: VideoFacts) -> Check:
    codec = facts.codec
    if codec in BROWSER_CODECS:
        return Check("codec", Verdict.OK, f"{codec} plays in every major browser")
    verdict = Verdict.WARNING if codec in ACCEPTABLE_CODECS else Verdict.PROBLEM
    return Check(
        "codec",
        verdict,
        f"{codec} is not a recommended codec for browser playback (h264 or vp9 are)",
        f"re-encode to h264 in mp4: {_REENCODE}",
    )


def _container_check(facts: VideoFacts) -> Check:
    container = facts.container
    if container in BROWSER_CONTAINERS:
        return Check("container", Verdict.OK, f"{container} plays in every major browser")
    verdict = Verdict.WARNING if container in ACCEPTABLE_CONTAINERS else Verdict.PROBLEM
    return Check(
        "container",
        verdict,
        f"{container} is not a browser-friendly container (mp4 is recommended)",
        f"re-mux into mp4: {_REMUX}",
    )


def _keyframe_check(facts: VideoFacts) -> Check:
    interval = _max_keyframe_interval(facts.keyframe_indices, len(facts.frame_map))
    high_res = facts.width * facts.height >= HIGH_RESOLUTION_PIXELS
    reason = f"longest key-frame interval is {interval} frames"
    if interval <= MAX_KEYFRAME_INTERVAL or not high_res:
        return Check("keyframe_interval", Verdict.OK, reason)
    return Check(
        "keyframe_interval",
        Verdict.WARNING,
        f"{reason} at {facts.width}x{facts.height}: frame-by-frame stepping is slow "
        f"(aim for at most {MAX_KEYFRAME_INTERVAL})",
        f"re-encode with a key frame every {MAX_KEYFRAME_INTERVAL} frames: ffmpeg -i in.mp4 -c:v libx264 "
        f"-g {MAX_KEYFRAME_INTERVAL} -crf 18 -pix_fmt yuv420p -movflags +faststart out.mp4",
    )


def _max_keyframe_interval(keyframes: list[int], frame_count: int) -> int:
    """Longest run of frames from a key frame (or the start) to the next key frame (or the end)."""
    bounds = [0, *keyframes, frame_count]
    return max((b - a for a, b in pairwise(bounds)), default=0)


def _bitrate_check(facts: VideoFacts) -> Check:
    if not facts.bit_rate:
        return Check("bitrate", Verdict.OK, "bitrate unknown")
    mbps = facts.bit_rate / 1e6
    need = f"viewers need {3 * mbps:.1f}-{4 * mbps:.1f} Mbit/s of download speed to play it without buffering"
    if facts.bit_rate <= facts.limits.high_bitrate_bps:
        return Check("bitrate", Verdict.OK, f"{mbps:.2f} Mbit/s: {need}")
    return Check(
        "bitrate",
        Verdict.WARNING,
        f"{mbps:.2f} Mbit/s is high: {need}",
        "lower the bitrate: ffmpeg -i in.mp4 -c:v libx264 -crf 23 -maxrate 8M -bufsize 16M -an "
        "-movflags +faststart out.mp4",
    )


def _faststart_check(facts: VideoFacts) -> Check:
    if facts.moov_position is None:
        return Check("faststart", Verdict.OK, f"not applicable to {facts.container}")
    if facts.moov_position == "start":
        return Check("faststart", Verdict.OK, "the index (moov) is at the start: playback starts at once")
    return Check(
        "faststart",
        Verdict.WARNING,
        "the index (moov) is at the end of the file: the browser must fetch the end before it can play",
        f"move the index to the front (no re-encode): {_REMUX}",
    )


def _cache_control_check(facts: VideoFacts) -> Check:
    if not facts.headers_known:
        return Check("cache_control", Verdict.OK, "not checked: the storage serves no HTTP headers")
    value = (facts.cache_control or "").strip()
    fix = (
        "set a Cache-Control header on the objects, e.g. aws s3 cp s3://b/p s3://b/p --metadata-directive "
        'REPLACE --cache-control "private, max-age=86400"'
    )
    if not value:
        return Check("cache_control", Verdict.WARNING, "the object is served without a Cache-Control header", fix)
    lowered = value.lower()
    if "no-store" in lowered or "max-age=0" in lowered.replace(" ", ""):
        return Check("cache_control", Verdict.WARNING, f"Cache-Control {value!r} disables caching", fix)
    return Check("cache_control", Verdict.OK, f"Cache-Control: {value}")
