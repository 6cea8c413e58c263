"""Names and titles: what a folder name or an item title may be."""

from __future__ import annotations

from typing import Any

from cairn.domain.sizes import (
    DEFAULT_MAX_CLIENT_METADATA_BYTES,
    MAX_CLIENT_METADATA_SETTING,
    oversized_client_metadata,
    too_large,
)
from cairn.errors import InvalidInput

MAX_NAME = 300
MAX_USER_NAME = 200  # users.name is VARCHAR(200)


def user_name(name: str) -> str:
    """A user's display name: at most 200 characters (may be empty), no control characters, no surrounding space.

    Checked before the database so that SQLite (which would store more) and PostgreSQL (which would fail with a
    database error, as it does on a NUL) answer the same located ``InvalidInput``.
    """
    cleaned = name.strip()
    if len(cleaned) > MAX_USER_NAME:
        raise InvalidInput(
            f"user name must be at most {MAX_USER_NAME} characters, got {len(cleaned)}",
            details={"field": "name", "limit": MAX_USER_NAME, "length": len(cleaned)},
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        raise InvalidInput("user name must not contain control characters", details={"field": "name"})
    return cleaned


def folder_name(name: str) -> str:
    """A folder name: 1 to 300 characters, no "/" (it separates path segments), no surrounding whitespace."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("folder name must not be empty")
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"folder name must be at most {MAX_NAME} characters, got {len(cleaned)}")
    if "/" in cleaned:
        raise InvalidInput(f"folder name {cleaned!r} must not contain '/'")
    if any(ord(ch) < 32 for ch in cleaned):
        raise InvalidInput(f"folder name {cleaned!r} must not contain control characters")
    return cleaned


def item_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned:
        raise InvalidInput("title must not be empty")
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"title must be at most {MAX_NAME} characters, got {len(cleaned)}")
    return cleaned


def dataset_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InvalidInput(f"dataset title must be 1 to {MAX_NAME} characters")
    return cleaned


def client_metadata(
    value: Any, *, where: str = "client_metadata", max_bytes: int | None = DEFAULT_MAX_CLIENT_METADATA_BYTES
) -> dict[str, Any]:
    """Client metadata is a JSON object (a dict with string keys) of at most ``max_bytes`` as compact UTF-8 JSON.

    ``max_bytes`` is ``Settings.max_client_metadata_bytes`` (services pass it); None skips the size check, for
    metadata already checked where it came in. Over the limit: ``TooLarge`` naming ``where``, the size and the
    setting.
    """
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidInput(f"{where} must be a JSON object, got {type(value).__name__}")
    size = None if max_bytes is None else oversized_client_metadata(value, max_bytes=max_bytes)
    if size is not None:
        assert max_bytes is not None
        raise too_large(where, location=where, size=size, limit=max_bytes, setting=MAX_CLIENT_METADATA_SETTING)
    return dict(value)


MAX_DESCRIPTION = 10_000


def description(text: str, *, where: str = "description") -> str:
    """A folder's or dataset's description: at most 10,000 characters (the API refuses more before this)."""
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"{where} must be at most {MAX_DESCRIPTION:,} characters, got {len(text):,}")
    return text


def split_path(path: str) -> list[str]:
    """'a/b/c' (leading/trailing slashes ignored) -> ['a', 'b', 'c']."""
    return [part for part in path.strip().strip("/").split("/") if part]
