"""Re-encode recipes (pure): what to do to a video, and why, from its inspection; and the FFmpeg arguments for it.

Three recipes (``docs/media-processing.md``):

* **auto** -- the least invasive recipe that fixes each finding of the inspection that a re-encode can fix, and
  only those (seed 004: "if the only issue is that audio is present ... only removes the audio while keeping the
  video as-is"). Findings a stream copy fixes (audio, moov at the end, a start after 0 s, a container browsers do
  not play) give a remux; findings only decoding fixes (ghost frames, variable frame rate, non-square pixels, a
  codec browsers do not play, sparse key frames) give a re-encode.
* **full** -- always H.264 (yuv420p) in MP4, constant frame rate, no audio, faststart, square pixels.
* **resize** -- a target height (the width keeps the displayed aspect ratio, even) and optionally a frame rate.

A constant rate is made by FFmpeg's ``fps`` filter on timestamps that start at 0 (``setpts=PTS-STARTPTS``): each
output slot k shows the last input frame whose time, rounded to the nearest slot, is at most k. That rule is what
:mod:`cairn.domain.frame_remap` computes back from the two frame maps; ``-fps_mode cfr`` then keeps those frames
as they are. Without a rate change, frames keep their own times (``-fps_mode passthrough``): one frame in, one out.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from cairn.domain.frame_map import FrameMap
from cairn.domain.media import Check, Verdict, VideoReport
from cairn.domain.video_checks import MAX_KEYFRAME_INTERVAL
from cairn.errors import InvalidInput

__all__ = [
    "KEYFRAME_INTERVAL",
    "X264_CRF",
    "Recipe",
    "Step",
    "auto_recipe",
    "ffmpeg_arguments",
    "full_recipe",
    "resize_recipe",
]

X264_CRF = 18
"""x264 quality of every re-encode: visually lossless for labelling, as the checks' own fixes say."""

KEYFRAME_INTERVAL = MAX_KEYFRAME_INTERVAL
"""A key frame at least every this many frames when key frames are made sparse ones (seed 004: ~50)."""

_DEMUXERS = {"mp4": "mov", "mov": "mov", "webm": "matroska", "mkv": "matroska", "avi": "avi"}
"""The FFmpeg demuxer for each container inspection names: FFmpeg is never left to guess the format from the
bytes, so a file that is really a playlist (HLS, concat) cannot make it open other files or URLs."""

_COPY_CONTAINERS = {"vp8": "webm"}
"""Codecs MP4 cannot hold are copied into WebM; every other stream copy goes into MP4."""

Kind = Literal["auto", "full", "resize"]


@dataclass(frozen=True)
class Step:
    """One transformation of a recipe and the finding (or request) that calls for it."""

    name: str
    reason: str


@dataclass(frozen=True)
class Recipe:
    """What to do to one video. ``encode`` False: the video packets are copied (a remux).

    ``frame_rate``: make the rate constant at this rate (None: every frame keeps its time). ``size``: the result's
    size when it is scaled (None: not scaled), with square pixels; ``height`` the height scaled to (None: the
    picture's own). ``keyframe_interval``: force key frames this often.
    """

    kind: Kind
    source_format: str
    steps: tuple[Step, ...]
    encode: bool
    container: str = "mp4"
    frame_rate: Fraction | None = None
    size: tuple[int, int] | None = None
    height: int | None = None
    keyframe_interval: int | None = None
    pad_to_even: bool = False
    """Encode a picture of odd width or height with one black column/row added (H.264 4:2:0 needs even sizes;
    no pixel moves, so label coordinates stay valid)."""
    timescale: int | None = None
    """Stream copy into mp4: the source's time base (1/timescale), so millisecond timestamps (Matroska) keep
    their one-tick rounding instead of showing up as jitter in a finer time base."""

    @property
    def needed(self) -> bool:
        """False when the inspection found nothing a re-encode fixes (auto only)."""
        return bool(self.steps)

    def describe(self) -> list[dict[str, str]]:
        """The plan as shown before it runs: each step and why."""
        return [{"step": s.name, "reason": s.reason} for s in self.steps]


