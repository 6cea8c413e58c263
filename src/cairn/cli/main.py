"""The ``cairn`` command: the root app, its global options, and the command groups under it.

Typer needs the whole command tree (names, options, help) at start-up, so every command module is imported here;
they import what their commands run on (the services, the database, the web server, Rich's tables) inside the
commands, so that start-up costs Typer alone (``tests/cli/test_startup.py``, ``python -m bench cli``). The command
modules do not use ``from __future__ import annotations``: Typer would evaluate every command's annotations from
their text (compiling each) when it builds the tree; names imported only for type checking are quoted instead.
"""

from typing import Annotated

import typer

from cairn.cli import (
    collection,
    datasets,
    folders,
    frames,
    inspect,
    integrations,
    items,
    jobs,
    journal,
    maintenance,
    people,
    plain_values,
    reencode,
    register,
    search,
    sequence_video,
    serve,
    sessions,
    tokens,
    worker,
)
from cairn.cli.failures import JSON_OUTPUT_KEY, CairnGroup
from cairn.cli.session import Session

plain_values.install()

app = typer.Typer(
    name="cairn",
    cls=CairnGroup,
    help="cairn: a self-hosted registry for ML annotation data (folders, files, datasets).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)
app.add_typer(folders.app, name="folders")
app.add_typer(items.app, name="items")
app.add_typer(datasets.app, name="datasets")
app.add_typer(people.users_app, name="users")
app.add_typer(people.access_app, name="access")
app.add_typer(tokens.app, name="token")
app.add_typer(sessions.app, name="session")
app.command("search")(search.search)
app.command("journal")(journal.journal)
app.command("migrate")(maintenance.migrate)
app.command("version")(maintenance.version)
app.command("serve")(serve.serve)
app.add_typer(integrations.app, name="integration")
app.add_typer(jobs.app, name="job")
app.command("register")(register.register)
app.command("export")(register.export)
app.command("worker")(worker.worker)
app.command("probe")(inspect.probe)
app.command("inspect")(inspect.inspect)
app.command("frames")(frames.frames)
app.command("reencode")(reencode.reencode)
app.command("remap")(reencode.remap)
app.command("sequence-video")(sequence_video.sequence_video)


@app.callback()
def root(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Machine output: one JSON document on stdout.")] = False,
    as_email: Annotated[
        str | None,
        typer.Option("--as", metavar="EMAIL", envvar="CAIRN_USER", help="Act as this user (default: the local admin)."),
    ] = None,
) -> None:
    """Settings come from CAIRN_* environment variables (see docs/settings.md)."""
    ctx.meta[JSON_OUTPUT_KEY] = json_output
    session = Session(json_output=json_output, as_email=as_email)
    ctx.obj = session
    ctx.call_on_close(session.close)


def main() -> None:
    """Entry point of the ``cairn`` console script: start-up runs without the garbage collector (``collection``)."""
    collection.pause()
    try:
        app()
    finally:
        collection.resume()
