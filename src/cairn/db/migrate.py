"""Schema migrations (Alembic), run in process: ``upgrade(database)`` brings a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cairn.db.database import Database

_SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def upgrade(database: Database, *, revision: str = "heads") -> None:
    """Apply every migration up to ``revision`` (default: every head) in one transaction."""
    with database.engine.begin() as conn:
        config = _config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def current_revisions(database: Database) -> set[str]:
    """The revisions the database is at (empty for an empty database)."""
    with database.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def head_revisions() -> set[str]:
    """The newest revisions this version of cairn knows."""
    return set(ScriptDirectory.from_config(_config()).get_heads())


def needs_upgrade(database: Database) -> bool:
    return current_revisions(database) != head_revisions()
