"""Listing and search requests: filters, sort orders and opaque keyset cursors."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.errors import InvalidInput

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


class SortBy(StrEnum):
    NAME = "name"
    CREATED = "created"


def listing_order(sort: SortBy | None, desc: bool | None) -> tuple[SortBy, bool]:
    """A folder's or dataset's items: by name, A to Z, unless asked otherwise."""
    return sort or SortBy.NAME, bool(desc)


def search_order(sort: SortBy | None, desc: bool | None) -> tuple[SortBy, bool]:
    """Global search: newest first unless asked otherwise (by name, A to Z unless ``desc``). Newest first is fast
    for every text; by name is not for a text whose many matches all sort late (``docs/search.md``)."""
    sort = sort or SortBy.CREATED
    return sort, (sort is SortBy.CREATED) if desc is None else desc


@dataclass(frozen=True)
class ItemQuery:
    """What to list or search: every filter is optional and they combine with AND."""

    text: str | None = None  # substring of the title or the object URL, case-insensitive
    kinds: frozenset[ItemKind] = frozenset()
    statuses: frozenset[ItemStatus] = frozenset()
    folder_id: int | None = None  # only this folder...
    recursive: bool = True  # ...and, when true, its whole subtree
    in_dataset: bool | None = None  # True: in at least one dataset; False: in none
    dataset_id: int | None = None  # only the items of this dataset (explicit members, or its synced folder's)
    metadata: dict[str, str] = field(default_factory=dict)  # client-metadata key = value (as text)
    sort: SortBy = SortBy.NAME
    descending: bool = False
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None

    def __post_init__(self) -> None:
        # Accept plain strings from interfaces: "created", {"video"}, ...
        object.__setattr__(self, "sort", _parse(SortBy, self.sort, "sort"))
        object.__setattr__(self, "kinds", frozenset(_parse(ItemKind, k, "kind") for k in self.kinds))
        object.__setattr__(self, "statuses", frozenset(_parse(ItemStatus, s, "status") for s in self.statuses))
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"page size must be between 1 and {MAX_PAGE_SIZE}, got {self.limit}")
        if self.text is not None and len(self.text) > 1000:
            raise InvalidInput("search text must be at most 1000 characters")


def _parse(enum: Any, value: Any, what: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise InvalidInput(f"unknown {what} {value!r}: choose one of {choices}") from None


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page ended: the sort value and id of its last row."""

    sort: SortBy
    descending: bool
    value: Any
    id: int

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        raw = json.dumps([self.sort.value, self.descending, value, self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, *, sort: SortBy, descending: bool) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            sort_name, desc, value, last_id = json.loads(raw)
            parsed = cls(SortBy(sort_name), bool(desc), value, int(last_id))
        except (ValueError, TypeError) as err:
            raise InvalidInput(f"cursor {token[:40]!r} is not a cursor cairn issued") from err
        if parsed.sort != sort or parsed.descending != descending:
            raise InvalidInput("cursor was issued for another sort order; start again without a cursor")
        if sort is SortBy.CREATED:
            return cls(sort, descending, datetime.fromisoformat(str(value)), parsed.id)
        return parsed