def auto_recipe(report: VideoReport) -> Recipe:
    """The least invasive recipe that fixes what ``report``'s checks found (no step when nothing needs fixing)."""
    checks = {c.name: c for c in report.checks}
    steps = [*_remux_steps(checks, report), *_encode_steps(checks, report)]
    names = {s.name for s in steps}
    encode = bool(names & _ENCODE_STEPS)
    return Recipe(
        kind="auto",
        source_format=_demuxer(report),
        steps=tuple(steps),
        encode=encode,
        container="mp4" if encode else _COPY_CONTAINERS.get(report.codec, "mp4"),
        frame_rate=_constant_rate(report) if "constant_frame_rate" in names else None,
        size=_square_size(report) if "square_pixels" in names else None,
        keyframe_interval=KEYFRAME_INTERVAL if "key_frames" in names else None,
        pad_to_even=encode and _odd(report),
        timescale=None if encode else _timescale(report.frame_map),
    )


def full_recipe(report: VideoReport) -> Recipe:
    """H.264 yuv420p in MP4 at a constant rate, no audio, faststart, square pixels: whatever the inspection says."""
    rate = _constant_rate(report)
    steps = [
        Step("h264", f"full re-encode: every frame decoded and encoded again as H.264 (was {report.codec})"),
        Step("constant_frame_rate", f"full re-encode: constant {_rate_text(rate)} frames per second"),
        Step("drop_audio", "full re-encode: the result has no audio stream"),
        Step("faststart", "full re-encode: the index (moov) is written at the start"),
    ]
    size = _square_size(report) if _non_square(report) else None
    if size is not None:
        steps.append(Step("square_pixels", f"full re-encode: scaled to {size[0]}x{size[1]} with square pixels"))
    sparse = _flagged({c.name: c for c in report.checks}, "keyframe_interval")
    if sparse:
        steps.append(Step("key_frames", f"a key frame at least every {KEYFRAME_INTERVAL} frames"))
    return Recipe(
        kind="full",
        source_format=_demuxer(report),
        steps=tuple(steps),
        encode=True,
        frame_rate=rate,
        size=size,
        keyframe_interval=KEYFRAME_INTERVAL if sparse else None,
        pad_to_even=_odd(report),
    )


def resize_recipe(report: VideoReport, *, height: int, frame_rate: Fraction | None = None) -> Recipe:
    """Scale to ``height`` (width keeps the displayed aspect ratio, rounded to even), optionally at ``frame_rate``.

    H.264 4:2:0 needs even dimensions, so an odd ``height`` is refused rather than silently changed.
    """
    if height < 2 or height % 2:
        raise InvalidInput(f"resize height must be an even number of pixels of at least 2, got {height}")
    if frame_rate is not None and frame_rate <= 0:
        raise InvalidInput(f"resize frame rate must be positive, got {frame_rate}")
    width = _even(Fraction(height) * _display_aspect(report))
    before = "x".join(map(str, _upright(report)[:2]))
    steps = [
        Step("scale", f"resized from {before} to {width}x{height} (aspect ratio kept)"),
        Step("h264", "resizing re-encodes every frame as H.264"),
        Step("drop_audio", "the resized video has no audio stream"),
        Step("faststart", "the index (moov) is written at the start"),
    ]
    if frame_rate is not None:
        steps.append(Step("constant_frame_rate", f"constant {_rate_text(frame_rate)} frames per second"))
    return Recipe(
        kind="resize",
        source_format=_demuxer(report),
        steps=tuple(steps),
        encode=True,
        frame_rate=frame_rate,
        size=(width, height),
        height=height,
    )


# --- auto: which finding calls for which step -------------------------------------------------------------------

_ENCODE_STEPS = frozenset({"drop_hidden_frames", "constant_frame_rate", "square_pixels", "h264", "key_frames"})


def _flagged(checks: dict[str, Check], name: str, *, problem_only: bool = False) -> bool:
    check = checks.get(name)
    if check is None:
        return False
    return check.verdict is Verdict.PROBLEM or (not problem_only and check.verdict is Verdict.WARNING)


