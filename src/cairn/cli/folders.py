"""``cairn folders``: create, list, tree, show, rename, describe, move, delete."""

from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli import arguments
from cairn.cli.output import fields_table, human_size, note, print_json, say, table
from cairn.cli.session import session_of
from cairn.domain import names
from cairn.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from rich.tree import Tree

    from cairn.cli.session import Session
    from cairn.domain.records import Folder, FolderSummary
    from cairn.services.folders import FolderNode

app = typer.Typer(help="Folders: the tree files are organized in.", no_args_is_help=True)

PathArg = Annotated[str, typer.Argument(metavar="PATH", help="Folder path (Cars/front) or id (id:12).")]
DescriptionOpt = Annotated[str | None, typer.Option("--description", "-d", help="What the folder holds.")]
MetadataOpt = Annotated[
    str | None, typer.Option("--metadata", "-m", metavar="JSON", help="Client metadata: a JSON object or @file.json.")
]


@app.command()
def create(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(metavar="PATH", help="Path of the new folder, e.g. Cars/front.")],
    description: DescriptionOpt = None,
    metadata: MetadataOpt = None,
    parents: Annotated[bool, typer.Option("--parents", "-p", help="Create missing parent folders too.")] = False,
) -> None:
    """Create a folder (PATH's last name, inside the folder its other names lead to)."""
    session = session_of(ctx)
    parts = names.split_path(path)
    if not parts:
        raise InvalidInput(f"folder path {path!r} names no folder")
    client_metadata = arguments.json_object(metadata, where="--metadata") if metadata is not None else None
    parent_id = _parent_for(session, parts[:-1], create_missing=parents)
    folder = session.registry().folders.create(
        actor=session.actor(),
        name=parts[-1],
        parent_id=parent_id,
        description=description or "",
        client_metadata=client_metadata,
    )
    _done(session, folder, f"Created folder {'/'.join(parts)!r} (id:{folder.id}).")


def _parent_for(session: "Session", parts: list[str], *, create_missing: bool) -> int | None:
    """The id of the folder ``parts`` leads to (None: the top level), creating missing ones if asked."""
    registry, actor = session.registry(), session.actor()
    parent_id: int | None = None
    for depth in range(len(parts)):
        path = "/".join(parts[: depth + 1])
        try:
            parent_id = registry.folders.resolve(actor=actor, path=path).id
        except NotFound:
            if not create_missing:
                raise NotFound(f"parent folder {path!r} not found (use --parents to create it)") from None
            parent_id = registry.folders.create(actor=actor, name=parts[depth], parent_id=parent_id).id
            note(session, f"Created folder {path!r} (id:{parent_id}).")
    return parent_id


@app.command("list")
def list_folders(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(metavar="[PATH]", help="Folder to list (default: top level).")] = None,
) -> None:
    """List the sub-folders of a folder, or the top-level folders you may see."""
    session = session_of(ctx)
    parent = arguments.folder_or_top(session, path)
    children = session.registry().folders.children(actor=session.actor(), parent_id=parent.id if parent else None)
    if session.json_output:
        print_json(session, children)
        return
    rows = [(f"id:{f.id}", f.name, f.description, _kind_label(f), f.created_at) for f in children]
    title = f"Folders in {_path_text(session, parent)}" if parent else "Top-level folders"
    session.out.print(table(title, ["id", "name", "description", "kind", "created"], rows))


@app.command()
def tree(
    ctx: typer.Context,
    path: Annotated[
        str | None, typer.Argument(metavar="[PATH]", help="Root of the tree (default: everything).")
    ] = None,
) -> None:
    """Show the folder tree (under PATH, or every folder you may see)."""
    session = session_of(ctx)
    root = arguments.folder_or_top(session, path)
    nodes = session.registry().folders.tree(actor=session.actor(), root_id=root.id if root else None)
    if session.json_output:
        print_json(session, nodes)
        return
    from rich.tree import Tree  # noqa: PLC0415 - Rich is imported by the commands that print with it

    view = Tree(_path_text(session, root) if root else "/", guide_style="dim")
    for node in nodes:
        _grow(view, node)
    session.out.print(view, markup=False, highlight=False)


def _grow(parent: "Tree", node: "FolderNode") -> None:
    branch = parent.add(f"{node.folder.name}  (id:{node.folder.id}{', members' * node.folder.is_members_folder})")
    for child in node.children:
        _grow(branch, child)


