"""Small helpers shared by the repositories: time, row conversion, error mapping, keyset cursors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection

from cairn.errors import AlreadyExists, Conflict


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time cairn returns is timezone-aware UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def mapped_integrity_errors(*, unique: str, foreign_key: str = "a referenced record does not exist") -> Iterator[None]:
    """Turn the database's integrity errors into cairn errors with a message that explains them."""
    try:
        yield
    except exc.IntegrityError as err:
        text = str(err.orig).lower()
        if "unique" in text or "duplicate key" in text:
            raise AlreadyExists(unique) from err
        raise Conflict(foreign_key) from err


class Repository:
    """Base of every repository: it works inside the transaction of the connection it is given."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @property
    def is_sqlite(self) -> bool:
        return self.conn.dialect.name == "sqlite"


def row_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)
