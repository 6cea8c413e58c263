"""Schema migrations (Alembic), run in process: ``upgrade(database)`` brings a database to the newest schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cairn.db.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

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

    config = _config()
    config.attributes[_VACUUM_AFTER] = set()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    rewritten = sorted(config.attributes[_VACUUM_AFTER])
    if rewritten:
        database.vacuum(*rewritten)


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


def head_revisions() -> set[str]:
    """The newest revisions this version of cairn knows."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    return set(ScriptDirectory.from_config(_config()).get_heads())


def needs_upgrade(database: Database) -> bool:
    return current_revisions(database) != head_revisions()