@app.command()
def show(ctx: typer.Context, path: PathArg) -> None:
    """Show a folder: its path, your role on it, and what it holds (counts per kind, total size)."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    folder = arguments.folder(session, path)
    role = registry.folders.role(actor=actor, folder_id=folder.id)
    summary = registry.folders.summary(actor=actor, folder_id=folder.id)
    full_path = _path_text(session, folder)
    if session.json_output:
        print_json(session, {"folder": folder, "path": full_path, "role": role, "summary": summary})
        return
    session.out.print(fields_table(_folder_fields(folder, full_path, role.value, summary)))


def _folder_fields(folder: "Folder", path: str, role: str, summary: "FolderSummary") -> list[tuple[str, object]]:
    by_kind = ", ".join(f"{kind} {count}" for kind, count in sorted(summary.by_kind.items()))
    return [
        ("id", f"id:{folder.id}"),
        ("path", path),
        ("description", folder.description),
        ("metadata", folder.client_metadata),
        ("kind", _kind_label(folder)),
        ("your role", role),
        ("sub-folders", summary.folders),
        ("files", summary.files),
        ("by kind", by_kind),
        ("total size", human_size(summary.total_size)),
        ("created", folder.created_at),
        ("edited", folder.edited_at),
    ]


@app.command()
def rename(
    ctx: typer.Context, path: PathArg, new_name: Annotated[str, typer.Argument(help="The folder's new name.")]
) -> None:
    """Rename a folder (it stays where it is)."""
    session = session_of(ctx)
    folder = arguments.folder(session, path)
    renamed = session.registry().folders.update(actor=session.actor(), folder_id=folder.id, name=new_name)
    _done(session, renamed, f"Renamed folder {folder.name!r} to {renamed.name!r} (id:{renamed.id}).")


@app.command()
def describe(
    ctx: typer.Context, path: PathArg, description: DescriptionOpt = None, metadata: MetadataOpt = None
) -> None:
    """Change a folder's description and/or client metadata (the metadata is replaced as a whole)."""
    session = session_of(ctx)
    if description is None and metadata is None:
        raise typer.BadParameter("give --description and/or --metadata", param_hint="--description/--metadata")
    client_metadata = arguments.json_object(metadata, where="--metadata") if metadata is not None else None
    folder = arguments.folder(session, path)
    updated = session.registry().folders.update(
        actor=session.actor(), folder_id=folder.id, description=description, client_metadata=client_metadata
    )
    _done(session, updated, f"Updated folder {updated.name!r} (id:{updated.id}).")


@app.command()
def move(
    ctx: typer.Context,
    path: PathArg,
    new_parent: Annotated[str, typer.Argument(metavar="NEW_PARENT", help="Folder to move into, or / for the top.")],
) -> None:
    """Move a folder, with everything in it, into another folder (or to the top level with /)."""
    session = session_of(ctx)
    folder = arguments.folder(session, path)
    target = arguments.folder_or_top(session, new_parent)
    moved = session.registry().folders.move(
        actor=session.actor(), folder_id=folder.id, new_parent_id=target.id if target else None
    )
    _done(session, moved, f"Moved folder {folder.name!r} to {_path_text(session, moved)!r}.")


@app.command()
def delete(
    ctx: typer.Context,
    path: PathArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a folder with its sub-folders and files; the files leave every dataset (your bucket is untouched)."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    folder = arguments.folder(session, path)
    if not yes:
        summary = registry.folders.summary(actor=actor, folder_id=folder.id)
        typer.confirm(
            f"Delete folder {_path_text(session, folder)!r} with {summary.folders} sub-folder(s) and "
            f"{summary.files} file(s)? The files leave every dataset.",
            abort=True,
            err=True,
        )
    deleted = registry.folders.delete(actor=actor, folder_id=folder.id)
    if session.json_output:
        print_json(session, {"deleted": deleted})
        return
    say(session, f"Deleted folder {folder.name!r} with {deleted.folders} sub-folder(s) and {deleted.files} file(s).")


def _done(session: "Session", folder: "Folder", message: str) -> None:
    if session.json_output:
        print_json(session, folder)
    else:
        say(session, message)


def _path_text(session: "Session", folder: "Folder | None") -> str:
    return arguments.path_of(session, folder.id) if folder else "/"


def _kind_label(folder: "Folder") -> str:
    return "members" if folder.is_members_folder else ""
