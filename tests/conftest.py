"""Shared fixtures: settings, a migrated database on each dialect, a registry, users.

Every repository and service test that uses ``registry`` runs twice: on SQLite (a file in the test's tmp dir) and on
PostgreSQL (a throwaway database per test session, truncated between tests). With ``CI`` set, a missing PostgreSQL
fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from cairn.db import migrate
from cairn.db.database import Database
from cairn.db.tables import metadata
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.settings import Settings

pytest_plugins = [
    name
    for name in ("tests.fixtures.storage_servers", "tests.fixtures.media_corpus")
    if (Path(__file__).parent / "fixtures" / f"{name.rsplit('.', 1)[-1]}.py").exists()
]

POSTGRES_ADMIN_URL = os.environ.get("CAIRN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def require(condition: bool, reason: str) -> None:
    """Skip when a service or tool is missing; under CI, fail instead (a missing service is a broken setup)."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"required for CI: {reason}")
    pytest.skip(reason)


def _postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def throwaway_postgres(prefix: str = "cairn_test") -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards (skips, or fails under CI, without one)."""
    require(_postgres_available(), f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session (one per xdist worker), migrated once."""
    with throwaway_postgres() as url:
        database = Database(url)
        migrate.upgrade(database)
        database.dispose()
        yield url


def _truncate_postgres(url: str) -> None:
    database = Database(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with database.write() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each dialect."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cairn.db'}"
        database = Database(url)
        migrate.upgrade(database)
        database.dispose()
        return url
    url: str = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, allow_private_endpoints=True)


@pytest.fixture
def registry(settings: Settings) -> Iterator[Registry]:
    reg = Registry(settings)
    try:
        yield reg
    finally:
        reg.close()


@pytest.fixture
def admin(registry: Registry) -> User:
    """The organization admin made on the first run."""
    return registry.users.ensure_local_admin()[0]


@pytest.fixture
def make_user(registry: Registry, admin: User):  # type: ignore[no-untyped-def]
    """Make a plain (non-admin) user: ``make_user("alice")`` → alice@example.com."""

    def make(name: str) -> User:
        return registry.users.create(actor=admin, email=f"{name}@example.com", name=name.title())

    return make
