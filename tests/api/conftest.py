"""Fixtures of the API tests: the app over the test registry, a client, and authenticated callers.

The API is a thin layer over services that are tested on both dialects, so the API tests run on SQLite; one smoke
test (test_postgres_smoke.py) runs a tour of the API on PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cairn.api.app import create_app
from cairn.db import migrate
from cairn.db.database import Database
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.api.routes import streams_end_at_once

Headers = dict[str, str]


def bearer(secret: str) -> Headers:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database file, made once per session and copied by each test."""
    path = tmp_path_factory.mktemp("template") / "cairn.db"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    database.dispose()
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """A migrated SQLite database (overrides the two-dialect fixture of tests/conftest.py)."""
    target = tmp_path / "cairn.db"
    shutil.copyfile(migrated_sqlite, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(settings: Settings, registry: Registry) -> FastAPI:
    return streams_end_at_once(create_app(settings, registry=registry))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def token_for(registry: Registry) -> Callable[[User], Headers]:
    """Authorization headers with a fresh API token of ``user``."""

    def make(user: User) -> Headers:
        return bearer(registry.auth.create_token(actor=user, name="test").secret)

    return make


@pytest.fixture
def admin_headers(admin: User, token_for: Callable[[User], Headers]) -> Headers:
    return token_for(admin)
