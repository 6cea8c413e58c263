"""Schema migrations (Alembic), run in process: ``upgrade(database)`` brings a database to the newest schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cairn.db.database import Database
from cairn.errors import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

# Alembic is imported where it is used: it costs a second at start-up, and most commands never migrate.

_SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


_VACUUM_AFTER = "vacuum_after"  # config attribute: tables the applied migrations asked to have vacuumed


def upgrade(database: Database, *, revision: str = "heads") -> None:
    """Apply every migration up to ``revision`` (default: every head) in one transaction.

    Then, on PostgreSQL, ``VACUUM (ANALYZE)`` the tables a migration rewrote (``vacuum_after_upgrade``): VACUUM
    cannot run inside the transaction.
    """
    from alembic import command  # noqa: PLC0415

    rewritten = _run(database, lambda config: command.upgrade(config, revision))
    if rewritten:
        database.vacuum(*rewritten)


def downgrade(database: Database, *, revision: str) -> None:
    """Undo the migrations after ``revision``, in one transaction (tests, and by hand before going back to an older
    cairn)."""
    from alembic import command  # noqa: PLC0415

    _run(database, lambda config: command.downgrade(config, revision))


def _run(database: Database, step: Callable[[Config], None]) -> list[str]:
    """Run an Alembic ``step`` on the connection of ``_migrating``; the tables its migrations asked to vacuum."""
    config = _config()
    config.attributes[_VACUUM_AFTER] = set()
    with _migrating(database) as conn:
        config.attributes["connection"] = conn
        step(config)
    return sorted(config.attributes[_VACUUM_AFTER])


@contextmanager
def _migrating(database: Database) -> Iterator[Connection]:
    """The one transaction migrations run in.

    On SQLite, foreign keys are off meanwhile and every one is checked before the commit, as SQLite prescribes
    for changing a table's definition: a migration that makes a table again (0013) drops the old one, and with
    foreign keys on, that drop would first delete what refers to it.
    """
    with database.engine.connect() as conn:
        if not database.is_sqlite:
            with conn.begin():
                yield conn
            return
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, where SQLite takes it
        try:
            with conn.begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    table, rowid, parent, _ = broken[0]
                    raise ConfigurationError(
                        f"the migration left {len(broken)} broken reference(s), nothing was changed: "
                        f"e.g. row {rowid} of {table} refers to a missing row of {parent}"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys = ON")


def vacuum_after_upgrade(table: str) -> None:
    """For a migration that rewrites ``table``: vacuum and analyze it once the upgrade has committed (PostgreSQL).

    A rewritten table has no statistics for a new column and an empty visibility map, so the planner guesses and
    an index-only scan reads every row anyway, until autovacuum comes by, which can take long.
    """
    from alembic import context  # noqa: PLC0415

    context.config.attributes.setdefault(_VACUUM_AFTER, set()).add(table)


def current_revisions(database: Database) -> set[str]:
    """The revisions the database is at (empty for an empty database)."""
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    with database.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def pending_revisions(database: Database) -> list[str]:
    """The migrations this version of cairn has and the database lacks, newest first (empty: up to date).

    Not "the current revisions differ from the heads": a revision that depends on another branch's head (0013 on
    0002 and 0004) makes that head no longer a current revision once applied.
    """
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    script = ScriptDirectory.from_config(_config())
    current = current_revisions(database)
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(current - known)
    if unknown:
        where = database.url.render_as_string(hide_password=True)
        raise ConfigurationError(
            f"the database at {where} has schema revision(s) {', '.join(unknown)}, which this version of cairn "
            "does not know: it was migrated by a newer cairn; run that version (or a newer one) against it",
            details={"unknown_revisions": unknown},
        )
    return [revision.revision for revision in script.iterate_revisions("heads", tuple(current))]


def needs_upgrade(database: Database) -> bool:
    return bool(pending_revisions(database))
