"""``cairn serve``: the HTTP API and the background job consumer in one process."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.output import note
from cairn.cli.session import session_of
from cairn.cli.worker import embedded_consumer

if TYPE_CHECKING:
    from cairn.services.registry import Registry
    from cairn.settings import Settings


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on (default: CAIRN_HOST).")] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port to listen on (default: CAIRN_PORT).")
    ] = None,
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate",
            help="Bring a PostgreSQL database's schema up to date first (the embedded SQLite one always is).",
        ),
    ] = False,
) -> None:
    """Run the cairn server (making the local admin first, if needed).

    The embedded SQLite database is migrated on start; a PostgreSQL one only with --migrate (or `cairn migrate`):
    the server refuses to start on a schema that is behind.
    """
    # The web framework and the server are imported here, by the one command that runs them.
    from cairn.api.app import create_app  # noqa: PLC0415
    from cairn.api.server import StoppableServer  # noqa: PLC0415

    session = session_of(ctx)
    session.may_migrate = migrate
    settings = session.settings = session.settings.model_copy(update=_overrides(host=host, port=port))
    registry = session.registry()  # after the overrides: the first-run message names the real address
    app = create_app(settings, registry=registry)
    url = f"http://{settings.host}:{settings.port}"
    note(session, f"cairn serving on {url} (Ctrl-C to stop)")
    note(
        session,
        f"Web UI: open {url}/ and sign in with your email and password (a new user sets it with the one-time link of "
        "the first run or of `cairn users invite`) or with an API token (`cairn token create`)",
    )
    with background_work(settings, registry):
        StoppableServer(app, host=settings.host, port=settings.port).run()


def _overrides(*, host: str | None, port: int | None) -> dict[str, object]:
    values: dict[str, object] = {}
    if host is not None:
        values["host"] = host
    if port is not None:
        values["port"] = port
    return values


@contextmanager
def background_work(settings: "Settings", registry: "Registry") -> Iterator[None]:
    """Where background work starts and stops around the server: the job consumer, with ``settings.workers``
    threads (0: none; `cairn worker` processes do the work)."""
    with embedded_consumer(registry, workers=settings.workers):
        yield
