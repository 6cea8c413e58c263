"""Image inspection: format, stored and displayed size (EXIF orientation), mode and bit depth.

Reads headers only where the format allows it: imagesize for the size, Pillow's lazy open for format and mode
(JPEG, PNG, BMP, TIFF, GIF read a few KB), a RIFF chunk walk for WebP. AVIF is opened by Pillow, which reads the
whole file (``whole_file_read``). The size is checked against ``max_pixels`` before any decoder sees the file
(decompression bombs). A truncated file is detected from its trailer or declared size (PNG IEND, WebP RIFF size,
BMP file size, TIFF strip offsets, JPEG EOI confirmed by a decode), or by a full decode with ``verify_pixels``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import imagesize
from PIL import Image, UnidentifiedImageError

from cairn.domain.media import Check, ImageReport, ReadStats, Verdict
from cairn.errors import MediaError
from cairn.media.reading import FOREIGN_ERRORS, CountingReader, SeekableBinary, as_counting, media_error
from cairn.media.sniff import sniff
from cairn.media.webp import read_webp_header

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "SUPPORTED_IMAGE_FORMATS",
    "bomb_warnings_silenced",
    "inspect_image",
    "produced_image_report",
]

DEFAULT_MAX_PIXELS = 2 * 89_478_485
"""Pillow's own error threshold (twice ``Image.MAX_IMAGE_PIXELS``): about 179 megapixels."""

SUPPORTED_IMAGE_FORMATS = frozenset({"jpeg", "png", "webp", "avif", "bmp", "tiff"})
_PILLOW_NAMES = {"jpeg": "JPEG", "png": "PNG", "bmp": "BMP", "tiff": "TIFF", "gif": "GIF", "avif": "AVIF"}
_MODE_BITS = {"1": 1, "L": 8, "P": 8, "RGB": 8, "RGBA": 8, "CMYK": 8, "YCbCr": 8, "LA": 8, "PA": 8, "I": 32, "F": 32}
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class _Header:
    width: int
    height: int
    orientation: int
    mode: str | None
    bit_depth: int | None
    whole_file_read: bool = False


def inspect_image(
    f: SeekableBinary, *, size: int | None = None, max_pixels: int = DEFAULT_MAX_PIXELS, verify_pixels: bool = False
) -> ImageReport:
    """Inspect an image file object; corrupt, truncated or oversized images raise MediaError with the reason."""
    reader = as_counting(f, size=size)
    try:
        return _inspect(reader, max_pixels=max_pixels, verify_pixels=verify_pixels)
    except MediaError:
        raise
    except UnidentifiedImageError as exc:
        raise MediaError("cannot read the image: corrupt, truncated, or not the format its header claims") from exc
    except FOREIGN_ERRORS as exc:
        raise media_error("cannot read the image (corrupt or truncated)", exc) from exc


def produced_image_report(*, fmt: str, width: int, height: int, size: int) -> ImageReport:
    """The report of an 8-bit RGB image cairn has just encoded (a frame export's PNG or JPEG) without reading it
    back: what :func:`inspect_image` would find in it (no EXIF orientation, the same checks), minus the reading.

    Only for files whose every fact is known from how they were made; ``tests/media/test_image.py`` checks it
    against an inspection of such files.
    """
    header = _Header(width, height, orientation=1, mode="RGB", bit_depth=8)
    return ImageReport(
        format=fmt,
        width=width,
        height=height,
        display_width=width,
        display_height=height,
        orientation=1,
        mode="RGB",
        bit_depth=8,
        size=size,
        read=ReadStats(bytes_read=0, reads=0, whole_file_read=False),
        checks=_checks(fmt, header),
    )


