"""``cairn journal``: every change, newest first, with who made it and when."""

from typing import Annotated

import typer

from cairn.cli import arguments
from cairn.cli.output import note, print_json, table
from cairn.cli.session import session_of

DEFAULT_ENTRIES = 50


def journal(
    ctx: typer.Context,
    *,
    folder: Annotated[
        str | None, typer.Option("--folder", "-f", metavar="FOLDER", help="Only changes in this folder's subtree.")
    ] = None,
    item: Annotated[int | None, typer.Option("--item", metavar="ID", help="Only changes to this item.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action, e.g. item.delete.")] = None,
    before: Annotated[int | None, typer.Option("--before", metavar="ENTRY", help="Entries older than this id.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="How many entries.")] = DEFAULT_ENTRIES,
) -> None:
    """Show the journal: who changed what, and when (newest first)."""
    session = session_of(ctx)
    scope = arguments.folder(session, folder) if folder is not None else None
    entries = session.registry().journal.entries(
        actor=session.actor(),
        folder_id=scope.id if scope else None,
        target_type="item" if item is not None else None,
        target_id=item,
        action=action,
        before_id=before,
        limit=limit,
    )
    if session.json_output:
        print_json(session, entries)
        return
    rows = [
        (e.id, e.at, e.actor_email or "", e.action, f"{e.target_type} {e.target_id or ''} {e.target_label}", e.details)
        for e in entries
    ]
    session.out.print(table("Journal", ["id", "at", "who", "action", "target", "details"], rows))
    if len(entries) == limit:
        note(session, f"Older entries: add --before {entries[-1].id}.")
