"""Which decoded picture is frame i of a video, and iterating a chosen set of frames from any seekable file object.

Frame i is the picture whose presentation timestamp is the i-th of the stored frame map (:mod:`frame_map`). FFmpeg
already drops the pictures an edit list hides ("ghost" frames) and presents B-frames in display order, so matching
timestamps is the whole rule: a decoded picture whose timestamp is not in the map is not a frame of the item.

This is the one place that rule lives: the SDK (over HTTP range reads) and ``cairn frames`` (over the store's range
reads) both iterate with :func:`iter_frames`. It takes PyAV, a dependency of every cairn install, because the SDK may
import the domain but none of the server's adapters.
"""

from __future__ import annotations

import importlib.util
import io
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import av
import av.error

from cairn.domain.frame_map import FrameIndex, FrameMap, FrameSelection, seek_frame
from cairn.errors import ConfigurationError, InvalidInput, MediaError

if TYPE_CHECKING:
    from av.video.frame import VideoFrame
    from PIL.Image import Image

__all__ = ["Frame", "image_files", "iter_chosen", "iter_frames"]


@dataclass(frozen=True)
class Frame:
    """One frame of a video: its index in the frame map, its presentation time in seconds, and its picture."""

    index: int
    time: float
    picture: VideoFrame
    sample_aspect_ratio: Fraction | None = None
    """The shape of the picture's pixels (width / height) as the stream states it; None: unstated (square)."""

    def to_image(self) -> Image:
        """The frame as a PIL image (RGB)."""
        image: Image = self.picture.to_image()  # type: ignore[no-untyped-call]  # PyAV leaves it unannotated
        return image

    def to_ndarray(self, format: str = "rgb24") -> Any:
        """The frame as a numpy array (height x width x 3 for ``rgb24``); needs numpy installed."""
        if importlib.util.find_spec("numpy") is None:
            raise ConfigurationError("Frame.to_ndarray needs numpy, which is not installed: pip install numpy")
        return self.picture.to_ndarray(format=format)


def iter_frames(file: Any, index: FrameIndex, selection: FrameSelection) -> Iterator[Frame]:
    """Decode the selected frames of the video in ``file`` (any seekable binary file object), in order.

    Decoding starts at the last key frame at or before the first frame chosen (a seek), not at frame 0. Bad media
    raises MediaError.
    """
    yield from iter_chosen(file, index, selection.indices(index))


def iter_chosen(file: Any, index: FrameIndex, chosen: list[int]) -> Iterator[Frame]:
    """Decode the frames ``chosen`` (indices into the frame map, ascending) of the video in ``file``, in order."""
    if not chosen:
        return
    try:
        yield from _decode(file, index, chosen)
    except av.error.FFmpegError as exc:
        reason = exc.strerror or str(exc)
        raise MediaError(f"cannot decode the video: {reason}", details={"error": type(exc).__name__}) from exc


def image_files(
    frames: Iterable[Frame], image_format: str, *, jpeg_quality: int | None = None
) -> Iterator[tuple[int, bytes]]:
    """Each frame as the bytes of an image file (``image_format`` "png" or "jpeg"), in order, with its index.
    ``cairn frames --out`` and the server's ``frame_export`` job both write their images with it.

    PNG is FFmpeg's encoder (the one ``ffmpeg -i clip.mp4 %d.png`` runs: the same bytes for the same picture) on
    frame threads, so frames are compressed in parallel while the next ones decode: Pillow's encoder took twice
    the CPU time per frame, on one core. JPEG is Pillow's (libjpeg-turbo, fast on its own).
    """
    if image_format == "jpeg":
        options = {} if jpeg_quality is None else {"quality": jpeg_quality}
        for frame in frames:
            buffer = io.BytesIO()
            frame.to_image().save(buffer, format="JPEG", **options)
            yield frame.index, buffer.getvalue()
        return
    if image_format != "png":
        raise InvalidInput(f"image format: png or jpeg, got {image_format!r}")
    yield from _png_files(frames)