def _inspect(reader: CountingReader, *, max_pixels: int, verify_pixels: bool) -> ImageReport:
    detected = sniff(reader.read_at(0, 64))
    fmt = detected.format
    if fmt not in SUPPORTED_IMAGE_FORMATS and fmt not in _PILLOW_NAMES:
        raise MediaError(f"not a supported image: the file looks like a {detected.description}")
    quick = _quick_size(reader, fmt)
    _guard_size(quick, max_pixels)
    if fmt == "webp":
        header = _read_webp(reader)
    else:
        header = _read_with_pillow(reader, fmt, quick=quick, max_pixels=max_pixels, verify_pixels=verify_pixels)
    _guard_size((header.width, header.height), max_pixels)
    swap = header.orientation in _SWAPPING_ORIENTATIONS
    return ImageReport(
        format=fmt,
        width=header.width,
        height=header.height,
        display_width=header.height if swap else header.width,
        display_height=header.width if swap else header.height,
        orientation=header.orientation,
        mode=header.mode,
        bit_depth=header.bit_depth,
        size=reader.size,
        read=reader.stats(whole_file_read=header.whole_file_read or verify_pixels),
        checks=_checks(fmt, header),
    )


def _quick_size(reader: CountingReader, fmt: str) -> tuple[int, int] | None:
    """Stored width and height from imagesize (a few bytes), or None where it cannot tell."""
    if fmt == "avif":
        return None  # imagesize 2.0 fails on AVIF files that carry an 'irot' box
    reader.seek(0)
    try:
        width, height = imagesize.get(reader, exif_rotation=False)
    except FOREIGN_ERRORS:
        return None
    return (width, height) if width > 0 and height > 0 else None


def _guard_size(dimensions: tuple[int, int] | None, max_pixels: int) -> None:
    if dimensions is None:
        return
    width, height = dimensions
    if width * height > max_pixels:
        raise MediaError(
            f"decompression bomb guard: {width}x{height} = {width * height:,} pixels is over the "
            f"{max_pixels:,}-pixel limit",
            details={"width": width, "height": height, "max_pixels": max_pixels},
        )


def _read_webp(reader: CountingReader) -> _Header:
    header = read_webp_header(reader)
    mode = "RGBA" if header.has_alpha else "RGB"
    return _Header(header.width, header.height, header.orientation, mode, 8)


def _read_with_pillow(
    reader: CountingReader, fmt: str, *, quick: tuple[int, int] | None, max_pixels: int, verify_pixels: bool
) -> _Header:
    reader.seek(0)
    with bomb_warnings_silenced(quick), Image.open(reader.binary, formats=[_PILLOW_NAMES[fmt]]) as image:
        width, height = _stored_size(image, fmt)
        _guard_size((width, height), max_pixels)
        orientation = _orientation(image, fmt)
        bit_depth = _bit_depth(reader, image, fmt)
        _check_complete(reader, image, fmt)
        if verify_pixels or fmt == "avif":
            image.load()
        return _Header(width, height, orientation, image.mode, bit_depth, whole_file_read=fmt == "avif")


@contextmanager
def bomb_warnings_silenced(quick: tuple[int, int] | None) -> Iterator[None]:
    """Pillow warns above ``MAX_IMAGE_PIXELS``; our own guard (``max_pixels``) has already decided.

    Only entered when the header showed an image that large: ``catch_warnings`` swaps process-wide filters (not
    thread-safe), so the common path never touches them. (AVIF has no quick size: Pillow warns above 89 MP there.)
    """
    if quick is None or quick[0] * quick[1] <= (Image.MAX_IMAGE_PIXELS or 0):
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def _stored_size(image: Image.Image, fmt: str) -> tuple[int, int]:
    """Width and height as stored (Pillow reports a TIFF's size already turned by its orientation)."""
    if fmt == "tiff":
        tags = image.getexif()
        width, height = tags.get(256), tags.get(257)
        if isinstance(width, int) and isinstance(height, int):
            return width, height
    return image.size


