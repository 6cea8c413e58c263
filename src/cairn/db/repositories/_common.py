"""Small helpers shared by the repositories: time, and the base class."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Connection


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time cairn returns is timezone-aware UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


class Repository:
    """Base of every repository: it works inside the transaction of the connection it is given."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @property
    def is_sqlite(self) -> bool:
        return self.conn.dialect.name == "sqlite"
