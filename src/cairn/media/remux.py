"""A stream copy (remux) in this process: the first video stream's packets, byte for byte, into a new container.

The work of ``ffmpeg -f FORMAT -i IN -map 0:v:0 -c copy OUT`` done by the same libavformat through PyAV, without
starting a process (``docs/architecture.md`` says why). It follows the command line's rules for a stream copy, so
that both give the same file (``tests/media/test_remux.py`` compares them packet by packet):

* the input is read by the demuxer inspection named, from a local file only (no playlist, no URL);
* every timestamp is shifted by the file's start time, so the result starts at 0 (FFmpeg's default without
  ``-copyts``), rounded as FFmpeg rounds it (to the nearest tick, halves away from zero);
* packets before the first key frame are dropped (a decoder could not show them);
* the codec tag is kept when the result's container has it for that codec (``hvc1`` stays ``hvc1``), the
  stream's pixel aspect ratio, side data (rotation) and metadata, and the file's metadata and chapters (moved as
  the timestamps are), are kept;
* MP4 results get their index first (``faststart``) and, when the recipe says so, the source's time scale.

A result that reaches ``max_bytes`` is refused, as FFmpeg's ``-fs`` bound is; ``cancel`` is asked about ten
times a second. Errors name the input by its file name only, never by its path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import av.error

from cairn.domain.reencode import Recipe
from cairn.errors import MediaError
from cairn.media.ffmpeg import Cancel, cancelled_error

if TYPE_CHECKING:
    from av.container.core import Chapter  # a TypedDict of PyAV's stubs only

__all__ = ["remux"]

_POLL_SECONDS = 0.1
_MICROSECOND = Fraction(1, 1_000_000)
_MP4_TAGS = {
    "h264": {"avc1", "avc3"},
    "hevc": {"hvc1", "hev1"},
    "av1": {"av01"},
    "vp9": {"vp09"},
    "mpeg4": {"mp4v"},
}
"""Codec tags an MP4 holds per codec: a source's tag among them is kept (players tell ``hvc1`` from ``hev1``);
any other is left to the muxer, as FFmpeg does with a tag the output container does not know for the codec."""


def remux(
    source: Path,
    recipe: Recipe,
    target: Path,
    cancel: Cancel | None = None,
    *,
    max_bytes: int,
    timeout_seconds: float | None = None,
    on_start: Callable[[], None] | None = None,
) -> None:
    """Copy ``source``'s first video stream into ``target`` (which must exist: a reserved partial file) by the
    stream-copy ``recipe``; ``on_start`` is called once both files are open."""
    assert not recipe.encode, "a recipe that encodes is FFmpeg's work"
    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    try:
        with av.open(f"file:{source}", format=recipe.source_format, options={"protocol_whitelist": "file"}) as inp:
            if not inp.streams.video:
                raise MediaError(f"FFmpeg failed: {source.name}: no video stream", details=_failed())
            video = inp.streams.video[0]
            with av.open(f"file:{target}", "w", format=recipe.container, options=_muxer_options(recipe)) as out:
                out.metadata.update(inp.metadata)
                out.set_chapters(_chapters(inp))
                copy = out.add_stream_from_template(video, opaque=True)
                _carry_stream_fields(video, copy, recipe.container)
                limits = _Limits(cancel, deadline, timeout_seconds, max_bytes)
                if on_start is not None:
                    on_start()
                if not _copy_packets(inp, video, out, copy, limits):
                    raise MediaError(
                        f"FFmpeg failed: {source.name}: no key frame to start a copy at", details=_failed()
                    )
    except av.error.FFmpegError as exc:
        reason = (exc.strerror or type(exc).__name__).strip()
        raise MediaError(f"FFmpeg failed: {source.name}: {reason}", details=_failed()) from exc
    except ValueError as exc:  # PyAV's refusals (a codec the container cannot hold) name no path
        raise MediaError(f"FFmpeg failed: {source.name}: {exc}", details=_failed()) from exc


class _Limits:
    """What stops a copy: a cancel, the deadline, the size bound (checked at most ten times a second, but for
    the size, which is checked at every packet)."""

    def __init__(self, cancel: Cancel | None, deadline: float | None, timeout: float | None, max_bytes: int) -> None:
        self._cancel, self._deadline, self._timeout, self.max_bytes = cancel, deadline, timeout, max_bytes
        self._next_check = time.monotonic() + _POLL_SECONDS

    def check(self, written: int) -> None:
        if written >= self.max_bytes:
            raise MediaError(
                f"the result reached the {self.max_bytes:,}-byte bound and was stopped", details={"reason": "too_large"}
            )
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + _POLL_SECONDS
        if self._cancel is not None and self._cancel():
            raise cancelled_error()
        if self._deadline is not None and now > self._deadline:
            raise MediaError(
                f"the remux ran longer than {self._timeout:g} s and was stopped", details={"reason": "timeout"}
            )


def _copy_packets(
    inp: av.container.InputContainer,
    video: av.VideoStream,
    out: av.container.OutputContainer,
    copy: av.VideoStream,
    limits: _Limits,
) -> bool:
    """Copy every packet from the first key frame on; False when there was no key frame (nothing copied)."""
    time_base = video.time_base or _MICROSECOND
    shift = _ticks(-inp.start_time * _MICROSECOND, time_base) if inp.start_time else 0
    dts = _DecodingTimes(video, time_base)
    written = 0
    started = False
    for packet in inp.demux(video):
        if packet.size == 0:  # the demuxer's end-of-stream marker
            continue
        if not started and not packet.is_keyframe:
            continue
        started = True
        if shift:
            if packet.pts is not None:
                packet.pts += shift
            if packet.dts is not None:
                packet.dts += shift
        if packet.dts is None:
            packet.dts = dts.guess(packet)
        else:
            dts.saw(packet.dts, packet.duration)
        written += packet.size
        limits.check(written)
        packet.stream = copy
        out.mux(packet)
    return started


class _DecodingTimes:
    """FFmpeg's command line's decoding times for a stream copy: a packet's own, or, when the demuxer has none
    (Matroska's first packets before the reorder delay), the previous one's plus its duration, starting at the
    first presentation time less the reorder delay at the average rate; counted in microseconds, as FFmpeg does.
    Packets that have their own cost no arithmetic (the last one is kept for a packet that may follow without).
    """

    def __init__(self, video: av.VideoStream, time_base: Fraction) -> None:
        self._base = time_base
        self._rate = video.average_rate
        self._delay = video.codec_context.reorder_depth
        self._first = True
        self._last: tuple[int, int] | None = None  # the last packet's own decoding time and duration (ticks)
        self._next_us = 0

    def saw(self, dts: int, duration: int | None) -> None:
        """A packet with its own decoding time went by."""
        self._first = False
        self._last = (dts, duration or 0)

    def guess(self, packet: av.Packet[av.VideoStream]) -> int:
        """The decoding time of ``packet``, which has none of its own."""
        first, self._first = self._first, False
        if self._last is not None:
            self._next_us = self._after(_ticks(self._last[0] * self._base, _MICROSECOND), self._last[1])
            self._last = None
        elif first:
            ahead = int(-self._delay * 1_000_000 / float(self._rate)) if self._rate else 0
            self._next_us = ahead + (_ticks(packet.pts * self._base, _MICROSECOND) if packet.pts is not None else 0)
        current = self._next_us
        self._next_us = self._after(current, packet.duration or 0)
        return _ticks(current * _MICROSECOND, self._base)

    def _after(self, dts_us: int, duration: int) -> int:
        if duration:
            return dts_us + _ticks(duration * self._base, _MICROSECOND)
        if self._rate:
            return dts_us + _ticks(1 / Fraction(self._rate), _MICROSECOND)
        return dts_us


def _ticks(seconds: Fraction, time_base: Fraction) -> int:
    """``seconds`` in ticks of ``time_base``, rounded to the nearest, halves away from zero (FFmpeg's rule)."""
    ticks = seconds / time_base
    whole = (abs(ticks.numerator) * 2 + ticks.denominator) // (2 * ticks.denominator)
    return whole if ticks >= 0 else -whole


def _chapters(inp: av.container.InputContainer) -> list[Chapter]:
    """The file's chapters moved as its timestamps are (by the start time): one that ends before 0 s is left out,
    one that starts before it starts at 0, as FFmpeg's command line copies them."""
    start = (inp.start_time or 0) * _MICROSECOND
    kept: list[Chapter] = []
    for chapter in inp.chapters():
        offset = _ticks(start, chapter["time_base"] or _MICROSECOND)
        if chapter["end"] < offset:
            continue
        kept.append(chapter | {"start": max(0, chapter["start"] - offset), "end": chapter["end"] - offset})
    return kept


def _carry_stream_fields(video: av.VideoStream, copy: av.VideoStream, container: str) -> None:
    copy.metadata.update(video.metadata)
    tag = video.codec_tag
    if container == "mp4" and tag in _MP4_TAGS.get(video.codec_context.name, ()):
        copy.codec_context.codec_tag = tag
    if video.sample_aspect_ratio:
        copy.codec_context.sample_aspect_ratio = video.sample_aspect_ratio


def _muxer_options(recipe: Recipe) -> dict[str, str]:
    if recipe.container != "mp4":
        return {}
    options = {"movflags": "+faststart"}
    if recipe.timescale:
        options["video_track_timescale"] = options["movie_timescale"] = str(recipe.timescale)
    return options


def _failed() -> dict[str, object]:
    return {"reason": "ffmpeg_failed"}
