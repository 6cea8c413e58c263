"""``cairn datasets``: collections of items (plain, synced to a folder, or mirrored with their own folder)."""

from typing import TYPE_CHECKING, Annotated

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
    print_page,
)
from cairn.cli.output import fields_table, print_json, say, table
from cairn.cli.session import Session, session_of
from cairn.domain.listing import ItemQuery, SortBy
from cairn.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from cairn.domain.records import Dataset

app = typer.Typer(help="Datasets: collections of items that reference files, never copy them.", no_args_is_help=True)

DatasetArg = Annotated[int, typer.Argument(metavar="ID", help="Dataset id.")]
ItemsArg = Annotated[list[int], typer.Argument(metavar="ITEM...", help="Item ids.")]
FolderOpt = Annotated[str | None, typer.Option(metavar="FOLDER", help="Folder path (Cars/front) or id (id:12).")]


@app.command()
def create(
    ctx: typer.Context,
    *,
    title: Annotated[str, typer.Argument(help="The dataset's title.")],
    description: Annotated[str, typer.Option("--description", "-d", help="What the dataset is for.")] = "",
    synced_folder: Annotated[
        str | None, typer.Option("--synced-folder", metavar="FOLDER", help="Hold exactly this folder's files.")
    ] = None,
    mirrored: Annotated[bool, typer.Option("--mirrored", help="Create a new backing folder kept in sync.")] = False,
    parent: Annotated[
        str | None, typer.Option("--parent", metavar="FOLDER", help="Where a mirrored dataset's folder goes.")
    ] = None,
) -> None:
    """Create a dataset: plain, synced to an existing folder, or mirrored (with a new folder of its own)."""
    session = session_of(ctx)
    if synced_folder is not None and mirrored:
        raise typer.BadParameter("choose either --synced-folder or --mirrored", param_hint="--synced-folder")
    if parent is not None and not mirrored:
        raise typer.BadParameter("--parent only applies to --mirrored datasets", param_hint="--parent")
    synced = arguments.folder(session, synced_folder) if synced_folder is not None else None
    mirror_parent = arguments.folder_or_top(session, parent)
    dataset = session.registry().datasets.create(
        actor=session.actor(),
        title=title,
        description=description,
        synced_folder_id=synced.id if synced else None,
        mirrored=mirrored,
        mirror_parent_id=mirror_parent.id if mirror_parent else None,
    )
    _done(session, dataset, f"Created dataset {dataset.title!r} (id {dataset.id}, {_kind(dataset)}).")


@app.command("list")
def list_datasets(ctx: typer.Context) -> None:
    """List every dataset, with its type, synced folder and number of items."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    datasets = registry.datasets.all(actor=actor)
    if session.json_output:
        print_json(session, datasets)
        return
    owners = registry.datasets.owners(actor=actor)
    rows = [
        (
            d.id,
            d.title,
            _kind(d),
            _synced_label(session, d),
            registry.datasets.count_items(actor=actor, dataset_id=d.id),
            owners.get(d.owner_id or 0, ""),
            d.created_at,
        )
        for d in datasets
    ]
    session.out.print(table("Datasets", ["id", "title", "type", "synced folder", "items", "owner", "created"], rows))


@app.command()
def show(ctx: typer.Context, dataset_id: DatasetArg) -> None:
    """Show a dataset: title, description, type, synced folder, number of items."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    dataset = registry.datasets.get(actor=actor, dataset_id=dataset_id)
    count = registry.datasets.count_items(actor=actor, dataset_id=dataset.id)
    folder = _synced_label(session, dataset)
    if session.json_output:
        print_json(session, {"dataset": dataset, "item_count": count, "synced_folder": folder or None})
        return
    fields = [
        ("id", dataset.id),
        ("title", dataset.title),
        ("description", dataset.description),
        ("type", _kind(dataset)),
        ("synced folder", folder),
        ("items", count),
        ("owner", arguments.email_of(session, dataset.owner_id)),
        ("created", dataset.created_at),
        ("edited", dataset.edited_at),
    ]
    session.out.print(fields_table(fields))


