"""Whether what a file's content says it is fits the kind it is registered as: the one place of this rule.

Two witnesses are asked, each where it is known: the object's ``Content-Type`` (before any byte is read: a type of
another major kind refuses the unit; a generic type says nothing) and its first bytes (``media.sniff``, when it is
inspected). Both refusals read the same: ``Expected a video, got a file of type image/png`` (Encord's wording),
and carry ``details["reason"] == "wrong_kind"``, which tells a request registering a file as the wrong kind (the
request is wrong) from a file that cannot be read (the file is).
"""

from __future__ import annotations

from typing import Any

from cairn.domain.kinds import ItemKind
from cairn.errors import CairnError, MediaError

WRONG_KIND = "wrong_kind"

GENERIC_CONTENT_TYPES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/x-www-form-urlencoded"}
)
"""Content types that say nothing about what a file is (stores answer them for anything)."""

_MAJOR_TYPE = {ItemKind.VIDEO: "video", ItemKind.IMAGE: "image", ItemKind.AUDIO: "audio"}
_VIDEO_APPLICATION_TYPES = frozenset({"application/mp4", "application/x-matroska", "application/vnd.apple.mpegurl"})
_ARTICLES = {ItemKind.IMAGE: "an image", ItemKind.AUDIO: "an audio file", ItemKind.DICOM_FILE: "a DICOM file"}


def essence(content_type: str | None) -> str:
    """The media type without parameters, lower-cased: ``Image/PNG; q=1`` is ``image/png``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_generic(content_type: str | None) -> bool:
    """The type says nothing about the file (none, or one of ``GENERIC_CONTENT_TYPES``)."""
    return essence(content_type) in GENERIC_CONTENT_TYPES


def wrong_kind_message(expected: ItemKind, got: str) -> str:
    """``Expected a video, got a file of type {got}``: what a file of another kind than registered is told."""
    wanted = _ARTICLES.get(expected, f"a {expected.value.replace('_', ' ')}")
    return f"Expected {wanted}, got a file of type {got}"


def content_type_mismatch(kind: ItemKind, content_type: str | None) -> str | None:
    """Why an object served as ``content_type`` cannot be a ``kind`` (None when it can, or the type says nothing:
    only video, image and audio have a major type to check)."""
    major = _MAJOR_TYPE.get(kind)
    got = essence(content_type)
    if major is None or got in GENERIC_CONTENT_TYPES or got.startswith(f"{major}/"):
        return None
    if kind is ItemKind.VIDEO and got in _VIDEO_APPLICATION_TYPES:
        return None
    return wrong_kind_message(kind, got)


def wrong_kind_error(message: str, **details: Any) -> MediaError:
    """The error of a file of another kind than registered (``is_wrong_kind`` recognises it)."""
    return MediaError(message, details={"reason": WRONG_KIND, **details})


def is_wrong_kind(error: CairnError) -> bool:
    """``error`` refuses a file for being of another kind than registered (not for being unreadable)."""
    return error.details.get("reason") == WRONG_KIND
