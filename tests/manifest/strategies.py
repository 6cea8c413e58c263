"""Hypothesis strategies for valid registration units and manifests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest import (
    AudioMetadata,
    ImageMetadata,
    MediaMetadata,
    PdfMetadata,
    TextMetadata,
    Unit,
    VideoMetadata,
)

EXTENSIONS = {
    ItemKind.VIDEO: ("mp4", "mov", "webm"),
    ItemKind.IMAGE: ("jpg", "png", "tiff"),
    ItemKind.AUDIO: ("mp3", "wav"),
    ItemKind.TEXT: ("txt", "json"),
    ItemKind.PDF: ("pdf",),
    ItemKind.NIFTI: ("nii.gz", "nii"),
    ItemKind.DICOM_FILE: ("dcm",),
}
SINGLE_KINDS = (ItemKind.VIDEO, ItemKind.IMAGE, ItemKind.AUDIO, ItemKind.TEXT, ItemKind.PDF, ItemKind.NIFTI)

# No whitespace (URLs may not have any), no control characters, no lone surrogates.
_URL_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="/?#\x85\xa0")
_segment = st.text(_URL_CHARS, min_size=1, max_size=8)
_TITLE_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
# Spreadsheet formula starts and text marks (CSV export quotes them and must read back the same).
_RISKY_STARTS = st.sampled_from(["=", "+", "-", "@", "'", "''", "'=", "'-"])
titles = (
    (st.text(_TITLE_CHARS, min_size=1, max_size=40) | st.builds(str.__add__, _RISKY_STARTS, st.text(_TITLE_CHARS)))
    .map(str.strip)
    .filter(bool)
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**62), 2**62)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
client_metadata = st.dictionaries(st.text(max_size=8), json_values, max_size=4)

_pos_float = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False)
_nonneg_float = st.floats(min_value=0, max_value=1e7, allow_nan=False)
_pos_int = st.integers(1, 10**6)
_nonneg_int = st.integers(0, 10**12)
_mime = st.sampled_from(["video/mp4", "image/png", "audio/wav", "text/plain", "application/pdf"])

MEDIA: dict[ItemKind, st.SearchStrategy[MediaMetadata]] = {
    ItemKind.VIDEO: st.builds(VideoMetadata, _pos_float, _nonneg_float, _pos_int, _pos_int, _nonneg_int, _mime),
    ItemKind.IMAGE: st.builds(ImageMetadata, _mime, _nonneg_int, _pos_int, _pos_int),
    ItemKind.AUDIO: st.builds(
        AudioMetadata, _nonneg_float, _nonneg_int, _mime, _pos_int, _pos_int, st.sampled_from(["mp3", "pcm"]), _pos_int
    ),
    ItemKind.TEXT: st.builds(TextMetadata, _nonneg_int, _mime),
    ItemKind.PDF: st.builds(PdfMetadata, _nonneg_int, _pos_int),
}


@st.composite
def urls(draw: st.DrawFn, kind: ItemKind | None = None) -> str:
    scheme = draw(st.sampled_from(["s3://bucket/", "https://h.example.com/p/", "gs://b/", "rel/", "", "-", "=", "@"]))
    parts = draw(st.lists(_segment, min_size=0, max_size=3))
    stem = draw(_segment)
    extension = "." + draw(st.sampled_from(EXTENSIONS[kind])) if kind is not None else ""
    return scheme + "/".join([*parts, stem + extension])


@st.composite
def single_units(draw: st.DrawFn, *, kinds: tuple[ItemKind, ...] = SINGLE_KINDS, metadata: bool = True) -> Unit:
    kind = draw(st.sampled_from(kinds))
    url = draw(urls(kind))
    title = draw(titles | st.just(""))
    meta = draw(client_metadata) if metadata else {}
    media = draw(st.none() | MEDIA[kind]) if metadata and kind in MEDIA else None
    return Unit(kind, title or _file_name(url), (url,), meta, media)


@st.composite
def composite_units(draw: st.DrawFn, *, metadata: bool = True) -> Unit:
    kind = draw(st.sampled_from([ItemKind.IMAGE_GROUP, ItemKind.IMAGE_SEQUENCE, ItemKind.DICOM_SERIES]))
    member = ItemKind.DICOM_FILE if kind is ItemKind.DICOM_SERIES else ItemKind.IMAGE
    members = draw(st.lists(urls(member), min_size=1, max_size=4))
    meta = draw(client_metadata) if metadata else {}
    return Unit(kind, draw(titles), tuple(members), meta)


def _file_name(url: str) -> str:
    from urllib.parse import unquote

    return unquote(url.rsplit("/", 1)[-1])


json_unit_lists = st.lists(single_units() | composite_units(), min_size=1, max_size=8)


@st.composite
def csv_unit_lists(draw: st.DrawFn) -> list[Unit]:
    """Units CSV can express: no metadata, kinds its headers or extensions say, one group per title."""
    units = draw(st.lists(single_units(metadata=False) | composite_units(metadata=False), min_size=1, max_size=8))
    seen: set[tuple[bool, str]] = set()
    kept = []
    for unit in units:
        key = (unit.kind is ItemKind.DICOM_SERIES, unit.title)
        if unit.kind.is_composite and key in seen:
            continue
        seen.add(key)
        kept.append(unit)
    return kept


def manifest_dict(units: list[Unit]) -> dict[str, Any]:
    from cairn.domain.manifest import unit_to_json
    from cairn.domain.manifest.export import _SECTION_OF

    doc: dict[str, Any] = {}
    for unit in units:
        doc.setdefault(_SECTION_OF[unit.kind], []).append(unit_to_json(unit))
    return doc
