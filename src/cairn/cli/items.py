"""``cairn items``: list a folder's files, show one, rename, set metadata, move, delete."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from cairn.cli import arguments
from cairn.cli.listing import (
    DEFAULT_LIMIT,
    AllOpt,
    CursorOpt,
    DescOpt,
    KindOpt,
    LimitOpt,
    SortOpt,
    StatusOpt,
    collect,
    items_table,
    print_page,
    shape,
)
from cairn.cli.output import fields_table, human_size, print_json, say, table
from cairn.cli.session import Session, session_of
from cairn.domain.listing import ItemQuery, SortBy

if TYPE_CHECKING:
    from cairn.domain.records import Dataset, Item, MediaFields

app = typer.Typer(help="Items: the files registered in folders.", no_args_is_help=True)

ItemArg = Annotated[int, typer.Argument(metavar="ID", help="Item id.")]
ItemsArg = Annotated[list[int], typer.Argument(metavar="ID...", help="Item ids.")]


@app.command("list")
def list_items(
    ctx: typer.Context,
    *,
    folder: Annotated[str, typer.Argument(metavar="FOLDER", help="Folder path (Cars/front) or id (id:12).")],
    kind: KindOpt = None,
    status: StatusOpt = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in the title or object URL.")] = None,
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="Include the sub-folders' items.")] = False,
    sort: SortOpt = SortBy.NAME,
    desc: DescOpt = False,
    limit: LimitOpt = DEFAULT_LIMIT,
    cursor: CursorOpt = None,
    every_page: AllOpt = False,
) -> None:
    """List the items in a folder (not its sub-folders unless --recursive), a page at a time."""
    session = session_of(ctx)
    target = arguments.folder(session, folder)
    query = ItemQuery(
        text=search or None,
        kinds=frozenset(kind or ()),
        statuses=frozenset(status or ()),
        folder_id=target.id,
        recursive=recursive,
        sort=sort,
        descending=desc,
        limit=limit,
        cursor=cursor,
    )
    registry, actor = session.registry(), session.actor()
    page = collect(lambda q: registry.items.browse(actor=actor, query=q), query, every_page=every_page)
    print_page(session, page, title=f"Items in {arguments.path_of(session, target.id)} (id:{target.id})")


@app.command()
def show(ctx: typer.Context, item_id: ItemArg) -> None:
    """Show every field of an item, the members of a composite, and the datasets it is linked to."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    item = registry.items.get(actor=actor, item_id=item_id)
    details: dict[str, Any] = {
        "item": item,
        "folder": arguments.path_of(session, item.folder_id),
        "members": registry.items.members(actor=actor, item_id=item.id) if item.kind.is_composite else [],
        "used_in": registry.items.used_by(actor=actor, item_id=item.id),
        "linked_to": registry.items.linked_to(actor=actor, item_id=item.id),
    }
    if session.json_output:
        print_json(session, details)
        return
    _print_item(session, details)


def _print_item(session: Session, details: dict[str, Any]) -> None:
    item: Item = details["item"]
    session.out.print(fields_table(_item_fields(item, details["folder"], arguments.email_of(session, item.owner_id))))
    if item.kind.is_composite:
        session.out.print(items_table(f"Members ({len(details['members'])})", details["members"]))
    if details["used_in"]:
        session.out.print(items_table("Part of", details["used_in"]))
    linked: list[Dataset] = details["linked_to"]
    if not linked:
        session.out.print("Linked to no dataset.")
        return
    rows = [(d.id, d.title, "synced" if d.is_synced else "plain") for d in linked]
    session.out.print(table(f"Linked to ({len(linked)} dataset(s))", ["id", "title", "type"], rows))


def _item_fields(item: "Item", folder: str, owner: str) -> list[tuple[str, object]]:
    return [
        ("id", item.id),
        ("title", item.title),
        ("kind", item.kind),
        ("status", item.status),
        ("status reason", item.status_reason),
        ("pending action", item.pending_action),
        ("folder", folder),
        ("object URL", item.object_url),
        ("managed key", item.managed_key),
        ("integration", item.integration_id),
        ("size", human_size(item.media.file_size)),
        ("shape", shape(item)),
        *_media_fields(item.media),
        ("metadata", item.client_metadata),
        ("owner", owner),
        ("created", item.created_at),
        ("edited", item.edited_at),
    ]


def _media_fields(media: "MediaFields") -> list[tuple[str, object]]:
    shown_elsewhere = {"file_size"}
    return [
        (name.replace("_", " "), value) for name, value in media.as_columns().items() if name not in shown_elsewhere
    ]


@app.command()
def rename(
    ctx: typer.Context, item_id: ItemArg, title: Annotated[str, typer.Argument(help="The item's new title.")]
) -> None:
    """Change an item's title."""
    session = session_of(ctx)
    item = session.registry().items.update(actor=session.actor(), item_id=item_id, title=title)
    _done(session, item, f"Renamed item {item.id} to {item.title!r}.")


@app.command()
def metadata(
    ctx: typer.Context,
    item_id: ItemArg,
    json_text: Annotated[str, typer.Argument(metavar="JSON", help="Client metadata: a JSON object or @file.json.")],
) -> None:
    """Replace an item's client metadata with a JSON object ('{}' clears it)."""
    session = session_of(ctx)
    value = arguments.json_object(json_text, where="metadata")
    item = session.registry().items.update(actor=session.actor(), item_id=item_id, client_metadata=value)
    _done(session, item, f"Set the metadata of item {item.id} ({len(item.client_metadata)} key(s)).")


@app.command()
def move(
    ctx: typer.Context,
    item_ids: ItemsArg,
    to: Annotated[str, typer.Option("--to", metavar="FOLDER", help="Folder to move the items into.")],
) -> None:
    """Move items into another folder (leaving a synced folder removes them from its dataset)."""
    session = session_of(ctx)
    target = arguments.folder(session, to)
    moved = session.registry().items.move(actor=session.actor(), item_ids=item_ids, target_folder_id=target.id)
    if session.json_output:
        print_json(session, moved)
        return
    say(session, f"Moved {len(moved)} item(s) to {arguments.path_of(session, target.id)!r}.")


@app.command()
def delete(
    ctx: typer.Context,
    item_ids: ItemsArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    keep_members: Annotated[
        bool, typer.Option("--keep-members", help="Deleting a composite keeps its member files.")
    ] = False,
) -> None:
    """Delete items: they leave every dataset (the files in your bucket are untouched)."""
    session = session_of(ctx)
    if not yes:
        typer.confirm(f"Delete {len(set(item_ids))} item(s)? They leave every dataset.", abort=True, err=True)
    deleted = session.registry().items.delete(
        actor=session.actor(), item_ids=item_ids, remove_unused_members=not keep_members
    )
    if session.json_output:
        print_json(session, {"deleted": deleted})
        return
    say(session, f"Deleted {deleted} item(s).")


def _done(session: Session, item: "Item", message: str) -> None:
    if session.json_output:
        print_json(session, item)
    else:
        say(session, message)
