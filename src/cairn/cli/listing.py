"""What item listings share (``items list``, ``datasets items``, ``search``): filter options, pages, tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.output import human_size, note, print_json, table
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ItemQuery, SortBy

if TYPE_CHECKING:
    from rich.table import Table

    from cairn.cli.session import Session
    from cairn.domain.records import Item, Page

    FetchPage = Callable[[ItemQuery], Page[Item]]

KindOpt = Annotated[list[ItemKind] | None, typer.Option("--kind", "-k", help="Only this kind (repeatable).")]
StatusOpt = Annotated[list[ItemStatus] | None, typer.Option("--status", help="Only this status (repeatable).")]
SortOpt = Annotated[SortBy, typer.Option("--sort", help="Order by title or by creation time.")]
DescOpt = Annotated[bool, typer.Option("--desc", help="Reverse the order.")]
LimitOpt = Annotated[
    int, typer.Option("--limit", "-n", min=1, max=MAX_PAGE_SIZE, help="Items per page.", show_default=True)
]
CursorOpt = Annotated[str | None, typer.Option("--cursor", help="Continue after a previous page (its next_cursor).")]
AllOpt = Annotated[bool, typer.Option("--all", help="Fetch every page, not just the first.")]

DEFAULT_LIMIT = DEFAULT_PAGE_SIZE


def collect(fetch: FetchPage, query: ItemQuery, *, every_page: bool) -> Page[Item]:
    """One page, or with ``every_page`` all pages joined (the returned page then has no next cursor)."""
    page = fetch(query)
    if not every_page:
        return page
    from cairn.domain.records import Page  # noqa: PLC0415 - the records are imported by the commands that run

    items = list(page.items)
    while page.next_cursor is not None:
        page = fetch(replace(query, cursor=page.next_cursor))
        items.extend(page.items)
    return Page(items=items, next_cursor=None)


def print_page(session: Session, page: Page[Item], *, title: str) -> None:
    """``{"items": [...], "next_cursor": ...}`` with ``--json``; a table and a "more" hint otherwise."""
    if session.json_output:
        print_json(session, {"items": page.items, "next_cursor": page.next_cursor})
        return
    if not page.items:
        note(session, "No items.")
        return
    session.out.print(items_table(title, page.items))
    if page.next_cursor:
        note(session, f"More items: add --cursor {page.next_cursor} (or --all).")


def items_table(title: str | None, items: Sequence[Item]) -> Table:
    rows = [
        (item.id, item.title, item.kind, item.status, human_size(item.media.file_size), shape(item), item.created_at)
        for item in items
    ]
    return table(title, ["id", "title", "kind", "status", "size", "shape", "created"], rows)


def shape(item: Item) -> str:
    """The most telling media facts in a few characters: ``1920x1080``, ``1920x1080 30fps 12.5s``."""
    media = item.media
    parts: list[str] = []
    if media.width and media.height:
        parts.append(f"{media.width}x{media.height}")
    if media.fps:
        parts.append(f"{media.fps:g}fps")
    if media.duration:
        parts.append(f"{media.duration:g}s")
    if media.page_count:
        parts.append(f"{media.page_count} pages")
    return " ".join(parts)
