"""Engine setup and transactions for SQLite (embedded default) and PostgreSQL.

SQLite discipline: WAL, foreign keys on, a busy timeout, and writes that start with ``BEGIN IMMEDIATE`` so that
there is one writer at a time and a reader never has to upgrade its lock mid-transaction (the classic
``database is locked`` failure). PostgreSQL runs at READ COMMITTED with the same code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

from cairn.errors import AlreadyExists, ConfigurationError, Conflict
from cairn.private_files import private_file, tighten

_WRITE = "cairn_write"
# What a write the repositories did not foresee tells when the database refuses it: another change made or removed
# a record at the same moment (the services check first, so only a race gets here).
_TAKEN_MEANWHILE = "another change took the same name or key at the same moment; try again"
_GONE_MEANWHILE = "a record this change needs was changed or removed at the same moment; try again"


class Database:
    """One database: an engine plus ``read()`` and ``write()`` transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = sa.engine.make_url(url)
        self.engine = _create_engine(url, echo=echo)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        # PostgreSQL's default (READ COMMITTED) gives each statement its own snapshot; a page found by several
        # statements (db/repositories/item_pages.py) needs them all to see the same items. SQLite's read
        # transaction holds one snapshot already.
        snapshot = {} if self.dialect == "sqlite" else {"isolation_level": "REPEATABLE READ"}
        self._reader = self.engine.execution_options(**snapshot)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: one snapshot for all its statements (REPEATABLE READ on PostgreSQL, a deferred
        transaction on SQLite)."""
        with self._connect(self._reader) as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        An integrity error the repositories did not map themselves (at the commit too) is mapped here, so none
        reaches the services as SQLAlchemy's.
        """
        with self._connect(self._writer) as conn, mapped_integrity_errors(), conn.begin():
            yield conn

    def vacuum(self, *tables: str) -> None:
        """PostgreSQL: ``VACUUM (ANALYZE)`` these tables (names from cairn's code, never input; none: the whole
        database), outside any transaction; SQLite: nothing (its deleted rows leave no dead tuples behind)."""
        if self.is_sqlite:
            return
        with self._connect(self.engine.execution_options(isolation_level="AUTOCOMMIT")) as conn:
            for statement in [f"VACUUM (ANALYZE) {table}" for table in tables] or ["VACUUM (ANALYZE)"]:
                conn.exec_driver_sql(statement)

    def _connect(self, engine: Engine) -> Connection:
        try:
            return engine.connect()
        except exc.OperationalError as err:
            where = self.url.render_as_string(hide_password=True)
            reason = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise ConfigurationError(
                f"cannot reach the database at {where}: {reason} (check CAIRN_DATABASE_URL)"
            ) from err

    def dispose(self) -> None:
        self.engine.dispose()


def _create_engine(url: str, *, echo: bool) -> Engine:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    if parsed.get_backend_name() == "postgresql":
        _require_psycopg()
        # psycopg prepares a statement run five times on a connection, and PostgreSQL may then plan it once for
        # every value: a search would get one plan whatever its text matches (a walk of the name order for a term
        # that matches two items took 0.4-0.6 s instead of 13 ms at 1M items). Without prepared statements each
        # execution is planned for its own values; it also suits a PgBouncer in transaction mode.
        return sa.create_engine(
            parsed,
            echo=echo,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            connect_args={"prepare_threshold": None},
            json_deserializer=_json_loads,
        )
    raise ConfigurationError(
        f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
        "use sqlite:///path/to/cairn.db or postgresql+psycopg://user@host/db"
    )


_JSON = json.JSONDecoder()


def _json_loads(data: bytes | str) -> Any:
    """A JSONB value as PostgreSQL writes it (UTF-8, no surrounding space), decoded without what ``json.loads`` adds
    for any text (guessing the encoding, skipping space), which weighs on a page's many small objects."""
    text = data.decode() if isinstance(data, bytes) else data
    try:
        value, end = _JSON.raw_decode(text)
    except json.JSONDecodeError:  # space before the value (a json value, not jsonb), or json's own error
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def _require_psycopg() -> None:
    try:
        import psycopg  # noqa: F401, PLC0415
    except ImportError as err:  # pragma: no cover - depends on the installed extras
        raise ConfigurationError("PostgreSQL needs psycopg: pip install 'cairn[postgres]'") from err


def _sqlite_engine(url: sa.URL, *, echo: bool) -> Engine:
    if url.database and url.database != ":memory:":
        # made 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode
        private_file(Path(url.database))
        for suffix in ("-wal", "-shm"):
            tighten(Path(f"{url.database}{suffix}"))
    engine = sa.create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own transaction handling is off).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    try:
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "synchronous=NORMAL",
            "cache_size=-65536",
            "temp_store=MEMORY",
            # Read the file through a memory map (SQLite caps it at 2 GB): a page beyond the cache costs no read()
            # call, which is most of the CPU of a search that walks an index.
            "mmap_size=2147418112",
        ):
            cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def mapped_integrity_errors(*, unique: str = _TAKEN_MEANWHILE, foreign_key: str = _GONE_MEANWHILE) -> Iterator[None]:
    """Turn the database's integrity errors into cairn errors whose message explains them: a unique index refused
    the change (``AlreadyExists(unique)``), or a foreign key did (``Conflict(foreign_key)``). The database's own
    text (table, column, values) is never shown. Any other integrity error (a NOT NULL column) is cairn's bug and
    goes on as it is.
    """
    try:
        yield
    except exc.IntegrityError as err:
        text = str(err.orig).lower()
        if "unique" in text or "duplicate key" in text:
            raise AlreadyExists(unique) from err
        if "foreign key" in text:
            raise Conflict(foreign_key) from err
        raise
