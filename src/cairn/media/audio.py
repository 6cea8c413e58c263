"""Audio inspection with PyAV: codec, sample rate, channels, bit depth and duration, from the header."""

from __future__ import annotations

import re

import av
import av.container
from av.audio.stream import AudioStream

from cairn.domain.media import AudioReport
from cairn.errors import MediaError
from cairn.media.reading import FOREIGN_ERRORS, CountingReader, SeekableBinary, as_counting, media_error

__all__ = ["inspect_audio"]

_FLOAT_FORMATS = frozenset({"flt", "fltp", "dbl", "dblp"})
_PCM_BITS = re.compile(r"^pcm_[a-z]+?(\d+)")


def inspect_audio(f: SeekableBinary, *, size: int | None = None) -> AudioReport:
    """Inspect an audio file object's first audio stream; bad media raises MediaError with the reason."""
    reader = as_counting(f, size=size)
    try:
        return _inspect(reader)
    except MediaError:
        raise
    except FOREIGN_ERRORS as exc:
        raise media_error("cannot read the audio", exc) from exc


def _inspect(reader: CountingReader) -> AudioReport:
    reader.seek(0)
    with av.open(reader, mode="r", metadata_errors="replace") as container:
        if not container.streams.audio:
            raise MediaError("the file has no audio stream")
        stream = container.streams.audio[0]
        context = stream.codec_context
        return AudioReport(
            container=container.format.name,
            codec=context.codec.canonical_name,
            sample_rate=int(context.sample_rate or 0),
            channels=int(context.channels or 0),
            bit_depth=audio_bit_depth(stream),
            duration_seconds=_duration(container, stream),
            size=reader.size,
            read=reader.stats(whole_file_read=reader.bytes_read >= reader.size),
        )


def audio_bit_depth(stream: AudioStream) -> int | None:
    """Bits per sample as stored: from the PCM codec name, else the decoder's integer sample format.

    None for lossy codecs, which decode to floating point and have no stored bit depth.
    """
    match = _PCM_BITS.match(stream.codec_context.name)
    if match:
        return int(match.group(1))
    sample_format = stream.codec_context.format
    if sample_format is None or sample_format.name in _FLOAT_FORMATS:
        return None
    return int(sample_format.bits)


def _duration(container: av.container.InputContainer, stream: AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None
