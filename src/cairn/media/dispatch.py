"""One entry point for registration: detect what a file really is, then run that kind's inspector."""

from __future__ import annotations

from dataclasses import replace

from cairn.domain.content_kinds import wrong_kind_error, wrong_kind_message
from cairn.domain.kinds import ItemKind
from cairn.domain.media import AnyReport, InspectionReport
from cairn.domain.video_checks import VideoLimits
from cairn.errors import MediaError
from cairn.media.audio import inspect_audio
from cairn.media.dicom import inspect_dicom
from cairn.media.image import DEFAULT_MAX_PIXELS, inspect_image
from cairn.media.pdf import inspect_pdf
from cairn.media.reading import CountingReader, SeekableBinary, as_counting
from cairn.media.sniff import SNIFF_BYTES, Detected, sniff
from cairn.media.text import inspect_text
from cairn.media.video import inspect_video

__all__ = ["detect_kind", "inspect_file"]

_AUDIO_OR_VIDEO = frozenset({"mp4", "mov", "mkv", "webm", "m4a", "ogg"})


def detect_kind(f: SeekableBinary, *, size: int | None = None) -> Detected:
    """What the file's leading bytes say it is."""
    reader = as_counting(f, size=size, allow_empty=True)
    return sniff(reader.read_at(0, SNIFF_BYTES))


def inspect_file(
    f: SeekableBinary,
    *,
    kind_hint: ItemKind | None = None,
    filename: str | None = None,
    size: int | None = None,
    content_type: str | None = None,
    cache_control: str | None = None,
    headers_known: bool = True,
    limits: VideoLimits | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> InspectionReport:
    """Detect the file's kind from its bytes, check it against ``kind_hint``, and inspect it.

    ``kind_hint`` is the kind the user registered (a composite kind means its member kind). A mismatch raises
    MediaError: "Expected a video, got a file of type PNG image".
    """
    reader = as_counting(f, size=size)
    detected = sniff(reader.read_at(0, SNIFF_BYTES))
    expected = (kind_hint.member_kind or kind_hint) if kind_hint else None
    detected = _as_expected_media(detected, expected)
    _refuse_mismatch(detected, expected, filename)
    assert detected.kind is not None
    report = _run(
        reader,
        detected,
        filename=filename,
        content_type=content_type,
        cache_control=cache_control,
        headers_known=headers_known,
        limits=limits,
        max_pixels=max_pixels,
    )
    return InspectionReport(kind=detected.kind, detected_format=detected.format, report=report)


def _as_expected_media(detected: Detected, expected: ItemKind | None) -> Detected:
    """MP4, Matroska and Ogg hold audio or video: the registered kind decides which inspector reads them."""
    if detected.format in _AUDIO_OR_VIDEO and expected in (ItemKind.AUDIO, ItemKind.VIDEO):
        return replace(detected, kind=expected)
    return detected


def _refuse_mismatch(detected: Detected, expected: ItemKind | None, filename: str | None) -> None:
    where = f"{filename}: " if filename else ""
    details = {
        "expected": expected.value if expected else None,
        "detected": detected.format,
        "detected_kind": detected.kind.value if detected.kind else None,
    }
    if detected.kind is None:
        raise MediaError(f"{where}unrecognised file type ({detected.description})", details=details)
    if expected is not None and detected.kind != expected:
        raise wrong_kind_error(f"{where}{wrong_kind_message(expected, detected.description)}", **details)


def _run(
    reader: CountingReader,
    detected: Detected,
    *,
    filename: str | None,
    content_type: str | None,
    cache_control: str | None,
    headers_known: bool,
    limits: VideoLimits | None,
    max_pixels: int,
) -> AnyReport:
    kind = detected.kind
    if kind is ItemKind.IMAGE:
        return inspect_image(reader, max_pixels=max_pixels)
    if kind is ItemKind.VIDEO:
        return inspect_video(reader, cache_control=cache_control, headers_known=headers_known, limits=limits)
    if kind is ItemKind.DICOM_FILE:
        return inspect_dicom(reader)
    if kind is ItemKind.AUDIO:
        return inspect_audio(reader)
    if kind is ItemKind.PDF:
        return inspect_pdf(reader)
    if kind is ItemKind.TEXT:
        return inspect_text(reader, filename=filename, content_type=content_type)
    raise MediaError(f"{detected.description} files are recognised but not inspected yet", details={"kind": kind})
