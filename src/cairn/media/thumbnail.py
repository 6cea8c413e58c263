"""Thumbnails: a small WebP picture of an image, a video's first visible frame, a DICOM slice or a PDF's first page.

Each maker reads from a seekable file object (a :class:`~cairn.storage.RangeFile` over the user's bucket) as little
as the format allows and returns the encoded picture, its longest side at most ``side`` pixels (never enlarged):

* images: checked by :func:`~cairn.media.image.inspect_image` first (the pixel limit refuses a decompression bomb
  before any decoder sees it), JPEGs decoded at a reduced scale (``draft``), EXIF orientation applied;
* videos: decoded from the start until the first frame whose time is the first time of the stored frame map, so
  a ghost frame (hidden by an edit list, decoded only as a reference) is never the thumbnail; an MP4 needs only
  its index and the first packets; non-square pixels stretched and the display rotation applied, as players do;
* DICOM: the first frame's pixels, through the modality LUT (rescale slope and intercept), windowed by the
  file's WindowCenter / WindowWidth, else by the pixels' own minimum and maximum; MONOCHROME1 inverted;
* PDF: the first page rendered by PDFium (pypdfium2) at the scale that makes its longest side ``side``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from io import BytesIO
from typing import Any

import av
import av.error
import numpy as np
import pydicom
import pydicom.errors
import pypdfium2
from PIL import Image, ImageOps
from pydicom.dataset import Dataset
from pydicom.pixels.processing import apply_modality_lut
from pydicom.pixels.utils import pixel_array

from cairn.errors import MediaError
from cairn.media.image import DEFAULT_MAX_PIXELS, bomb_warnings_silenced, inspect_image
from cairn.media.reading import FOREIGN_ERRORS, SeekableBinary, as_counting, media_error

__all__ = [
    "THUMBNAIL_SIDE",
    "dicom_thumbnail",
    "image_thumbnail",
    "pdf_thumbnail",
    "video_thumbnail",
]

THUMBNAIL_SIDE = 256
"""The longest side of a thumbnail, in pixels."""
_WEBP_QUALITY = 80
_MAX_FRAMES_BEFORE_VISIBLE = 1_000
"""Frames decoded before the first visible one at most (a cut keeps at most a group of pictures before it)."""
_HEADER_ONLY = {"probesize": "32", "analyzeduration": "0"}
_DICOM_ERRORS: tuple[type[BaseException], ...] = (*FOREIGN_ERRORS, pydicom.errors.InvalidDicomError)
_PDF_ERRORS: tuple[type[BaseException], ...] = (*FOREIGN_ERRORS, pypdfium2.PdfiumError)


def image_thumbnail(
    f: SeekableBinary, *, size: int | None = None, side: int = THUMBNAIL_SIDE, max_pixels: int = DEFAULT_MAX_PIXELS
) -> bytes:
    """The thumbnail of an image file, EXIF orientation applied; a bomb or a corrupt file raises MediaError."""
    reader = as_counting(f, size=size)
    report = inspect_image(reader, max_pixels=max_pixels)  # refuses oversized, corrupt and truncated images
    with _mapped("cannot make the image's thumbnail"), bomb_warnings_silenced((report.width, report.height)):
        reader.seek(0)
        with Image.open(reader.binary) as image:
            image.draft("RGB", (side, side))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
            return encode(ImageOps.exif_transpose(image), side)


def video_thumbnail(
    f: SeekableBinary, *, first_time: Fraction, size: int | None = None, side: int = THUMBNAIL_SIDE
) -> bytes:
    """The first visible frame of a video: the first decoded frame shown at ``first_time`` (seconds) or later."""
    reader = as_counting(f, size=size)
    with _mapped("cannot decode the video's first frame"), av.open(reader, mode="r", options=_HEADER_ONLY) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base or Fraction(1, 90_000)
        for count, frame in enumerate(container.decode(stream)):
            if frame.pts is not None and frame.pts * time_base >= first_time:
                picture = _square_pixels(frame.to_image(), stream.sample_aspect_ratio)  # type: ignore[no-untyped-call]
                # the display matrix's angle is anticlockwise, as PIL's rotate (FFmpeg's players turn it so too)
                return encode(picture.rotate(frame.rotation, expand=True) if frame.rotation else picture, side)
            if count >= _MAX_FRAMES_BEFORE_VISIBLE:
                break
    raise MediaError(f"the video has no frame at its first visible time ({float(first_time):.3f} s)")


def dicom_thumbnail(f: SeekableBinary, *, size: int | None = None, side: int = THUMBNAIL_SIDE) -> bytes:
    """The first frame of a DICOM file, windowed to 8 bits."""
    reader = as_counting(f, size=size)
    with _mapped("cannot decode the DICOM pixel data", _DICOM_ERRORS):
        dataset = Dataset()
        reader.seek(0)
        pixels = pixel_array(reader.binary, ds_out=dataset, index=0)
        return encode(_dicom_picture(pixels, dataset), side)


def pdf_thumbnail(f: SeekableBinary, *, size: int | None = None, side: int = THUMBNAIL_SIDE) -> bytes:
    """The first page of a PDF, rendered so that its longest side is ``side`` pixels."""
    reader = as_counting(f, size=size)
    with _mapped("cannot render the PDF's first page", _PDF_ERRORS):
        reader.seek(0)
        document = pypdfium2.PdfDocument(reader)
        try:
            if len(document) == 0:
                raise MediaError("the PDF has no page")
            page = document[0]
            width, height = page.get_size()
            picture = page.render(scale=side / max(width, height, 1)).to_pil()
            return encode(picture, side)
        finally:
            document.close()


def encode(image: Image.Image, side: int) -> bytes:
    """``image`` scaled down to fit ``side`` x ``side`` and encoded as WebP (alpha kept)."""
    image = _eight_bits(image)
    picture = image.convert("RGBA" if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info else "RGB")
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = BytesIO()
    picture.save(out, "WEBP", quality=_WEBP_QUALITY)
    return out.getvalue()


def _eight_bits(image: Image.Image) -> Image.Image:
    """A 16-bit or 32-bit grey image as 8 bits: 16-bit values divided by 257 (65535 is white), integer and float
    ones stretched from their minimum to their maximum. Pillow's own conversion clips them at 255."""
    if image.mode.startswith("I;16"):
        return Image.fromarray((np.asarray(image, dtype=np.float64) / 257.0).round().astype(np.uint8), "L")
    if image.mode in {"I", "F"}:
        values = np.asarray(image, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / max(high - low, 1e-9) * 255.0
        return Image.fromarray(scaled.round().astype(np.uint8), "L")
    return image


def _square_pixels(image: Image.Image, aspect: Fraction | None) -> Image.Image:
    """A picture with non-square pixels (SAR 4:3, 8:9) stretched to the width it is displayed at."""
    if not aspect or aspect == 1:
        return image
    return image.resize((max(1, round(image.width * aspect)), image.height))


def _dicom_picture(pixels: Any, dataset: Dataset) -> Image.Image:
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if pixels.ndim == 3 and pixels.shape[-1] == 3:  # colour: RGB (pydicom converts YBR to RGB)
        return Image.fromarray(np.asarray(pixels, dtype=np.uint8), "RGB")
    values = np.asarray(apply_modality_lut(pixels, dataset), dtype=np.float64)
    low, high = _window(values, dataset)
    scaled = np.clip((values - low) / max(high - low, 1e-9) * 255.0, 0, 255).astype(np.uint8)
    if photometric == "MONOCHROME1":  # 0 is white
        scaled = 255 - scaled
    return Image.fromarray(scaled, "L")


def _window(values: Any, dataset: Dataset) -> tuple[float, float]:
    """The value range shown from black to white: the file's window (first of several), else min to max."""
    center, width = _first(dataset.get("WindowCenter")), _first(dataset.get("WindowWidth"))
    if center is not None and width is not None and width > 0:
        return center - width / 2, center + width / 2
    return float(values.min()), float(values.max())


def _first(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple | pydicom.multival.MultiValue):
        value = value[0] if len(value) else None
    return None if value is None else float(value)


@contextmanager
def _mapped(what: str, errors: tuple[type[BaseException], ...] = FOREIGN_ERRORS) -> Iterator[None]:
    """Errors of the media libraries as MediaError saying what could not be done and why."""
    try:
        yield
    except MediaError:
        raise
    except errors as exc:
        raise media_error(what, exc) from exc