@app.command()
def items(
    ctx: typer.Context,
    *,
    dataset_id: DatasetArg,
    kind: KindOpt = None,
    status: StatusOpt = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in the title or object URL.")] = None,
    sort: SortOpt = SortBy.NAME,
    desc: DescOpt = False,
    limit: LimitOpt = DEFAULT_LIMIT,
    cursor: CursorOpt = None,
    every_page: AllOpt = False,
) -> None:
    """List the items of a dataset that you may see, a page at a time."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    dataset = registry.datasets.get(actor=actor, dataset_id=dataset_id)
    query = ItemQuery(
        text=search or None,
        kinds=frozenset(kind or ()),
        statuses=frozenset(status or ()),
        sort=sort,
        descending=desc,
        limit=limit,
        cursor=cursor,
    )
    page = collect(
        lambda q: registry.datasets.items(actor=actor, dataset_id=dataset.id, query=q), query, every_page=every_page
    )
    print_page(session, page, title=f"Items of {dataset.title}")


@app.command()
def add(ctx: typer.Context, dataset_id: DatasetArg, item_ids: ItemsArg) -> None:
    """Add items to a dataset (for a synced dataset, the items move into its folder)."""
    session = session_of(ctx)
    added = session.registry().datasets.add_items(actor=session.actor(), dataset_id=dataset_id, item_ids=item_ids)
    _count(session, {"added": added}, f"Added {added} item(s) to dataset {dataset_id}.")


@app.command()
def remove(ctx: typer.Context, dataset_id: DatasetArg, item_ids: ItemsArg) -> None:
    """Remove items from a plain dataset (the files stay in their folders)."""
    session = session_of(ctx)
    removed = session.registry().datasets.remove_items(actor=session.actor(), dataset_id=dataset_id, item_ids=item_ids)
    _count(session, {"removed": removed}, f"Removed {removed} item(s) from dataset {dataset_id}.")


@app.command("linked-to")
def linked_to(ctx: typer.Context, item_id: Annotated[int, typer.Argument(metavar="ITEM", help="Item id.")]) -> None:
    """The datasets an item is in (explicitly, or through the folder a dataset is synced to)."""
    session = session_of(ctx)
    datasets = session.registry().items.linked_to(actor=session.actor(), item_id=item_id)
    if session.json_output:
        print_json(session, datasets)
        return
    rows = [(d.id, d.title, _kind(d), _synced_label(session, d)) for d in datasets]
    session.out.print(table(f"Item {item_id} is linked to", ["id", "title", "type", "synced folder"], rows))


@app.command()
def sync(
    ctx: typer.Context,
    dataset_id: DatasetArg,
    folder: Annotated[str | None, typer.Argument(metavar="[FOLDER]", help="Folder to sync the dataset to.")] = None,
    none: Annotated[bool, typer.Option("--none", help="Unsync: keep the current files as plain members.")] = False,
) -> None:
    """Sync a dataset to a folder (it then holds exactly that folder's files), or unsync it with --none."""
    session = session_of(ctx)
    if (folder is None) == (not none):
        raise typer.BadParameter("give either a FOLDER or --none", param_hint="FOLDER/--none")
    target = arguments.folder(session, folder) if folder is not None else None
    dataset = session.registry().datasets.sync(
        actor=session.actor(), dataset_id=dataset_id, folder_id=target.id if target else None
    )
    where = f"synced to {_synced_label(session, dataset)!r}" if target else "no longer synced"
    _done(session, dataset, f"Dataset {dataset.title!r} is {where}.")


@app.command()
def rename(
    ctx: typer.Context, dataset_id: DatasetArg, title: Annotated[str, typer.Argument(help="The new title.")]
) -> None:
    """Change a dataset's title."""
    session = session_of(ctx)
    dataset = session.registry().datasets.update(actor=session.actor(), dataset_id=dataset_id, title=title)
    _done(session, dataset, f"Renamed dataset {dataset.id} to {dataset.title!r}.")


@app.command()
def describe(
    ctx: typer.Context,
    dataset_id: DatasetArg,
    description: Annotated[str, typer.Option("--description", "-d", help="The new description.")],
) -> None:
    """Change a dataset's description."""
    session = session_of(ctx)
    dataset = session.registry().datasets.update(actor=session.actor(), dataset_id=dataset_id, description=description)
    _done(session, dataset, f"Updated the description of dataset {dataset.id}.")


@app.command()
def delete(
    ctx: typer.Context,
    dataset_id: DatasetArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a dataset. Its files (and a mirrored dataset's folder) stay where they are."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    dataset = registry.datasets.get(actor=actor, dataset_id=dataset_id)
    if not yes:
        typer.confirm(f"Delete dataset {dataset.title!r}? Its files stay in their folders.", abort=True, err=True)
    registry.datasets.delete(actor=actor, dataset_id=dataset.id)
    _count(session, {"deleted": dataset}, f"Deleted dataset {dataset.title!r} (id {dataset.id}).")


def _kind(dataset: "Dataset") -> str:
    if dataset.mirrored:
        return "mirrored"
    return "synced" if dataset.is_synced else "plain"


def _synced_label(session: Session, dataset: "Dataset") -> str:
    """The synced folder's path, or ``id:N`` when the actor may not see that folder."""
    if dataset.synced_folder_id is None:
        return ""
    try:
        return arguments.path_of(session, dataset.synced_folder_id)
    except (NotFound, PermissionDenied):
        return f"id:{dataset.synced_folder_id}"


def _done(session: Session, dataset: "Dataset", message: str) -> None:
    if session.json_output:
        print_json(session, dataset)
    else:
        say(session, message)


def _count(session: Session, document: dict[str, object], message: str) -> None:
    if session.json_output:
        print_json(session, document)
    else:
        say(session, message)
