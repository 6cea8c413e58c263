"""One entry of a JSON manifest array (``/videos/3``, ``/image_groups/0`` ...) -> a registration unit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest._files import default_title, url_problem
from cairn.domain.manifest._keys import Entry, index_keys, json_type_name, key_layout, pointer_token
from cairn.domain.manifest._locations import LIST_MEMBER, member_code
from cairn.domain.manifest._media import MEDIA_SPECS, METADATA_KEYS, parse_media, quick_media
from cairn.domain.manifest._problems import ProblemLog
from cairn.domain.manifest.model import ManifestLimits, MediaMetadata, Unit
from cairn.domain.sizes import MAX_CLIENT_METADATA_SETTING, oversized_client_metadata, too_large_message

_MEMBER_KEY = re.compile(r"object_url_(.*)", re.DOTALL)
_MOST_BYTES_PER_CHAR = 5
"""Compact UTF-8 JSON of a value takes at most 5 bytes per character it was written with: a character of a string
takes 1-4 bytes, an escape no more than it did, a number written with an exponent at most 4.5 times its length
(``1e15`` is ``1000000000000000.0``), spacing nothing. So an entry written in ``chars`` characters has client
metadata of at most ``5 * chars`` bytes, and measuring it is only needed above a fifth of the limit."""
_SILENTLY_IGNORED = frozenset({"external_file_type", "cluster_by_resolution"})


@dataclass(frozen=True)
class Section:
    """A top-level array of a JSON manifest: the kind of its entries and how composites list their members."""

    key: str
    kind: ItemKind | None = None
    list_key: str | None = None

    @property
    def composite(self) -> bool:
        return self.list_key is not None


SECTIONS: dict[str, Section] = {
    "videos": Section("videos", ItemKind.VIDEO),
    "images": Section("images", ItemKind.IMAGE),
    "image_groups": Section("image_groups", None, "images"),
    "dicom_series": Section("dicom_series", ItemKind.DICOM_SERIES, "dicomFiles"),
    "audio": Section("audio", ItemKind.AUDIO),
    "text": Section("text", ItemKind.TEXT),
    "pdf": Section("pdf", ItemKind.PDF),
    "pdfs": Section("pdf", ItemKind.PDF),
    "nifti": Section("nifti", ItemKind.NIFTI),
}


@dataclass(frozen=True)
class ParsedUnit:
    """A unit with a compact location code per URL (for reporting duplicate URLs)."""

    unit: Unit
    url_codes: tuple[int, ...]


@dataclass
class _Item:
    """What is being read of one entry."""

    index: dict[str, Entry]
    pointer: str
    log: ProblemLog
    limits: ManifestLimits
    written_chars: int | None = None

    def at(self, key: str) -> str:
        return f"{self.pointer}/{pointer_token(key)}"

    def pop(self, name: str) -> Entry | None:
        entry = self.index.pop(name, None)
        return None if entry is None or entry.value is None else entry


def parse_item(
    raw: Any,
    *,
    section: Section,
    pointer: str,
    base_code: int,
    log: ProblemLog,
    limits: ManifestLimits,
    written_chars: int | None = None,
) -> ParsedUnit | None:
    """Read one array entry; log every problem; None when there is any. ``written_chars``: the entry's length as
    written in the file, when known (it bounds the size of its client metadata, see ``_client_metadata``)."""
    if not isinstance(raw, dict):
        log.error(pointer, f"each entry of {section.key!r} must be a JSON object, got {json_type_name(raw)}")
        return None
    if section.kind is not None and not section.composite:
        quick = _quick_single(
            raw, kind=section.kind, pointer=pointer, base_code=base_code, limits=limits, written_chars=written_chars
        )
        if quick is not None:
            return quick
    index, clashes = index_keys(raw)
    before = log.error_count
    for first, second in clashes:
        where = f"{pointer}/{pointer_token(second)}"
        log.error(
            where,
            f"the key {second!r} is given twice" + ("" if first == second else f" (also as {first!r})"),
            field=second,
        )
    item = _Item(index, pointer, log, limits, written_chars)
    parsed = _composite(item, section, base_code) if section.composite else _single(item, section, base_code)
    return parsed if log.error_count == before else None


def _quick_single(
    raw: dict[str, Any],
    *,
    kind: ItemKind,
    pointer: str,
    base_code: int,
    limits: ManifestLimits,
    written_chars: int | None,
) -> ParsedUnit | None:
    """The unit of the common single-file entry (``objectUrl``, and any of ``title``, ``clientMetadata`` and the
    kind's metadata object, each once, all valid), made without the general path's bookkeeping; None: the general
    path (``_single``) reads the entry, and words any problem. Both make the same unit of the same entry."""
    layout = None if getattr(raw, "repeated", None) else _single_layout(tuple(raw), kind)
    if layout is None:
        return None
    url_at, title_at, metadata_at, media_at = layout
    url = raw[url_at]
    if type(url) is not str or url_problem(url, max_bytes=limits.max_url_bytes) is not None:
        return None
    title = raw[title_at] if title_at is not None else None
    if title is not None:
        if type(title) is not str:
            return None
        title = title.strip()
        if len(title) > limits.max_title_chars:
            return None
    metadata = raw[metadata_at] if metadata_at is not None else None
    if metadata is not None:
        fits = written_chars is not None and written_chars * _MOST_BYTES_PER_CHAR <= limits.max_client_metadata_bytes
        if not isinstance(metadata, dict) or not fits:
            return None
    media = raw[media_at] if media_at is not None else None
    if media is not None:
        media = quick_media(media, kind) if isinstance(media, dict) else None
        if media is None:
            return None
    title = title or default_title(url)
    if len(title) > limits.max_title_chars:
        return None
    unit = Unit(kind, title, (url,), dict(metadata) if metadata is not None else {}, media, pointer)
    return ParsedUnit(unit, (base_code,))


_SINGLE_KEYS = frozenset({"object_url", "title", "client_metadata"})


@lru_cache(maxsize=256)
def _single_layout(keys: tuple[str, ...], kind: ItemKind) -> tuple[str, str | None, str | None, str | None] | None:
    """Where (the key as written) an entry written with these keys gives its URL, title, client metadata and media
    metadata; None when a spelling repeats, the URL is missing, or any other key is given."""
    names, clashes = key_layout(keys)
    found = dict(names)
    allowed = _SINGLE_KEYS | {f"{kind}_metadata"}
    if clashes or "object_url" not in found or any(name not in allowed for name in found):
        return None
    return found["object_url"], found.get("title"), found.get("client_metadata"), found.get(f"{kind}_metadata")


def _single(item: _Item, section: Section, base_code: int) -> ParsedUnit | None:
    assert section.kind is not None
    url = _url(item, item.pop("object_url"), "objectUrl")
    title = _title(item, required=False)
    metadata = _client_metadata(item)
    media = _media(item, section.kind)
    _leftover_keys(item)
    if url is None or title is None or metadata is None:
        return None
    title = title or _default_title(item, url, "objectUrl")
    unit = Unit(section.kind, title, (url,), metadata, media, item.pointer)
    return ParsedUnit(unit, (base_code,))


def _composite(item: _Item, section: Section, base_code: int) -> ParsedUnit | None:
    kind = _group_kind(item) if section.kind is None else section.kind
    title = _title(item, required=True)
    metadata = _client_metadata(item)
    members = _members(item, section)
    _leftover_keys(item)
    if kind is None or not title or metadata is None or members is None:
        return None
    urls = tuple(url for _, url in members)
    unit = Unit(kind, title, urls, metadata, None, item.pointer)
    return ParsedUnit(unit, tuple(base_code | code for code, _ in members))


def _url(item: _Item, entry: Entry | None, name: str) -> str | None:
    if entry is None:
        item.log.error(item.pointer, f"{name} is required", field=name)
        return None
    if not isinstance(entry.value, str):
        item.log.error(
            item.at(entry.key), f"{entry.key} must be a string, got {json_type_name(entry.value)}", field=entry.key
        )
        return None
    why = url_problem(entry.value, max_bytes=item.limits.max_url_bytes)
    if why is not None:
        item.log.error(item.at(entry.key), why, field=entry.key)
        return None
    return entry.value


def _title(item: _Item, *, required: bool) -> str | None:
    """The stripped title; '' when absent and optional; None on a problem."""
    entry = item.pop("title")
    if entry is None or (isinstance(entry.value, str) and not entry.value.strip()):
        if required:
            item.log.error(
                item.pointer, "title is required for image groups, image sequences and DICOM series", field="title"
            )
            return None
        return ""
    if not isinstance(entry.value, str):
        item.log.error(
            item.at(entry.key), f"title must be a string, got {json_type_name(entry.value)}", field=entry.key
        )
        return None
    title = entry.value.strip()
    limit = item.limits.max_title_chars
    if len(title) > limit:
        item.log.error(
            item.at(entry.key), f"title is {len(title)} characters long; the limit is {limit}", field=entry.key
        )
        return None
    return title


def _default_title(item: _Item, url: str, url_key: str) -> str:
    title = default_title(url)
    limit = item.limits.max_title_chars
    if len(title) > limit:
        item.log.error(
            item.at(url_key),
            f"the file name is {len(title)} characters long, more than the {limit} allowed for a title; give a title",
            field="title",
        )
    return title


def _client_metadata(item: _Item) -> dict[str, Any] | None:
    entry = item.pop("client_metadata")
    if entry is None:
        return {}
    if not isinstance(entry.value, dict):
        item.log.error(
            item.at(entry.key),
            f"clientMetadata must be a JSON object, got {json_type_name(entry.value)}",
            field=entry.key,
        )
        return None
    limit = item.limits.max_client_metadata_bytes
    if item.written_chars is not None and item.written_chars * _MOST_BYTES_PER_CHAR <= limit:
        return dict(entry.value)
    size = oversized_client_metadata(entry.value, max_bytes=limit)
    if size is not None:
        message = too_large_message(entry.key, size=size, limit=limit, setting=MAX_CLIENT_METADATA_SETTING)
        item.log.error(item.at(entry.key), message, field=entry.key)
        return None
    return dict(entry.value)


def _media(item: _Item, kind: ItemKind) -> MediaMetadata | None:
    media: MediaMetadata | None = None
    for name in sorted(METADATA_KEYS & item.index.keys()):
        entry = item.pop(name)
        if entry is None:
            continue
        if name != f"{kind}_metadata":
            wanted = MEDIA_SPECS[kind].key if kind in MEDIA_SPECS else "none"
            item.log.error(
                item.at(entry.key), f"{entry.key} does not apply to {kind} files (they take {wanted})", field=entry.key
            )
            continue
        media = parse_media(entry.value, kind=kind, pointer=item.at(entry.key), log=item.log)
    return media


def _group_kind(item: _Item) -> ItemKind | None:
    entry = item.pop("create_video")
    if entry is None:
        return ItemKind.IMAGE_GROUP
    if not isinstance(entry.value, bool):
        item.log.error(
            item.at(entry.key), f"createVideo must be true or false, got {json_type_name(entry.value)}", field=entry.key
        )
        return None
    return ItemKind.IMAGE_SEQUENCE if entry.value else ItemKind.IMAGE_GROUP


def _members(item: _Item, section: Section) -> list[tuple[int, str]] | None:
    """(location code, URL) of each member in order, from ``objectUrl_N`` keys or from the list form."""
    assert section.list_key is not None
    numbered = _numbered_members(item)
    listed = _listed_members(item, section.list_key)
    if numbered is None or listed is None:
        return None
    if numbered and listed:
        item.log.error(
            item.pointer, f"give the members either as objectUrl_N keys or as a {section.list_key!r} list, not both"
        )
        return None
    members = numbered or listed
    if not members:
        item.log.error(item.pointer, "has no URLs: give objectUrl_0, objectUrl_1, ... (in order)", field="objectUrl_0")
        return None
    return members


def _numbered_members(item: _Item) -> list[tuple[int, str]] | None:
    found: dict[int, tuple[int, str]] = {}
    ok = True
    if "object_url" in item.index:
        entry = item.index.pop("object_url")
        item.log.error(
            item.at(entry.key),
            f"{entry.key} without a number: members are objectUrl_0, objectUrl_1, ...",
            field=entry.key,
        )
        ok = False
    for name in [n for n in item.index if _MEMBER_KEY.fullmatch(n)]:
        entry = item.index.pop(name)
        suffix = _MEMBER_KEY.fullmatch(name).group(1)  # type: ignore[union-attr]
        position = _position(item, entry, suffix, found)
        url = _url(item, Entry(entry.key, entry.value), entry.key)
        if position is None or url is None:
            ok = False
            continue
        found[position] = (member_code(position), url)
    return [found[p] for p in sorted(found)] if ok else None


def _position(item: _Item, entry: Entry, suffix: str, found: dict[int, tuple[int, str]]) -> int | None:
    if not (suffix.isascii() and suffix.isdigit()):
        item.log.error(
            item.at(entry.key),
            f"{entry.key!r}: the part after 'objectUrl_' must be a whole number (its position)",
            field=entry.key,
        )
        return None
    position = int(suffix)
    if position in found:
        item.log.error(item.at(entry.key), f"{entry.key!r} repeats position {position}", field=entry.key)
        return None
    return position


def _listed_members(item: _Item, list_key: str) -> list[tuple[int, str]] | None:
    entry = item.pop(_snake_list_key(list_key))
    if entry is None:
        return []
    if not isinstance(entry.value, list):
        item.log.error(
            item.at(entry.key), f"{entry.key} must be an array, got {json_type_name(entry.value)}", field=entry.key
        )
        return None
    members: list[tuple[int, str]] = []
    for position, member in enumerate(entry.value):
        url = _listed_url(item, f"{item.at(entry.key)}/{position}", member)
        if url is not None:
            members.append((LIST_MEMBER | member_code(position), url))
    return members if len(members) == len(entry.value) else None


def _listed_url(item: _Item, pointer: str, member: Any) -> str | None:
    if not isinstance(member, dict):
        item.log.error(pointer, f"each member must be a JSON object with a url, got {json_type_name(member)}")
        return None
    index, _ = index_keys(member)
    url_entry = index.pop("url", None) or index.pop("object_url", None)
    sub = _Item(index, pointer, item.log, item.limits)
    url = _url(sub, url_entry, "url")
    if index:
        item.log.warn(
            pointer,
            f"member keys {sorted(e.key for e in index.values())} are ignored (cairn keeps the "
            "URL of each member only)",
        )
    return url


def _snake_list_key(list_key: str) -> str:
    return "dicom_files" if list_key == "dicomFiles" else list_key


def _leftover_keys(item: _Item) -> None:
    for name, entry in item.index.items():
        if name in _SILENTLY_IGNORED or entry.value is None:
            continue
        if name == "placeholder_item_uuid":
            item.log.warn(
                item.at(entry.key), "placeholderItemUuid is for Encord's own uploads; cairn ignores it", field=entry.key
            )
            continue
        item.log.warn(item.at(entry.key), f"unknown key {entry.key!r} is ignored", field=entry.key)
