"""Names and titles: what a folder name or an item title may be."""

from __future__ import annotations

from typing import Any

from cairn.errors import InvalidInput

MAX_NAME = 300


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


def client_metadata(value: Any, *, where: str = "client metadata") -> dict[str, Any]:
    """Client metadata is a JSON object (a dict with string keys)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidInput(f"{where} must be a JSON object, got {type(value).__name__}")
    return dict(value)


def split_path(path: str) -> list[str]:
    """'a/b/c' (leading/trailing slashes ignored) -> ['a', 'b', 'c']."""
    return [part for part in path.strip().strip("/").split("/") if part]
