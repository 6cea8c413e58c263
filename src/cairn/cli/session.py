"""What one `cairn` invocation shares: settings, the registry, the acting user and how to print.

The session is built once by the root callback and reached by every command through ``session_of(ctx)``. The
registry is opened lazily (``cairn version`` needs no database); opening it migrates the database and makes the
local organization admin, which is how the very first run sets cairn up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from pydantic import ValidationError
from rich.console import Console

from cairn.domain.records import User
from cairn.errors import ConfigurationError
from cairn.services.registry import Registry
from cairn.settings import Settings


@dataclass
class Session:
    """Settings, output mode and acting user of one invocation; the registry is opened on first use."""

    settings: Settings
    json_output: bool = False
    as_email: str | None = None
    # Names and titles are printed as written: no Rich markup ("[bold]"), :emoji: codes or highlighting.
    out: Console = field(default_factory=lambda: Console(soft_wrap=False, markup=False, emoji=False, highlight=False))
    err: Console = field(
        default_factory=lambda: Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)
    )
    _registry: Registry | None = None
    _actor: User | None = None

    def registry(self) -> Registry:
        """The registry, opened on first use: the database is migrated and the local admin made if needed."""
        if self._registry is None:
            registry = Registry(self.settings)
            try:
                registry.migrate(announce=self._announce_upgrade)
                admin, created = registry.users.ensure_local_admin()
            except BaseException:
                registry.close()
                raise
            self._registry = registry
            if created:
                self._welcome(admin)
        return self._registry

    def _announce_upgrade(self, revisions: list[str]) -> None:
        """Say on stderr why the command waits: some migrations rewrite a table (a minute at 1M items)."""
        self.err.print(
            f"Upgrading the database schema ({', '.join(revisions)}): on a large database this can take a few "
            "minutes, and other cairn commands wait until it is done.",
            highlight=False,
            markup=False,
        )

    def _welcome(self, admin: User) -> None:
        """Say once, on stderr, how to start and how to log in (with an API token made for the local admin)."""
        base_url = f"http://{self.settings.host}:{self.settings.port}"
        login = self.registry().auth.first_run_login(admin=admin, base_url=base_url)
        text = first_run_message(self.settings, admin_email=admin.email) + "\n" + "\n".join(login.lines)
        self.err.print(text, highlight=False, markup=False)

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


def load_settings() -> Settings:
    """Settings from the ``CAIRN_*`` environment; a bad value is a configuration error that names the variable."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"CAIRN_{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}" for e in error.errors()
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
