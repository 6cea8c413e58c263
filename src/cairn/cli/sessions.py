"""``cairn session``: your web UI login sessions (list them, end one, or log out everywhere).

The command acts as ``--as EMAIL`` (default: the local admin), so it lists and ends that user's sessions; it runs
without a session of its own, so none is ever "current" here.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.output import print_json, say, table
from cairn.cli.session import session_of
from cairn.errors import InvalidInput

if TYPE_CHECKING:
    from cairn.cli.session import Session
    from cairn.services.auth import SessionListing

app = typer.Typer(
    help="Web UI login sessions: list them, end one, or log out everywhere (API tokens: `cairn token`).",
    no_args_is_help=True,
)


@app.command("list")
def list_sessions(ctx: typer.Context) -> None:
    """List your live web UI sessions, newest first (never their secrets)."""
    session = session_of(ctx)
    listed = session.registry().auth.sessions(actor=session.actor())
    if session.json_output:
        print_json(session, [_record(listing) for listing in listed])
        return
    rows = [
        (
            s.session.id,
            s.session.created_at,
            s.session.last_used_at,
            s.session.expires_at,
            "password" if s.token_id is None else f"{s.token_name} ({s.token_id})",
            s.session.user_agent,
        )
        for s in listed
    ]
    columns = ["id", "created", "last used", "expires", "started with", "browser"]
    session.out.print(table("Web UI sessions", columns, rows))


@app.command()
def revoke(
    ctx: typer.Context,
    session_id: Annotated[int | None, typer.Argument(metavar="[ID]", help="The session to end.", min=1)] = None,
    every: Annotated[bool, typer.Option("--all", help="End every session of yours (log out everywhere).")] = False,
) -> None:
    """End one of your web UI sessions at once, or all of them with --all. API tokens are left alone."""
    session = session_of(ctx)
    if (session_id is None) == (not every):
        raise InvalidInput("name one session by its ID, or end them all with --all (not both)")
    auth = session.registry().auth
    if session_id is not None:
        auth.revoke_session(actor=session.actor(), session_id=session_id)
        _report(session, {"ended": 1}, f"Ended session {session_id}.")
        return
    ended = auth.revoke_sessions(actor=session.actor())
    _report(session, {"ended": ended}, f"Ended {ended} session(s).")


def _report(session: "Session", document: dict[str, int], message: str) -> None:
    if session.json_output:
        print_json(session, document)
    else:
        say(session, message)


def _record(listing: "SessionListing") -> dict[str, object]:
    """A session as ``--json`` prints it: as the API lists it."""
    login = listing.session
    return {
        "id": login.id,
        "created_at": login.created_at,
        "last_used_at": login.last_used_at,
        "expires_at": login.expires_at,
        "token_id": listing.token_id,
        "token_name": listing.token_name,
        "user_agent": login.user_agent,
        "current": listing.current,
    }
