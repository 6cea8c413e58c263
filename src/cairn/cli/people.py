"""``cairn users`` (the organization's people) and ``cairn access`` (who may do what in a folder)."""

from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli import arguments
from cairn.cli.output import print_json, say, table
from cairn.cli.session import Session, session_of
from cairn.domain.access import Role

if TYPE_CHECKING:
    from cairn.services.passwords import NewLink

users_app = typer.Typer(help="Users of the organization.", no_args_is_help=True)
access_app = typer.Typer(
    help="Roles on folders: viewer, editor, admin (inherited by sub-folders).", no_args_is_help=True
)

FolderArg = Annotated[str, typer.Argument(metavar="FOLDER", help="Folder path (Cars/front) or id (id:12).")]
EmailArg = Annotated[str, typer.Argument(metavar="EMAIL", help="The user's email address.")]


@users_app.command("add")
def add_user(
    ctx: typer.Context,
    email: EmailArg,
    name: Annotated[str, typer.Option("--name", help="The user's display name.")] = "",
    org_admin: Annotated[bool, typer.Option("--org-admin", help="Make them an organization admin.")] = False,
) -> None:
    """Add a user to the organization (organization admins only)."""
    session = session_of(ctx)
    user = session.registry().users.create(actor=session.actor(), email=email, name=name, org_admin=org_admin)
    if session.json_output:
        print_json(session, user)
        return
    role = "organization admin" if user.is_org_admin else "user"
    say(session, f"Added {role} {user.email} (id {user.id}).")


@users_app.command("list")
def list_users(ctx: typer.Context) -> None:
    """List the organization's users."""
    session = session_of(ctx)
    users = session.registry().users.all(actor=session.actor())
    if session.json_output:
        print_json(session, users)
        return
    rows = [(u.id, u.email, u.name, u.is_org_admin, u.is_active, u.created_at) for u in users]
    session.out.print(table("Users", ["id", "email", "name", "org admin", "active", "created"], rows))


@users_app.command("update")
def update_user(
    ctx: typer.Context,
    email: EmailArg,
    name: Annotated[str | None, typer.Option("--name", help="A new display name.")] = None,
    org_admin: Annotated[
        bool | None, typer.Option("--org-admin/--no-org-admin", help="Make them an organization admin, or not.")
    ] = None,
    active: Annotated[
        bool | None,
        typer.Option("--active/--inactive", help="Reactivate the account, or deactivate it (it can no longer act)."),
    ] = None,
) -> None:
    """Change a user (organization admins only); the organization keeps one active organization admin."""
    session = session_of(ctx)
    users = session.registry().users
    target = users.by_email(email=email)
    user = users.update(actor=session.actor(), user_id=target.id, name=name, org_admin=org_admin, active=active)
    if session.json_output:
        print_json(session, user)
        return
    role = "organization admin" if user.is_org_admin else "user"
    state = "active" if user.is_active else "deactivated"
    say(session, f"{user.email} ({user.name or 'no name'}): {role}, {state}.")


@users_app.command("invite")
def invite_user(
    ctx: typer.Context,
    email: EmailArg,
    name: Annotated[str, typer.Option("--name", help="The user's display name (for a new user).")] = "",
    org_admin: Annotated[bool, typer.Option("--org-admin", help="Make a new user an organization admin.")] = False,
) -> None:
    """Invite someone (organization admins only): print a one-time link that sets their password (7 days).

    The user is added if there is none with this email; hand them the link, which works once.
    """
    session = session_of(ctx)
    made = session.registry().passwords.invite(
        actor=session.actor(), email=email, name=name, org_admin=org_admin, base_url=session.base_url()
    )
    _print_link(session, made, f"Invited {made.user.email}: the link sets their password")


@users_app.command("reset-password")
def reset_password(ctx: typer.Context, email: EmailArg) -> None:
    """Reset a user's password (organization admins only): it stops working, their web sessions end, and a
    one-time link to choose a new one is printed (7 days). Their API tokens are left alone."""
    session = session_of(ctx)
    passwords, users = session.registry().passwords, session.registry().users
    target = users.by_email(email=email)
    made = passwords.reset_password(actor=session.actor(), user_id=target.id, base_url=session.base_url())
    _print_link(session, made, f"Reset the password of {made.user.email}: the link sets a new one")


def _print_link(session: Session, made: "NewLink", what: str) -> None:
    if session.json_output:
        print_json(
            session,
            {
                "user": made.user,
                "purpose": made.link.purpose.value,
                "url": made.url,
                "expires_at": made.link.expires_at,
            },
        )
        return
    say(session, f"{what} (works once, until {made.link.expires_at:%Y-%m-%d %H:%M} UTC):")
    session.out.print(made.url, soft_wrap=True)


@access_app.command("list")
def list_access(ctx: typer.Context, folder: FolderArg) -> None:
    """The roles granted on a folder itself (roles inherited from parent folders show on those)."""
    session = session_of(ctx)
    target = arguments.folder(session, folder)
    grants = session.registry().access.grants(actor=session.actor(), folder_id=target.id)
    if session.json_output:
        print_json(session, grants)
        return
    rows = [(g.user_email, g.user_name, g.role, g.granted_at) for g in grants]
    title = f"Access to {arguments.path_of(session, target.id)}"
    session.out.print(table(title, ["email", "name", "role", "granted"], rows))


@access_app.command()
def grant(
    ctx: typer.Context,
    folder: FolderArg,
    email: EmailArg,
    role: Annotated[Role, typer.Argument(metavar="ROLE", help="viewer, editor or admin.")],
) -> None:
    """Give a user a role on a folder, or change it (an admin's role: organization admins only)."""
    session = session_of(ctx)
    target = arguments.folder(session, folder)
    granted = session.registry().access.grant(actor=session.actor(), folder_id=target.id, email=email, role=role)
    if session.json_output:
        print_json(session, granted)
        return
    say(session, f"{granted.user_email} is now {granted.role.value} of {target.name!r}.")


@access_app.command()
def revoke(ctx: typer.Context, folder: FolderArg, email: EmailArg) -> None:
    """Remove a user's role on a folder (an admin: organization admins only)."""
    session = session_of(ctx)
    target = arguments.folder(session, folder)
    session.registry().access.revoke(actor=session.actor(), folder_id=target.id, email=email)
    if session.json_output:
        print_json(session, {"revoked": {"folder_id": target.id, "email": email}})
        return
    say(session, f"{email} no longer has a role on {target.name!r}.")