def _remux_steps(checks: dict[str, Check], report: VideoReport) -> list[Step]:
    """Findings a stream copy fixes (the video packets stay byte for byte)."""
    steps: list[Step] = []
    if _flagged(checks, "audio") or _flagged(checks, "audio_video_duration"):
        steps.append(
            Step("drop_audio", f"{len(report.audio_streams)} audio stream(s) dropped: {_why(checks, 'audio')}")
        )
    if _flagged(checks, "faststart"):
        steps.append(Step("faststart", f"the index (moov) moved to the start: {_why(checks, 'faststart')}"))
    if _flagged(checks, "start_time"):
        steps.append(Step("start_at_zero", f"timestamps shifted to start at 0 s: {_why(checks, 'start_time')}"))
    if _flagged(checks, "container"):
        target = _COPY_CONTAINERS.get(report.codec, "mp4")
        steps.append(Step(target, f"re-muxed into {target}: {_why(checks, 'container')}"))
    return steps


def _encode_steps(checks: dict[str, Check], report: VideoReport) -> list[Step]:
    """Findings only decoding and encoding again fix."""
    steps: list[Step] = []
    if _flagged(checks, "ghost_frames", problem_only=True):
        steps.append(Step("drop_hidden_frames", f"only the visible frames are encoded: {_why(checks, 'ghost_frames')}"))
    if _flagged(checks, "frame_rate", problem_only=True):
        rate = _rate_text(_constant_rate(report))
        reason = f"made constant at {rate} frames per second (frames duplicated or dropped to fill each slot)"
        steps.append(Step("constant_frame_rate", f"{reason}: {_why(checks, 'frame_rate')}"))
    if _flagged(checks, "pixel_aspect_ratio", problem_only=True):
        width, height = _square_size(report)
        reason = f"scaled to {width}x{height} with square pixels"
        steps.append(Step("square_pixels", f"{reason}: {_why(checks, 'pixel_aspect_ratio')}"))
    if _flagged(checks, "codec", problem_only=True):
        steps.append(Step("h264", f"encoded as H.264 in mp4: {_why(checks, 'codec')}"))
    if _flagged(checks, "keyframe_interval"):
        reason = f"a key frame at least every {KEYFRAME_INTERVAL} frames"
        steps.append(Step("key_frames", f"{reason}: {_why(checks, 'keyframe_interval')}"))
    if steps and not _flagged(checks, "audio") and report.audio_streams:
        steps.append(Step("drop_audio", "re-encoded videos carry no audio"))
    return steps


def _why(checks: dict[str, Check], name: str) -> str:
    return checks[name].reason if name in checks else name


# --- sizes and rates ----------------------------------------------------------------------------------------------


def _non_square(report: VideoReport) -> bool:
    sar = report.sample_aspect_ratio
    return sar is not None and sar not in (0, 1)


def _demuxer(report: VideoReport) -> str:
    try:
        return _DEMUXERS[report.container]
    except KeyError:
        raise InvalidInput(f"cannot re-encode a {report.container} video: unknown container") from None


def _upright(report: VideoReport) -> tuple[int, int, Fraction]:
    """Width, height and pixel aspect ratio of the decoded picture once FFmpeg has turned it upright (autorotate:
    a 90 or 270 degree rotation swaps the dimensions and inverts the pixel aspect ratio)."""
    sar = report.sample_aspect_ratio if _non_square(report) else Fraction(1)
    assert sar is not None
    if report.rotation % 180 == 90:
        return report.height, report.width, 1 / sar
    return report.width, report.height, sar


def _odd(report: VideoReport) -> bool:
    return bool(report.width % 2 or report.height % 2)


def _display_aspect(report: VideoReport) -> Fraction:
    width, height, sar = _upright(report)
    return Fraction(width) * sar / height


def _even(value: Fraction) -> int:
    """The nearest even integer of at least 2 (H.264 4:2:0 needs even dimensions)."""
    return max(2, int(value / 2 + Fraction(1, 2)) * 2)  # half away from zero, as FFmpeg's round()


