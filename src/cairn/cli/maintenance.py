"""``cairn migrate`` and ``cairn version``."""

import typer

from cairn import __version__
from cairn.cli.output import print_json, say
from cairn.cli.session import session_of


def migrate(ctx: typer.Context) -> None:
    """Bring the database schema up to date (every command also does this on its first run)."""
    session = session_of(ctx)
    session.registry().migrate()
    if session.json_output:
        print_json(session, {"migrated": True})
        return
    say(session, "The database schema is up to date.")


def version(ctx: typer.Context) -> None:
    """Print cairn's version."""
    session = session_of(ctx)
    if session.json_output:
        print_json(session, {"version": __version__})
        return
    say(session, f"cairn {__version__}")
