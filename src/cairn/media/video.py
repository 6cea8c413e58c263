"""Video inspection with PyAV: container facts, the per-frame timestamp map, and seed 004's checks.

MP4/MOV: the frame map, hidden ("ghost") samples, key frames and rotation come from the sample tables in
``moov`` (:mod:`cairn.media.mp4`), so only the index and the first packets are read. Matroska/WebM/AVI keep no
complete sample index: their packets are demuxed (not decoded), which reads the whole file, and the report
says so (``whole_file_read``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import av
import av.container
import av.stream
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

from cairn.domain.frame_map import FrameMap
from cairn.domain.media import AudioStreamInfo, VideoReport
from cairn.domain.video_checks import VideoFacts, VideoLimits, classify_frame_rate, video_checks
from cairn.errors import MediaError
from cairn.media import mp4
from cairn.media.reading import FOREIGN_ERRORS, CountingReader, SeekableBinary, as_counting, media_error
from cairn.media.sniff import sniff

__all__ = ["inspect_video"]

_ISO_FORMATS = {"mp4", "mov"}


@dataclass
class _Timeline:
    """What the sample tables or the demuxed packets say about the video stream's frames."""

    frame_map: FrameMap
    keyframe_indices: list[int]
    hidden_before_start: int = 0
    rotation: int | None = None
    moov_position: str | None = None
    whole_file_read: bool = False
    stream_seconds: dict[int, float] = field(default_factory=dict)


def inspect_video(
    f: SeekableBinary,
    *,
    size: int | None = None,
    cache_control: str | None = None,
    headers_known: bool = True,
    limits: VideoLimits | None = None,
) -> VideoReport:
    """Inspect a video file object (any seekable binary file); bad media raises MediaError with the reason.

    ``cache_control`` is the object's Cache-Control header (None: absent); pass ``headers_known=False`` for
    storage without HTTP headers (local files) to skip that check.
    """
    reader = as_counting(f, size=size)
    try:
        return _inspect(reader, cache_control, headers_known, limits or VideoLimits())
    except MediaError:
        raise
    except FOREIGN_ERRORS as exc:
        raise media_error("cannot read the video", exc) from exc


def _inspect(
    reader: CountingReader, cache_control: str | None, headers_known: bool, limits: VideoLimits
) -> VideoReport:
    fmt = sniff(reader.read_at(0, 64)).format
    reader.seek(0)
    with av.open(reader, mode="r", metadata_errors="replace") as container:
        if not container.streams.video:
            raise MediaError("the file has no video stream")
        stream = container.streams.video[0]
        timeline = _timeline(reader, container, stream, fmt)
        audio = [_audio_info(s, timeline) for s in container.streams.audio]
        facts = replace(
            _facts(reader=reader, container=container, stream=stream, timeline=timeline, audio=audio, fmt=fmt),
            cache_control=cache_control,
            headers_known=headers_known,
            limits=limits,
        )
        return _report(reader=reader, container=container, stream=stream, timeline=timeline, audio=audio, facts=facts)


def _timeline(
    reader: CountingReader, container: av.container.InputContainer, stream: VideoStream, fmt: str
) -> _Timeline:
    if fmt in _ISO_FORMATS:
        timeline = _iso_timeline(reader, stream)
        if timeline is not None:
            return timeline
    return _demux_timeline(container, stream)


def _iso_timeline(reader: CountingReader, stream: VideoStream) -> _Timeline | None:
    boxes = mp4.scan_top_level(reader)
    position = mp4.moov_position(boxes)
    tables = mp4.read_video_track(reader, boxes, track_id=stream.id)
    if tables is None:
        return None
    timing = mp4.sample_timing(tables)
    if not timing.pts:
        raise MediaError("the video track has no visible frame")
    _check_samples_present(reader, stream)
    return _Timeline(
        frame_map=FrameMap(time_base=Fraction(1, tables.timescale), pts=tuple(timing.pts)),
        keyframe_indices=timing.keyframe_indices,
        hidden_before_start=timing.hidden_before_start,
        rotation=tables.rotation,
        moov_position=position,
    )


def _check_samples_present(reader: CountingReader, stream: VideoStream) -> None:
    """A file cut short keeps its index (faststart) but loses samples: compare the index with the size."""
    end = max((e.pos + e.size for e in stream.index_entries if e.pos >= 0), default=0)
    if end > reader.size:
        raise MediaError(
            f"truncated video: its index places frame data up to byte {end:,}, the file has {reader.size:,} bytes"
        )