def _square_size(report: VideoReport) -> tuple[int, int]:
    """The upright picture with square pixels: the width takes the pixel aspect ratio (even), the height stays."""
    width, height, sar = _upright(report)
    return _even(width * sar), height


def _constant_rate(report: VideoReport) -> Fraction:
    """The rate of a constant-rate result: the nominal rate, capped at the rate of the shortest frame interval.

    The nominal rate is FFmpeg's (``r_frame_rate``): for a variable-rate video it is the rate every timestamp
    fits, which can be far above any real spacing (180 for frames 1/60 and 1/30 s apart): a rate above the
    fastest interval only duplicates frames, so the shortest interval's rate caps it.
    """
    fastest = _fastest_rate(report.frame_map)
    nominal = report.nominal_frame_rate or report.average_frame_rate
    if nominal is None or nominal <= 0:
        if fastest is None:
            raise InvalidInput("cannot choose a constant frame rate: the video states none and has one frame")
        return fastest
    return min(nominal, fastest) if fastest is not None else nominal


def _fastest_rate(frame_map: FrameMap) -> Fraction | None:
    deltas = [d for d in frame_map.deltas() if d > 0]
    return 1 / (min(deltas) * frame_map.time_base) if deltas else None


def _timescale(frame_map: FrameMap) -> int | None:
    base = frame_map.time_base
    return base.denominator if base.numerator == 1 else None


def _rate_text(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{float(rate):.3f}"


# --- FFmpeg arguments -------------------------------------------------------------------------------------------


def ffmpeg_arguments(recipe: Recipe, source: str, target: str, *, max_bytes: int | None = None) -> list[str]:
    """The FFmpeg command line (without the program) that applies ``recipe`` to ``source``, writing ``target``.

    ``max_bytes``: FFmpeg stops writing once the result reaches it (``-fs``); the caller refuses such a result.
    """
    head = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"]
    tail = [*(["-fs", str(max_bytes)] if max_bytes else []), f"file:{target}"]
    # Local files only, read by the demuxer inspection named: no playlist, no URL, no other file.
    reading = ["-protocol_whitelist", "file", "-f", recipe.source_format, "-i", f"file:{source}"]
    if not recipe.encode:
        scale = (
            ["-video_track_timescale", str(recipe.timescale)] if recipe.timescale and recipe.container == "mp4" else []
        )
        return [*head, *reading, "-map", "0:v:0", "-c", "copy", *_muxer(recipe.container), *scale, *tail]
    corrupt = ["-err_detect", "aggressive", "-fflags", "+discardcorrupt"]
    return [*head, *corrupt, *reading, "-map", "0:v:0", "-vf", _filters(recipe), *_x264(recipe),
            *_timing(recipe), *_muxer("mp4"), *tail]  # fmt: skip


def _filters(recipe: Recipe) -> str:
    chain = ["setpts=PTS-STARTPTS"]
    # Expressions on the picture FFmpeg decodes (after autorotate), so the numbers in ``size`` are what they give.
    if recipe.height is not None:
        chain.append(f"scale=w=2*round({recipe.height}*dar/2):h={recipe.height}")
    elif recipe.size is not None:
        chain.append("scale=w=2*round(ih*dar/2):h=ih")
    if recipe.pad_to_even:
        chain.append("pad=w=ceil(iw/2)*2:h=ceil(ih/2)*2")
    chain.append("setsar=1")
    if recipe.frame_rate is not None:
        chain.append(f"fps={recipe.frame_rate}")
    return ",".join(chain)


def _x264(recipe: Recipe) -> list[str]:
    args = ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(X264_CRF), "-pix_fmt", "yuv420p"]
    if recipe.keyframe_interval is not None:
        args += ["-g", str(recipe.keyframe_interval)]
    return args


def _timing(recipe: Recipe) -> list[str]:
    if recipe.frame_rate is None:
        return ["-fps_mode", "passthrough", "-enc_time_base:v", "demux"]
    return ["-fps_mode", "cfr", "-r", str(recipe.frame_rate)]


def _muxer(container: str) -> list[str]:
    if container == "mp4":
        return ["-movflags", "+faststart", "-f", "mp4"]
    return ["-f", container]
