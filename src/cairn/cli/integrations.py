"""``cairn integration``: add, list, show, check, update and remove storage integrations.

Secrets are given with ``--credential key=value`` (visible in the process list: prefer ``--credentials @file.json``
or leave them out to use the provider's standard chain). They are never printed back.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli import arguments
from cairn.cli.output import fields_table, print_json, say, table
from cairn.cli.session import session_of

if TYPE_CHECKING:
    from cairn.cli.session import Session
    from cairn.services.integrations import IntegrationPublic

app = typer.Typer(
    help="Storage integrations: the buckets and directories files are registered from.", no_args_is_help=True
)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Integration name (or id:N).")]
CredentialOpt = Annotated[
    list[str] | None,
    typer.Option("--credential", "-c", metavar="KEY=VALUE", help="A secret, e.g. access_key_id=AKIA... (repeat)."),
]
CredentialsFileOpt = Annotated[
    str | None,
    typer.Option("--credentials", metavar="JSON", help="Secrets as a JSON object, or @file.json."),
]
OptionOpt = Annotated[
    list[str] | None,
    typer.Option("--option", "-o", metavar="KEY=VALUE", help="A provider option, e.g. account_name=acme (repeat)."),
]


def _credentials(pairs: list[str] | None, document: str | None) -> dict[str, str] | None:
    if not pairs and document is None:
        return None
    values: dict[str, str] = {}
    if document is not None:
        values.update({k: str(v) for k, v in arguments.json_object(document, where="--credentials").items()})
    values.update(arguments.key_values(pairs or [], where="--credential"))
    return values


def _show(session: "Session", integration: "IntegrationPublic", message: str | None = None) -> None:
    if session.json_output:
        print_json(session, integration)
        return
    if message:
        say(session, message)
    config = integration.config
    session.out.print(
        fields_table(
            [
                ("id", integration.id),
                ("name", integration.name),
                ("provider", integration.provider),
                ("bucket", config.get("bucket")),
                ("region", config.get("region")),
                ("endpoint", config.get("endpoint")),
                ("root", config.get("root")),
                ("prefix", config.get("prefix")),
                ("credentials", ", ".join(config.get("credentials") or []) or "standard chain"),
                ("options", config.get("options")),
                ("shared", integration.shared),
                ("created", integration.created_at),
            ]
        )
    )


@app.command()
def add(
    ctx: typer.Context,
    name: NameArg,
    *,
    provider: Annotated[
        str, typer.Option("--provider", "-p", help="s3, s3_compatible, gcs, azure or local.", show_default=False)
    ],
    bucket: Annotated[str | None, typer.Option(help="Bucket (container for azure).")] = None,
    region: Annotated[str | None, typer.Option(help="Region (s3, s3_compatible).")] = None,
    endpoint: Annotated[str | None, typer.Option(help="Endpoint URL (s3_compatible, azure emulators).")] = None,
    root: Annotated[str | None, typer.Option(help="Directory on the server (local).")] = None,
    prefix: Annotated[str, typer.Option(help="Only keys under this prefix belong to the integration.")] = "",
    credential: CredentialOpt = None,
    credentials: CredentialsFileOpt = None,
    option: OptionOpt = None,
    shared: Annotated[bool, typer.Option("--shared", help="Every user may register files from it.")] = False,
) -> None:
    """Add an integration (organization admins; credentials: given, or the provider's standard chain)."""
    session = session_of(ctx)
    integration = session.registry().integrations.add(
        actor=session.actor(),
        name=name,
        provider=provider,
        bucket=bucket,
        region=region,
        endpoint=endpoint,
        root=root,
        prefix=prefix,
        credentials=_credentials(credential, credentials),
        options=arguments.key_values(option or [], where="--option"),
        shared=shared,
    )
    _show(session, integration, f"Added integration {integration.name!r} (id:{integration.id}).")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """The integrations you may use."""
    session = session_of(ctx)
    found = session.registry().integrations.list(actor=session.actor())
    if session.json_output:
        print_json(session, found)
        return
    rows = [
        (i.id, i.name, i.provider, i.config.get("bucket") or i.config.get("root"), i.config.get("prefix"), i.shared)
        for i in found
    ]
    session.out.print(table(None, ["id", "name", "provider", "bucket / root", "prefix", "shared"], rows))


@app.command()
def show(ctx: typer.Context, name: NameArg) -> None:
    """One integration (never its secrets)."""
    session = session_of(ctx)
    _show(session, session.registry().integrations.get(actor=session.actor(), integration=name))


@app.command()
def check(
    ctx: typer.Context,
    name: NameArg,
    key: Annotated[str | None, typer.Option(help="HEAD this object key instead of listing the prefix.")] = None,
) -> None:
    """Prove access: list the prefix (or HEAD --key); fails with what went wrong."""
    session = session_of(ctx)
    result = session.registry().integrations.check(actor=session.actor(), integration=name, key=key)
    if session.json_output:
        print_json(session, result)
    else:
        say(session, f"OK: {result.message}")


@app.command()
def update(
    ctx: typer.Context,
    name: NameArg,
    *,
    new_name: Annotated[str | None, typer.Option("--name", help="Rename it.")] = None,
    prefix: Annotated[str | None, typer.Option(help="New prefix.")] = None,
    credential: CredentialOpt = None,
    credentials: CredentialsFileOpt = None,
    option: OptionOpt = None,
    shared: Annotated[bool | None, typer.Option("--shared/--private", help="Share it with every user or not.")] = None,
) -> None:
    """Change an integration (credentials given replace the old ones; --credentials '{}' clears them)."""
    session = session_of(ctx)
    integration = session.registry().integrations.update(
        actor=session.actor(),
        integration=name,
        name=new_name,
        prefix=prefix,
        credentials=_credentials(credential, credentials),
        options=arguments.key_values(option, where="--option") if option else None,
        shared=shared,
    )
    _show(session, integration, f"Updated integration {integration.name!r}.")


@app.command()
def remove(ctx: typer.Context, name: NameArg) -> None:
    """Remove an integration (refused while items or unfinished jobs use it)."""
    session = session_of(ctx)
    session.registry().integrations.remove(actor=session.actor(), integration=name)
    if session.json_output:
        print_json(session, {"removed": name})
    else:
        say(session, f"Removed integration {name!r}.")