def _demux_timeline(container: av.container.InputContainer, stream: VideoStream) -> _Timeline:
    """Read every packet (no decoding beyond the first frame, for its rotation)."""
    frames: list[tuple[int, bool]] = []
    ends: dict[int, tuple[int, int]] = {}
    rotation: int | None = None
    for packet in container.demux(*container.streams.video[:1], *container.streams.audio):
        ts = packet.pts if packet.pts is not None else packet.dts
        if ts is None:
            continue
        _extend(ends, packet.stream.index, ts, ts + (packet.duration or 0))
        if packet.stream.index == stream.index:
            frames.append((ts, packet.is_keyframe))
            rotation = _first_rotation(packet, rotation)
    if not frames:
        raise MediaError("the video stream has no frames")
    frames.sort()
    seconds = {i: float((e - s) * _time_base(container.streams[i])) for i, (s, e) in ends.items()}
    return _Timeline(
        frame_map=FrameMap(time_base=_time_base(stream), pts=tuple(p for p, _ in frames)),
        keyframe_indices=[i for i, (_, key) in enumerate(frames) if key],
        rotation=rotation,
        whole_file_read=True,
        stream_seconds=seconds,
    )


def _first_rotation(packet: av.Packet[Any], rotation: int | None) -> int | None:
    if rotation is not None or not packet.size:
        return rotation
    for frame in packet.decode():
        return int(getattr(frame, "rotation", 0) or 0)
    return None


def _extend(ends: dict[int, tuple[int, int]], index: int, start: int, end: int) -> None:
    first, last = ends.get(index, (start, end))
    ends[index] = (min(first, start), max(last, end))


def _time_base(stream: av.stream.Stream) -> Fraction:
    if stream.time_base is None:
        raise MediaError("the video stream has no time base")
    return Fraction(stream.time_base)


def _stream_seconds(stream: av.stream.Stream, timeline: _Timeline) -> float | None:
    if stream.index in timeline.stream_seconds:
        return timeline.stream_seconds[stream.index]
    if stream.duration is None or stream.time_base is None:
        return None
    return float(stream.duration * stream.time_base)


def _audio_info(stream: AudioStream, timeline: _Timeline) -> AudioStreamInfo:
    context = stream.codec_context
    return AudioStreamInfo(
        codec=context.codec.canonical_name,
        sample_rate=int(context.sample_rate or 0),
        channels=int(context.channels or 0),
        duration_seconds=_stream_seconds(stream, timeline),
    )


def _facts(
    *,
    reader: CountingReader,
    container: av.container.InputContainer,
    stream: VideoStream,
    timeline: _Timeline,
    audio: list[AudioStreamInfo],
    fmt: str,
) -> VideoFacts:
    frame_map = timeline.frame_map
    return VideoFacts(
        container=fmt,
        codec=stream.codec_context.codec.canonical_name,
        width=int(stream.codec_context.width),
        height=int(stream.codec_context.height),
        sample_aspect_ratio=_fraction(stream.sample_aspect_ratio),
        frame_map=frame_map,
        hidden_frame_count=timeline.hidden_before_start,
        negative_pts_count=sum(1 for p in frame_map.pts if p < 0),
        video_duration_seconds=_stream_seconds(stream, timeline),
        audio_durations_seconds=[a.duration_seconds for a in audio],
        bit_rate=_bit_rate(reader, container),
        size=reader.size,
        keyframe_indices=timeline.keyframe_indices,
        moov_position=timeline.moov_position,
        cache_control=None,
    )


def _bit_rate(reader: CountingReader, container: av.container.InputContainer) -> int | None:
    if container.bit_rate:
        return int(container.bit_rate)
    if container.duration:
        return int(reader.size * 8 / (container.duration / 1_000_000))
    return None


def _fraction(value: Fraction | None) -> Fraction | None:
    return None if value is None or value == 0 else Fraction(value)


def _report(
    *,
    reader: CountingReader,
    container: av.container.InputContainer,
    stream: VideoStream,
    timeline: _Timeline,
    audio: list[AudioStreamInfo],
    facts: VideoFacts,
) -> VideoReport:
    context = stream.codec_context
    return VideoReport(
        container=facts.container,
        codec=facts.codec,
        codec_tag=context.codec_tag or None,
        profile=stream.profile,
        width=facts.width,
        height=facts.height,
        sample_aspect_ratio=facts.sample_aspect_ratio,
        display_aspect_ratio=_fraction(stream.display_aspect_ratio),
        rotation=timeline.rotation or 0,
        average_frame_rate=_fraction(stream.average_rate),
        nominal_frame_rate=_fraction(stream.base_rate),
        frame_rate_mode=classify_frame_rate(timeline.frame_map).mode,
        duration_seconds=container.duration / 1_000_000 if container.duration else None,
        frame_count=len(timeline.frame_map),
        hidden_frame_count=timeline.hidden_before_start,
        start_time_seconds=timeline.frame_map.time_of(0),
        bit_rate=facts.bit_rate,
        keyframe_indices=timeline.keyframe_indices,
        audio_streams=audio,
        moov_position=timeline.moov_position,
        size=reader.size,
        frame_map=timeline.frame_map,
        read=reader.stats(whole_file_read=timeline.whole_file_read),
        checks=video_checks(facts),
    )
