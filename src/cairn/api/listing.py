"""Listing query parameters (filters, sort, keyset pagination) → the services' ``ItemQuery``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Query

from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ItemQuery, SortBy, listing_order, search_order
from cairn.errors import InvalidInput

MAX_METADATA_FILTERS = 20
MAX_METADATA_FILTER_CHARS = 1000


def _metadata_filters(pairs: list[str]) -> dict[str, str]:
    if len(pairs) > MAX_METADATA_FILTERS:
        raise InvalidInput(f"query/metadata: at most {MAX_METADATA_FILTERS} metadata filters, got {len(pairs)}")
    parsed: dict[str, str] = {}
    for pair in pairs:
        if len(pair) > MAX_METADATA_FILTER_CHARS:
            raise InvalidInput(
                f"query/metadata: a filter is at most {MAX_METADATA_FILTER_CHARS:,} characters, got {len(pair):,}"
            )
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"query/metadata: {pair[:100]!r} is not KEY=VALUE")
        parsed[key.strip()] = value
    return parsed


Order = Callable[[SortBy | None, bool | None], tuple[SortBy, bool]]


def _item_query(order: Order) -> Callable[..., ItemQuery]:
    """The dependency reading a listing's query parameters; ``order`` gives the sort when they leave it out."""

    def item_query(
        *,
        text: Annotated[str | None, Query(max_length=1000, description="Substring of the title or object URL.")] = None,
        kind: Annotated[list[ItemKind], Query(description="Only these kinds (repeat the parameter).")] = [],  # noqa: B006
        status: Annotated[list[ItemStatus], Query(description="Only these statuses (repeat).")] = [],  # noqa: B006
        in_dataset: Annotated[bool | None, Query(description="true: in some dataset; false: in none.")] = None,
        metadata: Annotated[list[str], Query(description="Client-metadata filter KEY=VALUE (repeat).")] = [],  # noqa: B006
        sort: Annotated[SortBy | None, Query(description="name or created (search: newest first).")] = None,
        desc: Annotated[bool | None, Query(description="Descending order (see sort for the default).")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=2000, description="next_cursor of the previous page.")] = None,
    ) -> ItemQuery:
        sort_by, descending = order(sort, desc)
        return ItemQuery(
            text=text or None,
            kinds=frozenset(kind),
            statuses=frozenset(status),
            in_dataset=in_dataset,
            metadata=_metadata_filters(metadata),
            sort=sort_by,
            descending=descending,
            limit=limit,
            cursor=cursor or None,
        )

    return item_query


ItemQueryDep = Annotated[ItemQuery, Depends(_item_query(listing_order))]
# Global search: newest first by default, the order that is fast for every text (docs/search.md).
SearchQueryDep = Annotated[ItemQuery, Depends(_item_query(search_order))]