def _png_files(frames: Iterable[Frame]) -> Iterator[tuple[int, bytes]]:
    encoder: av.VideoCodecContext | None = None
    waiting: deque[int] = deque()  # frame indices sent and not yet out (an intra-only encoder keeps their order)
    for frame in frames:
        picture = frame.picture.reformat(format="rgb24")
        if encoder is not None and (encoder.width, encoder.height) != (picture.width, picture.height):
            yield from _drain(encoder, None, waiting)  # the picture size changed mid-stream: a new encoder
            encoder = None
        encoder = encoder or _png_encoder(picture.width, picture.height, frame.sample_aspect_ratio)
        waiting.append(frame.index)
        yield from _drain(encoder, picture, waiting)
    if encoder is not None:
        yield from _drain(encoder, None, waiting)


def _png_encoder(width: int, height: int, sample_aspect_ratio: Fraction | None) -> av.VideoCodecContext:
    """FFmpeg's PNG encoder; the pixel shape goes into the file's pHYs chunk, as ``ffmpeg`` writes it."""
    encoder = av.CodecContext.create("png", "w")
    assert isinstance(encoder, av.VideoCodecContext)
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "rgb24"
    encoder.sample_aspect_ratio = sample_aspect_ratio or Fraction(1)
    encoder.time_base = Fraction(1, 1)
    encoder.thread_type, encoder.thread_count = "FRAME", 0  # 0: as many threads as cores
    return encoder


def _drain(
    encoder: av.VideoCodecContext, picture: VideoFrame | None, waiting: deque[int]
) -> Iterator[tuple[int, bytes]]:
    """Send ``picture`` (None: the end) and yield the files the encoder has finished, with their frame indices."""
    try:
        packets = encoder.encode(picture)
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot encode a frame as PNG: {exc.strerror or exc}") from exc
    for packet in packets:
        yield waiting.popleft(), bytes(packet)


class _SeekMissed(Exception):
    """The seek landed after the first frame wanted (an index the demuxer reads differently): start over."""


def _decode(file: Any, index: FrameIndex, chosen: list[int]) -> Iterator[Frame]:
    key = seek_frame(index.key_frames, chosen[0])
    if key is None:
        yield from _decode_from(file, index, chosen, seek_to=None)
        return
    try:
        yield from _decode_from(file, index, chosen, seek_to=key)
    except _SeekMissed:
        yield from _decode_from(file, index, chosen, seek_to=None)


def _decode_from(file: Any, index: FrameIndex, chosen: list[int], *, seek_to: int | None) -> Iterator[Frame]:
    """Open ``file``, seek to key frame ``seek_to`` (None: no seek) and yield the chosen frames as they decode.

    After a seek, the first frame of the map decoded must not be past the first frame chosen, else _SeekMissed is
    raised before anything was yielded.
    """
    frame_map, wanted, last = index.frame_map, set(chosen), chosen[-1]
    file.seek(0, os.SEEK_SET)
    with av.open(file, mode="r", metadata_errors="replace") as container:
        if not container.streams.video:
            raise MediaError("the file has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        scale = _scale(frame_map, stream.time_base)
        sar = stream.codec_context.sample_aspect_ratio or None
        numbers = {int(pts * scale): number for number, pts in enumerate(frame_map.pts)}
        if seek_to is not None:
            container.seek(int(frame_map.pts[seek_to] * scale), stream=stream)
        checked = seek_to is None
        for picture in container.decode(stream):
            number = None if picture.pts is None else numbers.get(picture.pts)
            if number is None:
                continue
            if not checked and number > chosen[0]:
                raise _SeekMissed
            checked = True
            if number in wanted:
                yield Frame(index=number, time=frame_map.time_of(number), picture=picture, sample_aspect_ratio=sar)
            if number >= last:
                return


def _scale(frame_map: FrameMap, time_base: Fraction | None) -> Fraction:
    """Stream ticks per frame-map tick (1 when the two time bases agree, as they do for files cairn inspected)."""
    if time_base is None:
        raise MediaError("the video stream has no time base")
    return frame_map.time_base / Fraction(time_base)
