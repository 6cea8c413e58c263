"""``cairn token``: API tokens for the REST API, the Python client and the web UI login."""

from typing import Annotated

import typer

from cairn.cli.output import note, print_json, say, table
from cairn.cli.session import Session, session_of
from cairn.domain.auth import MAX_TOKEN_DAYS

app = typer.Typer(help="API tokens (for the REST API, the Python client and the web UI login).", no_args_is_help=True)

UserOpt = Annotated[
    str | None, typer.Option("--user", metavar="EMAIL", help="Another user's tokens (organization admins only).")
]


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'laptop' or 'nightly export'.")],
    user: UserOpt = None,
    expires_in_days: Annotated[
        int | None, typer.Option("--expires-days", min=1, max=MAX_TOKEN_DAYS, help="Expire after this many days.")
    ] = None,
) -> None:
    """Make an API token. Its secret is shown this once: keep it safe."""
    session = session_of(ctx)
    made = session.registry().auth.create_token(
        actor=session.actor(), name=name, user_id=_user_id(session, user), expires_in_days=expires_in_days
    )
    if session.json_output:
        print_json(session, {"token": made.token, "secret": made.secret})
        return
    say(session, made.secret)
    note(session, f"Token {made.token.id} ({made.token.name!r}) made; the secret above is shown only this once.")


@app.command("list")
def list_tokens(
    ctx: typer.Context,
    user: UserOpt = None,
    every_user: Annotated[bool, typer.Option("--all", help="Everyone's tokens (organization admins only).")] = False,
) -> None:
    """List API tokens (never their secrets)."""
    session = session_of(ctx)
    tokens = session.registry().auth.tokens(
        actor=session.actor(), user_id=_user_id(session, user), all_users=every_user
    )
    if session.json_output:
        print_json(session, tokens)
        return
    rows = [
        (t.id, t.user_id, t.name, f"{t.prefix}...", t.created_at, t.expires_at, t.last_used_at, t.revoked_at)
        for t in tokens
    ]
    columns = ["id", "user", "name", "starts with", "created", "expires", "last used", "revoked"]
    session.out.print(table("API tokens", columns, rows))


@app.command()
def revoke(ctx: typer.Context, token_id: Annotated[int, typer.Argument(metavar="ID", help="Token id.")]) -> None:
    """Revoke a token at once (yours; organization admins: anyone's)."""
    session = session_of(ctx)
    token = session.registry().auth.revoke_token(actor=session.actor(), token_id=token_id)
    if session.json_output:
        print_json(session, token)
        return
    say(session, f"Revoked token {token.id} ({token.name!r}).")


def _user_id(session: Session, email: str | None) -> int | None:
    return session.registry().users.by_email(email=email).id if email else None
