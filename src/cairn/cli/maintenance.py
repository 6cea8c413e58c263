"""``cairn migrate`` and ``cairn version``."""

import typer

from cairn import __version__
from cairn.cli.output import print_json, say
from cairn.cli.session import session_of


def migrate(ctx: typer.Context) -> None:
    """Bring the database schema up to date. The embedded SQLite database is also migrated by any command; a
    PostgreSQL database only by this command (or `cairn serve --migrate`)."""
    session = session_of(ctx)
    session.may_migrate = True
    session.registry()  # opening it migrates, as this invocation may
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
    typer.echo(f"cairn {__version__}")  # plain text, without Rich: the one command that must start at once