def _orientation(image: Image.Image, fmt: str) -> int:
    if fmt in {"jpeg", "tiff", "avif"}:
        value = image.getexif().get(0x0112, 1)
    elif fmt == "png" and "exif" in image.info:  # never getexif() on PNG: it loads the whole file
        exif = Image.Exif()
        exif.load(image.info["exif"])
        value = exif.get(0x0112, 1)
    else:
        value = 1
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else 1


def _bit_depth(reader: CountingReader, image: Image.Image, fmt: str) -> int | None:
    if fmt == "png":
        return reader.read_at(24, 1)[0]
    if fmt == "tiff":
        bits = image.getexif().get(258)
        if isinstance(bits, tuple) and bits:
            return int(bits[0])
        if isinstance(bits, int):
            return bits
    if image.mode.startswith("I;16"):
        return 16
    return _MODE_BITS.get(image.mode)


def _check_complete(reader: CountingReader, image: Image.Image, fmt: str) -> None:
    """Raise MediaError when the file is shorter than its own structure says it should be."""
    size = reader.size
    if fmt == "png" and reader.read_at(size - 12, 12) != _PNG_IEND:
        raise MediaError("truncated PNG: the file does not end with an IEND chunk")
    if fmt == "bmp":
        declared = int.from_bytes(reader.read_at(2, 4), "little")
        if declared > size:
            raise MediaError(f"truncated BMP: the header declares {declared:,} bytes, the file has {size:,}")
    if fmt == "tiff":
        _check_tiff_strips(image, size)
    if fmt == "jpeg" and reader.read_at(size - 2, 2) != b"\xff\xd9":
        _decode_or_fail(image, "JPEG does not end with an end-of-image marker")
    if fmt == "gif" and reader.read_at(size - 1, 1) != b";":
        _decode_or_fail(image, "GIF does not end with its trailer byte")


def _check_tiff_strips(image: Image.Image, size: int) -> None:
    tags = image.getexif()
    offsets, counts = _ints(tags.get(273) or tags.get(324)), _ints(tags.get(279) or tags.get(325))
    end = max((o + c for o, c in zip(offsets, counts, strict=False)), default=0)
    if end > size:
        raise MediaError(f"truncated TIFF: image data runs to byte {end:,}, the file has {size:,}")


def _ints(value: object) -> list[int]:
    if isinstance(value, int):
        return [value]
    if isinstance(value, tuple):
        return [int(v) for v in value if isinstance(v, int)]
    return []


def _decode_or_fail(image: Image.Image, suspicion: str) -> None:
    """Decode the pixels to tell trailing data (fine) from a truncated file."""
    try:
        image.load()
    except FOREIGN_ERRORS as exc:
        raise MediaError(f"corrupt or truncated image ({suspicion}): {exc}") from exc


def _checks(fmt: str, header: _Header) -> list[Check]:
    return [_format_check(fmt), _orientation_check(header)]


def _format_check(fmt: str) -> Check:
    if fmt == "tiff":
        return Check(
            "format",
            Verdict.WARNING,
            "TIFF images display only in Safari (Chromium-based browsers cannot show them)",
            "convert to PNG: ffmpeg -i in.tiff out.png (or Pillow: Image.open(p).save('out.png'))",
        )
    if fmt not in SUPPORTED_IMAGE_FORMATS:
        return Check(
            "format",
            Verdict.PROBLEM,
            f"{fmt.upper()} is not a supported image format (jpeg, png, webp, avif, bmp, tiff are)",
            "convert to PNG or JPEG",
        )
    return Check("format", Verdict.OK, f"{fmt.upper()} displays in every major browser")


def _orientation_check(header: _Header) -> Check:
    if header.orientation == 1:
        return Check("orientation", Verdict.OK, "no EXIF rotation")
    return Check(
        "orientation",
        Verdict.WARNING,
        f"EXIF orientation {header.orientation}: browsers show the image rotated/flipped, while tools that "
        "ignore EXIF see the stored pixels; labels use the displayed orientation",
        "bake the rotation into the pixels: Pillow ImageOps.exif_transpose(image), or exiftran -ai",
    )
