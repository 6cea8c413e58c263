"""Size limits: how an input's size is measured and how a refusal says what, where, how large and which setting.

Sizes are bytes. Client metadata is measured as compact UTF-8 JSON (``{"k":"v"}``), the smallest form a client
can send it in, so the same object measures the same whatever the spacing or escaping it came with.
"""

from __future__ import annotations

import json
from typing import Any

from cairn.errors import TooLarge

MAX_CLIENT_METADATA_SETTING = "CAIRN_MAX_CLIENT_METADATA_BYTES"
DEFAULT_MAX_CLIENT_METADATA_BYTES = 10_000_000
"""Encord's limit on the custom metadata of one item; ``Settings.max_client_metadata_bytes`` overrides it."""


def json_size(value: Any) -> int:
    """The size in bytes of ``value`` as compact UTF-8 JSON."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8", "replace"))


def show_bytes(size: int) -> str:
    """A size for people: exact bytes below 10 MB ('1,001 bytes'), else MB/GB with one decimal ('12.3 MB')."""
    if size < 10_000_000:
        return f"{size:,} bytes"
    if size < 10_000_000_000:
        return f"{size / 1_000_000:,.1f} MB"
    return f"{size / 1_000_000_000:,.1f} GB"


def too_large_message(what: str, *, size: int, limit: int, setting: str, at_least: bool = False) -> str:
    """'client_metadata of item 'x' is 12.3 MB; the limit is 10.0 MB (CAIRN_MAX_CLIENT_METADATA_BYTES)'."""
    measured = f"more than {show_bytes(limit)}" if at_least else show_bytes(size)
    return f"{what} is {measured}; the limit is {show_bytes(limit)} ({setting})"


def too_large(what: str, *, location: str, size: int, limit: int, setting: str, at_least: bool = False) -> TooLarge:
    """The located error for an input over a limit (``size`` is a lower bound when ``at_least``)."""
    return TooLarge(
        too_large_message(what, size=size, limit=limit, setting=setting, at_least=at_least),
        details={"location": location, "size": size, "limit": limit, "setting": setting},
    )


def oversized_client_metadata(value: dict[str, Any], *, max_bytes: int) -> int | None:
    """The size of client metadata over ``max_bytes``; None when it fits."""
    size = json_size(value)
    return size if size > max_bytes else None
