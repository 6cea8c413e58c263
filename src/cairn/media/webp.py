"""WebP header reader: size, alpha and EXIF orientation from the RIFF chunk headers.

Pillow's WebP plugin reads the whole file when it opens one; this reads a few dozen bytes per chunk and seeks
over the image data.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from PIL import Image

from cairn.errors import MediaError
from cairn.media.reading import CountingReader

__all__ = ["WebpHeader", "read_webp_header"]

MAX_CHUNKS = 10_000
_EXIF_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class WebpHeader:
    """What the chunk headers say: canvas size, alpha, animation and EXIF orientation (1 when absent)."""

    width: int
    height: int
    has_alpha: bool
    animated: bool
    orientation: int
    lossless: bool


def read_webp_header(reader: CountingReader) -> WebpHeader:
    """Walk the RIFF chunks of a WebP file; a truncated or malformed file raises MediaError saying where."""
    head = reader.read_at(0, 12)
    (riff_size,) = struct.unpack_from("<I", head, 4)
    if riff_size + 8 > reader.size:
        raise MediaError(f"truncated WebP: the header declares {riff_size + 8:,} bytes, the file has {reader.size:,}")
    chunks = _chunks(reader, riff_size + 8)
    first_kind, first_offset, first_length = chunks[0]
    width, height, alpha, lossless = _geometry(reader, first_kind, first_offset, first_length, chunks)
    orientation = 1
    for kind, offset, length in chunks:
        if kind == b"EXIF" and length <= _EXIF_LIMIT:
            orientation = _orientation(reader.read_at(offset, length))
    animated = any(kind == b"ANIM" for kind, _, _ in chunks)
    return WebpHeader(width, height, alpha, animated, orientation, lossless)


def _chunks(reader: CountingReader, end: int) -> list[tuple[bytes, int, int]]:
    chunks: list[tuple[bytes, int, int]] = []
    offset = 12
    while offset + 8 <= end:
        if len(chunks) >= MAX_CHUNKS:
            raise MediaError(f"WebP has more than {MAX_CHUNKS} chunks")
        header = reader.read_at(offset, 8)
        kind, length = header[:4], struct.unpack_from("<I", header, 4)[0]
        if offset + 8 + length > end:
            raise MediaError(f"truncated WebP: chunk {kind!r} at byte {offset} runs past the end of the file")
        chunks.append((kind, offset + 8, length))
        offset += 8 + length + (length & 1)
    if not chunks:
        raise MediaError("WebP file has no chunks")
    return chunks


def _geometry(
    reader: CountingReader, kind: bytes, offset: int, length: int, chunks: list[tuple[bytes, int, int]]
) -> tuple[int, int, bool, bool]:
    data = reader.read_at(offset, min(length, 30))
    lossless = any(k == b"VP8L" for k, _, _ in chunks)
    if kind == b"VP8X" and len(data) >= 10:
        flags = data[0]
        width = int.from_bytes(data[4:7], "little") + 1
        height = int.from_bytes(data[7:10], "little") + 1
        return width, height, bool(flags & 0x10), lossless
    if kind == b"VP8 " and len(data) >= 10 and data[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 6)
        return width & 0x3FFF, height & 0x3FFF, False, False
    if kind == b"VP8L" and len(data) >= 5 and data[0] == 0x2F:
        bits = int.from_bytes(data[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1), True
    raise MediaError(f"WebP starts with an unexpected chunk {kind!r}")


def _orientation(exif: bytes) -> int:
    payload = exif[6:] if exif.startswith(b"Exif\x00\x00") else exif
    parsed = Image.Exif()
    parsed.load(payload)
    value = parsed.get(0x0112, 1)
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else 1
