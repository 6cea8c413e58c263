"""What a file really is, from its first bytes (magic numbers), whatever its name or Content-Type says."""

from __future__ import annotations

from dataclasses import dataclass

from cairn.domain.kinds import ItemKind

__all__ = ["SNIFF_BYTES", "Detected", "sniff"]

SNIFF_BYTES = 8192
"""How many leading bytes :func:`sniff` wants (DICOM's marker is at 128, text needs a sample)."""

_IMAGE_ISO_BRANDS = {b"avif": "avif", b"avis": "avif", b"heic": "heic", b"heix": "heic", b"mif1": "heif"}
_AUDIO_ISO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}


@dataclass(frozen=True)
class Detected:
    """The kind and format a file's bytes show; ``kind`` is None when nothing matched."""

    kind: ItemKind | None
    format: str
    description: str


def sniff(head: bytes) -> Detected:
    """Detect the kind and format of a file from its first :data:`SNIFF_BYTES` bytes (nothing: no kind)."""
    if not head:
        return Detected(None, "empty", "empty file (0 bytes)")
    for detect in (_dicom, _image, _iso_bmff, _riff, _other_media):
        found = detect(head)
        if found is not None:
            return found
    return _text_or_binary(head)


def _dicom(head: bytes) -> Detected | None:
    # First: a DICOM preamble may itself hold a TIFF header (dual-personality files).
    if head[128:132] == b"DICM":
        return Detected(ItemKind.DICOM_FILE, "dicom", "DICOM file")
    return None


def _image(head: bytes) -> Detected | None:
    signatures = (
        (b"\xff\xd8\xff", "jpeg", "JPEG image"),
        (b"\x89PNG\r\n\x1a\n", "png", "PNG image"),
        (b"GIF87a", "gif", "GIF image"),
        (b"GIF89a", "gif", "GIF image"),
        (b"II*\x00", "tiff", "TIFF image"),
        (b"MM\x00*", "tiff", "TIFF image"),
        (b"BM", "bmp", "BMP image"),
    )
    for magic, fmt, description in signatures:
        if head.startswith(magic):
            return Detected(ItemKind.IMAGE, fmt, description)
    return None


def _iso_bmff(head: bytes) -> Detected | None:
    if head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), int.from_bytes(head[:4])), 4)}
        for brand, fmt in _IMAGE_ISO_BRANDS.items():
            if head[8:12] == brand or (brand in brands and not brands & {b"isom", b"mp41", b"mp42"}):
                return Detected(ItemKind.IMAGE, fmt, f"{fmt.upper()} image")
        if head[8:12] in _AUDIO_ISO_BRANDS:
            return Detected(ItemKind.AUDIO, "m4a", "MPEG-4 audio")
        if head[8:12] == b"qt  ":
            return Detected(ItemKind.VIDEO, "mov", "QuickTime video")
        return Detected(ItemKind.VIDEO, "mp4", "MP4 video")
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return Detected(ItemKind.VIDEO, "mov", "QuickTime video")
    return None


def _riff(head: bytes) -> Detected | None:
    if not head.startswith(b"RIFF"):
        return None
    form = head[8:12]
    if form == b"WEBP":
        return Detected(ItemKind.IMAGE, "webp", "WebP image")
    if form == b"WAVE":
        return Detected(ItemKind.AUDIO, "wav", "WAV audio")
    if form == b"AVI ":
        return Detected(ItemKind.VIDEO, "avi", "AVI video")
    return Detected(None, "riff", f"RIFF {form.decode('latin-1')!r} file")


def _other_media(head: bytes) -> Detected | None:
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        webm = b"webm" in head[:64]
        return Detected(ItemKind.VIDEO, "webm" if webm else "mkv", "WebM video" if webm else "Matroska video")
    if head.startswith(b"%PDF-"):
        return Detected(ItemKind.PDF, "pdf", "PDF document")
    if head[344:348] in (b"n+1\x00", b"ni1\x00") or head[4:8] in (b"n+2\x00", b"ni2\x00"):
        return Detected(ItemKind.NIFTI, "nifti", "NIfTI volume")
    audio = (
        (b"ID3", "mp3", "MP3 audio"),
        (b"\xff\xfb", "mp3", "MP3 audio"),
        (b"\xff\xf3", "mp3", "MP3 audio"),
        (b"fLaC", "flac", "FLAC audio"),
        (b"OggS", "ogg", "Ogg audio"),
    )
    for magic, fmt, description in audio:
        if head.startswith(magic):
            return Detected(ItemKind.AUDIO, fmt, description)
    return None


def _text_or_binary(head: bytes) -> Detected:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return Detected(ItemKind.TEXT, "text", "text file")
    if b"\x00" in head:
        return Detected(None, "binary", "unrecognised binary file")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return _maybe_legacy_text(head)
    return Detected(ItemKind.TEXT, "text", "text file")


def _maybe_legacy_text(head: bytes) -> Detected:
    controls = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f")
    if controls <= len(head) // 100:
        return Detected(ItemKind.TEXT, "text", "text file")
    return Detected(None, "binary", "unrecognised binary file")
