"""Video inspection with PyAV: container facts, the per-frame timestamp map, and seed 004's checks.

MP4/MOV: the frame map, hidden ("ghost") samples, key frames and rotation come from the sample tables in
``moov`` (:mod:`cairn.media.mp4`), so only the index and the first packets are read. FFmpeg is asked to read the
header and one packet only (``probesize`` 32): the profile and the pixel aspect ratio it would otherwise learn by
decoding the first frames come from the sample description (``avcC``/``hvcC``, ``pasp``:
:mod:`cairn.media.codec_config`). When the header does not settle a fact (no ``pasp``, another codec, rates FFmpeg
could not set from the header), the file is opened again with FFmpeg's full probe, so the report is the same
either way. Matroska/WebM/AVI keep no complete sample index: their packets are demuxed (not decoded), which reads
the whole file, and the report says so (``whole_file_read``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import av
import av.container
import av.error
import av.stream
from av.audio.stream import AudioStream
from av.codec.codec import Capabilities
from av.video.stream import VideoStream

from cairn.domain.frame_map import FrameMap
from cairn.domain.media import AudioStreamInfo, VideoReport
from cairn.domain.video_checks import (
    FrameRateStats,
    VideoFacts,
    VideoLimits,
    classify_frame_rate,
    video_checks,
)
from cairn.errors import MediaError
from cairn.media import codec_config, mp4
from cairn.media.reading import FOREIGN_ERRORS, CountingReader, SeekableBinary, as_counting, media_error
from cairn.media.sniff import sniff

__all__ = ["inspect_video"]

log = logging.getLogger("cairn.media")

_ISO_FORMATS = {"mp4", "mov"}
_HEADER_ONLY = {"probesize": "32", "analyzeduration": "0", "skip_frame": "all"}
"""``av.open`` options: FFmpeg reads the container header and one packet, and its decoders skip every picture
(``skip_frame``): the header path takes no fact from a decoded picture, and a 1080p key frame's decode cost more
than the rest of the inspection (an audio stream's first packet is decoded by ``_decode_first_packet``)."""
_PROFILE_BOXES = {"h264": ("avcC", codec_config.h264_profile), "hevc": ("hvcC", codec_config.hevc_profile)}


class _HeaderNotEnough(Exception):
    """The MP4/MOV header leaves a fact to FFmpeg's decoders: probe the first packets instead (the message: why)."""


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


@dataclass(frozen=True)
class _Picture:
    """The video stream's codec facts: from FFmpeg's probe, or from the header where it settles them."""

    codec: str
    codec_tag: str | None
    profile: str | None
    width: int
    height: int
    sample_aspect_ratio: Fraction | None
    display_aspect_ratio: Fraction | None
    average_frame_rate: Fraction | None
    nominal_frame_rate: Fraction | None


@dataclass(frozen=True)
class _Options:
    cache_control: str | None
    headers_known: bool
    limits: VideoLimits
    full_probe: bool


def inspect_video(
    f: SeekableBinary,
    *,
    size: int | None = None,
    cache_control: str | None = None,
    headers_known: bool = True,
    limits: VideoLimits | None = None,
    full_probe: bool = False,
) -> VideoReport:
    """Inspect a video file object (any seekable binary file); bad media raises MediaError with the reason.

    ``cache_control`` is the object's Cache-Control header (None: absent); pass ``headers_known=False`` for
    storage without HTTP headers (local files) to skip that check. ``full_probe=True`` lets FFmpeg probe the first
    packets of MP4/MOV files too, instead of reading their codec facts from the header: the report is the same,
    it only reads more and takes longer (kept to compare the two).
    """
    reader = as_counting(f, size=size)
    options = _Options(cache_control, headers_known, limits or VideoLimits(), full_probe)
    try:
        return _inspect(reader, options)
    except MediaError:
        raise
    except FOREIGN_ERRORS as exc:
        raise media_error("cannot read the video", exc) from exc


def _inspect(reader: CountingReader, options: _Options) -> VideoReport:
    fmt = sniff(reader.read_at(0, 64)).format
    if fmt in _ISO_FORMATS and not options.full_probe:
        try:
            return _inspect_from_header(reader, fmt, options)
        except _HeaderNotEnough as reason:
            log.debug("probing the first packets: %s", reason)
    return _inspect_probed(reader, fmt, options)


def _inspect_from_header(reader: CountingReader, fmt: str, options: _Options) -> VideoReport:
    with _open(reader, _HEADER_ONLY) as container:
        stream = _video_stream(container)
        index = _iso_index(reader, stream)
        if index is None:
            raise _HeaderNotEnough("fragmented MP4: no sample tables in moov")
        picture = _header_picture(stream, index)
        for audio in container.streams.audio:
            _decode_first_packet(reader, audio)
        timeline = _iso_timeline(reader, stream, index)
        return _build(reader, container, picture=picture, timeline=timeline, fmt=fmt, options=options)


def _inspect_probed(reader: CountingReader, fmt: str, options: _Options) -> VideoReport:
    with _open(reader, {}) as container:
        stream = _video_stream(container)
        timeline = _timeline(reader, container, stream, fmt)
        return _build(reader, container, picture=_probed_picture(stream), timeline=timeline, fmt=fmt, options=options)


@contextmanager
def _open(reader: CountingReader, probe: dict[str, str]) -> Iterator[av.container.InputContainer]:
    reader.seek(0)
    with av.open(reader, mode="r", metadata_errors="replace", options=probe) as container:
        yield container


def _video_stream(container: av.container.InputContainer) -> VideoStream:
    if not container.streams.video:
        raise MediaError("the file has no video stream")
    return container.streams.video[0]


def _build(
    reader: CountingReader,
    container: av.container.InputContainer,
    *,
    picture: _Picture,
    timeline: _Timeline,
    fmt: str,
    options: _Options,
) -> VideoReport:
    audio = [_audio_info(s, timeline) for s in container.streams.audio]
    frame_rate = classify_frame_rate(timeline.frame_map)
    facts = replace(
        _facts(reader=reader, container=container, picture=picture, timeline=timeline, audio=audio, fmt=fmt),
        cache_control=options.cache_control,
        headers_known=options.headers_known,
        limits=options.limits,
        frame_rate=frame_rate,
    )
    return _report(
        reader=reader,
        container=container,
        picture=picture,
        timeline=timeline,
        audio=audio,
        facts=facts,
        frame_rate=frame_rate,
    )


# --- codec facts: FFmpeg's probe, or the header -------------------------------------------------------------------


def _probed_picture(stream: VideoStream) -> _Picture:
    context = stream.codec_context
    width, height = int(context.width), int(context.height)
    sample_aspect_ratio = _fraction(stream.sample_aspect_ratio)  # the container's ratio if it sets one
    return _Picture(
        codec=context.codec.canonical_name,
        codec_tag=_codec_tag(context.codec_tag),
        profile=stream.profile,
        width=width,
        height=height,
        sample_aspect_ratio=sample_aspect_ratio,
        display_aspect_ratio=codec_config.display_aspect_ratio(width, height, sample_aspect_ratio),
        average_frame_rate=_fraction(stream.average_rate),
        nominal_frame_rate=_fraction(stream.base_rate),
    )


def _header_picture(stream: VideoStream, index: _IsoIndex) -> _Picture:
    """The codec facts FFmpeg read from the header, with the profile and SAR its decoders would have found."""
    context = stream.codec_context
    entry = index.tables.sample_entry
    if entry is None:
        raise _HeaderNotEnough("no single sample description in stsd")
    width, height = int(context.width), int(context.height)
    if not width or not height:
        raise _HeaderNotEnough("the sample description gives no frame size")
    sample_aspect_ratio = _header_sample_aspect_ratio(stream, entry)
    return _Picture(
        codec=context.codec.canonical_name,
        codec_tag=_codec_tag(context.codec_tag),
        profile=_header_profile(context.codec.canonical_name, entry),
        width=width,
        height=height,
        sample_aspect_ratio=sample_aspect_ratio,
        display_aspect_ratio=codec_config.display_aspect_ratio(width, height, sample_aspect_ratio),
        average_frame_rate=_fraction(stream.average_rate),
        nominal_frame_rate=_header_nominal_rate(stream, index.tables),
    )


def _codec_tag(tag: str | None) -> str | None:
    """The stream's FourCC; None when it has none (Matroska, WebM: FFmpeg gives four NUL characters, which a
    PostgreSQL JSON column cannot hold)."""
    return (tag or "").replace("\x00", "") or None


def _header_profile(codec: str, entry: mp4.SampleEntry) -> str:
    box, read_profile = _PROFILE_BOXES.get(codec, ("", None))
    config = entry.boxes.get(box)
    profile = read_profile(config) if read_profile and config is not None else None
    if profile is None:
        raise _HeaderNotEnough(f"{codec} in {entry.format}: the profile is not in the sample description")
    return profile


def _header_sample_aspect_ratio(stream: VideoStream, entry: mp4.SampleEntry) -> Fraction:
    """The ``pasp`` ratio, when FFmpeg's demuxer took it too (a container ratio outranks the decoder's)."""
    pasp = entry.boxes.get("pasp")
    ratio = codec_config.pixel_aspect_ratio(pasp) if pasp is not None else None
    if ratio is None:
        raise _HeaderNotEnough("no usable pasp box: the decoder's sample aspect ratio is needed")
    if ratio != _fraction(stream.sample_aspect_ratio):
        raise _HeaderNotEnough(f"pasp says {ratio}, FFmpeg's demuxer {stream.sample_aspect_ratio}")
    return ratio


def _header_nominal_rate(stream: VideoStream, tables: mp4.TrackTables) -> Fraction:
    """FFmpeg's ``r_frame_rate`` when the header set it: from ``stts`` (the demuxer) or the codec's timing info.
    Its fallback when neither did, 1/time base, would be replaced by the full probe's estimate from packets.
    """
    if not stream.average_rate or not stream.base_rate or stream.time_base is None:
        raise _HeaderNotEnough("FFmpeg did not set the frame rates from the header")
    rate = Fraction(stream.base_rate)
    if not mp4.demuxer_sets_nominal_rate(tables) and rate == 1 / Fraction(stream.time_base):
        raise _HeaderNotEnough("the nominal frame rate needs the first packets' timestamps")
    return rate


def _decode_first_packet(reader: CountingReader, stream: AudioStream) -> None:
    """Decode an audio stream's first packet when its decoder trusts only the bitstream for rate and channels
    (AAC: SBR doubles the rate, PS the channels), as FFmpeg's full probe does; the codec context then holds the
    decoder's values. A packet that does not decode leaves the header's, as in the full probe.
    """
    context = stream.codec_context
    if not context.codec.capabilities & Capabilities.channel_conf or not len(stream.index_entries):
        return
    first = stream.index_entries[0]
    packet = av.Packet(reader.read_at(first.pos, first.size))
    with suppress(av.error.FFmpegError):
        context.decode(packet)


# --- frames: the sample tables, or every packet -------------------------------------------------------------------


@dataclass(frozen=True)
class _IsoIndex:
    position: str
    tables: mp4.TrackTables


def _timeline(
    reader: CountingReader, container: av.container.InputContainer, stream: VideoStream, fmt: str
) -> _Timeline:
    if fmt in _ISO_FORMATS:
        index = _iso_index(reader, stream)
        if index is not None:
            return _iso_timeline(reader, stream, index)
    return _demux_timeline(container, stream)


def _iso_index(reader: CountingReader, stream: VideoStream) -> _IsoIndex | None:
    """moov's place and the video track's tables (None when fragmented: no samples in moov)."""
    boxes = mp4.scan_top_level(reader)
    position = mp4.moov_position(boxes)
    tables = mp4.read_video_track(reader, boxes, track_id=stream.id)
    return None if tables is None else _IsoIndex(position, tables)


def _iso_timeline(reader: CountingReader, stream: VideoStream, index: _IsoIndex) -> _Timeline:
    timing = mp4.sample_timing(index.tables)
    if not timing.pts:
        raise MediaError("the video track has no visible frame")
    _check_samples_present(reader, stream, index.tables)
    return _Timeline(
        frame_map=FrameMap(time_base=Fraction(1, index.tables.timescale), pts=tuple(timing.pts)),
        keyframe_indices=timing.keyframe_indices,
        hidden_before_start=timing.hidden_before_start,
        rotation=index.tables.rotation,
        moov_position=index.position,
    )


def _check_samples_present(reader: CountingReader, stream: VideoStream, tables: mp4.TrackTables) -> None:
    """A file cut short keeps its index (faststart) but loses samples: compare the index with the size."""
    end = tables.data_end
    if end is None:  # tables that do not add up: FFmpeg's index (slower: one Python object per sample)
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
    picture: _Picture,
    timeline: _Timeline,
    audio: list[AudioStreamInfo],
    fmt: str,
) -> VideoFacts:
    frame_map = timeline.frame_map
    return VideoFacts(
        container=fmt,
        codec=picture.codec,
        width=picture.width,
        height=picture.height,
        sample_aspect_ratio=picture.sample_aspect_ratio,
        frame_map=frame_map,
        hidden_frame_count=timeline.hidden_before_start,
        negative_pts_count=sum(1 for p in frame_map.pts if p < 0),
        video_duration_seconds=_stream_seconds(_video_stream(container), timeline),
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
    picture: _Picture,
    timeline: _Timeline,
    audio: list[AudioStreamInfo],
    facts: VideoFacts,
    frame_rate: FrameRateStats,
) -> VideoReport:
    return VideoReport(
        container=facts.container,
        codec=facts.codec,
        codec_tag=picture.codec_tag,
        profile=picture.profile,
        width=facts.width,
        height=facts.height,
        sample_aspect_ratio=facts.sample_aspect_ratio,
        display_aspect_ratio=picture.display_aspect_ratio,
        rotation=timeline.rotation or 0,
        average_frame_rate=picture.average_frame_rate,
        nominal_frame_rate=picture.nominal_frame_rate,
        frame_rate_mode=frame_rate.mode,
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
        video_duration_seconds=facts.video_duration_seconds,
    )
