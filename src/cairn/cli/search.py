"""``cairn search``: the global search over every item you may see, whatever folder it is in."""

from typing import Annotated

import typer

from cairn.cli import arguments
from cairn.cli.listing import (
    DEFAULT_LIMIT,
    AllOpt,
    CursorOpt,
    KindOpt,
    LimitOpt,
    StatusOpt,
    collect,
    print_page,
)
from cairn.cli.session import session_of
from cairn.domain.listing import ItemQuery, SortBy, search_order


def search(
    ctx: typer.Context,
    *,
    text: Annotated[str | None, typer.Argument(metavar="[TEXT]", help="Text in the title or object URL.")] = None,
    kind: KindOpt = None,
    status: StatusOpt = None,
    folder: Annotated[
        str | None, typer.Option("--folder", "-f", metavar="FOLDER", help="Only this folder and its sub-folders.")
    ] = None,
    in_dataset: Annotated[
        bool | None,
        typer.Option("--in-dataset/--not-in-dataset", help="Only items in at least one dataset / in none."),
    ] = None,
    meta: Annotated[
        list[str] | None, typer.Option("--meta", metavar="KEY=VALUE", help="Client metadata equals (repeatable).")
    ] = None,
    sort: Annotated[
        SortBy | None, typer.Option("--sort", help="Order by title or by creation time (default: newest first).")
    ] = None,
    desc: Annotated[
        bool | None, typer.Option("--desc/--asc", help="Descending or ascending (default: newest first, A to Z).")
    ] = None,
    limit: LimitOpt = DEFAULT_LIMIT,
    cursor: CursorOpt = None,
    every_page: AllOpt = False,
) -> None:
    """Search every item you may see, newest first unless --sort says; filters combine with AND."""
    session = session_of(ctx)
    sort_by, descending = search_order(sort, desc)
    scope = arguments.folder(session, folder) if folder is not None else None
    query = ItemQuery(
        text=text or None,
        kinds=frozenset(kind or ()),
        statuses=frozenset(status or ()),
        folder_id=scope.id if scope else None,
        in_dataset=in_dataset,
        metadata=arguments.key_values(meta or [], where="--meta"),
        sort=sort_by,
        descending=descending,
        limit=limit,
        cursor=cursor,
    )
    registry, actor = session.registry(), session.actor()
    page = collect(lambda q: registry.items.search(actor=actor, query=q), query, every_page=every_page)
    print_page(session, page, title=f"Search {text!r}" if text else "Search")
