"""What one `cairn` invocation shares: settings, the registry, the acting user and how to print.

The session is built once by the root callback and reached by every command through ``session_of(ctx)``. It is
cheap to build: settings are read, consoles made and the registry opened on first use, so that ``cairn --help``
and ``cairn version`` import neither the database layer nor the services (``tests/cli/test_startup.py``).

Opening the registry checks the database schema. The embedded SQLite database (one file that only this machine
opens) is migrated on the spot, which is how the very first run sets cairn up; a PostgreSQL database is shared
with servers and workers, so it is migrated only when asked (``cairn migrate``, ``cairn serve --migrate``) and
any other command refuses to run against a schema that is behind. Then the local organization admin is made if
there is none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cairn.cli import collection
from cairn.errors import ConfigurationError

if TYPE_CHECKING:
    from rich.console import Console

    from cairn.domain.records import User
    from cairn.services.registry import Registry
    from cairn.settings import Settings


class Session:
    """Settings, output mode and acting user of one invocation; each is made on first use."""

    def __init__(self, *, json_output: bool = False, as_email: str | None = None) -> None:
        self.json_output = json_output
        self.as_email = as_email
        self.may_migrate = False  # set by `cairn migrate` and `cairn serve --migrate` before opening the registry
        self._settings: Settings | None = None
        self._out: Console | None = None
        self._err: Console | None = None
        self._registry: Registry | None = None
        self._actor: User | None = None

    @property
    def settings(self) -> Settings:
        """The settings of the ``CAIRN_*`` environment, read on first use."""
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value

    @property
    def out(self) -> Console:
        """Standard output for people. Names and titles are printed as written: no Rich markup ("[bold]"),
        :emoji: codes or highlighting."""
        if self._out is None:
            self._out = _console(stderr=False)
        return self._out

    @property
    def err(self) -> Console:
        """Standard error, for notes and progress (stdout stays clean for pipes)."""
        if self._err is None:
            self._err = _console(stderr=True)
        return self._err

    def registry(self) -> Registry:
        """The registry, opened on first use: the schema checked (or migrated, see the module's docstring) and the
        local admin made if needed."""
        if self._registry is None:
            from cairn.services.registry import Registry  # noqa: PLC0415 - the services cost a second to import

            registry = Registry(self.settings)
            try:
                self._prepare_schema(registry)
                admin, created = registry.users.ensure_local_admin()
            except BaseException:
                registry.close()
                raise
            self._registry = registry
            collection.resume()  # start-up is over: what the command makes from here may be garbage
            if created:
                self._welcome(admin)
        return self._registry

    def _prepare_schema(self, registry: Registry) -> None:
        """Migrate where this invocation may (embedded SQLite, or asked to); else refuse a schema that is behind."""
        if self.may_migrate or registry.db.is_sqlite:
            registry.migrate(announce=self._announce_upgrade)
        else:
            registry.require_current_schema()

    def _announce_upgrade(self, revisions: list[str]) -> None:
        """Say on stderr why the command waits: some migrations rewrite a table (a minute at 1M items)."""
        self.err.print(
            f"Upgrading the database schema ({', '.join(revisions)}): on a large database this can take a few "
            "minutes, and other cairn commands wait until it is done.",
            highlight=False,
            markup=False,
        )

    def base_url(self) -> str:
        """Where the server of these settings is reached: the start of the links the CLI prints."""
        return f"http://{self.settings.host}:{self.settings.port}"

    def _welcome(self, admin: User) -> None:
        """Say once, on stderr, how to start and how to log in: an API token made for the local admin, and a
        one-time link that sets their password for the web UI."""
        registry = self.registry()
        login = registry.auth.first_run_login(admin=admin, base_url=self.base_url())
        link = registry.passwords.invite(actor=admin, email=admin.email, base_url=self.base_url())
        sign_in = (
            f"Web UI: set the local admin's password at {link.url} (works once, for 7 days; a new link: "
            f"`cairn users reset-password {admin.email}`), then sign in as {admin.email}"
        )
        lines = [first_run_message(self.settings, admin_email=admin.email), *login.lines, sign_in]
        self.err.print("\n".join(lines), highlight=False, markup=False)

    def actor(self) -> User:
        """The user commands act as: ``--as EMAIL`` (or ``CAIRN_USER``, an active account), else the oldest active
        organization admin (the local admin made on the first run)."""
        if self._actor is None:
            registry = self.registry()
            if self.as_email:
                self._actor = registry.users.acting_as(email=self.as_email)
            else:
                self._actor = registry.users.ensure_local_admin()[0]
        return self._actor

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()
            self._registry = None


def _console(*, stderr: bool) -> Console:
    from rich.console import Console  # noqa: PLC0415 - `cairn version` prints without Rich

    return Console(stderr=stderr, soft_wrap=stderr, markup=False, emoji=False, highlight=False)


def load_settings() -> Settings:
    """Settings from the ``CAIRN_*`` environment; a bad value is a configuration error that names the variable."""
    from pydantic import ValidationError  # noqa: PLC0415 - settings are read by the commands that need them

    from cairn.settings import ENV_PREFIX, Settings  # noqa: PLC0415

    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{ENV_PREFIX}{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from error


def first_run_message(settings: Settings, *, admin_email: str) -> str:
    """Printed once, when the first run has set cairn up."""
    if settings.database_url:
        where = f"{settings.database_url.split(':', 1)[0]} (CAIRN_DATABASE_URL)"
    else:
        where = f"{(settings.data_dir / 'cairn.db').resolve()}"
    return (
        f"cairn is set up (database: {where}); you are the organization admin {admin_email}.\n"
        f"Start the server with `cairn serve` (http://{settings.host}:{settings.port}); "
        "act as another user with `cairn --as EMAIL ...`."
    )


def session_of(ctx: typer.Context) -> Session:
    """The session the root callback made for this invocation."""
    session = ctx.find_root().obj
    if not isinstance(session, Session):  # pragma: no cover - the root callback always sets it
        raise RuntimeError("cairn CLI session missing: commands must run under the root `cairn` app")
    return session
