"""A real cairn server for the SDK tests: uvicorn in a thread over a fresh SQLite database, with the job consumer."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from cairn.api.app import create_app
from cairn.cli.worker import embedded_consumer
from cairn.db import migrate
from cairn.db.database import Database
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.fixtures.storage_servers import moto_server

__all__ = ["moto_server"]


@dataclass(frozen=True)
class LiveServer:
    url: str
    registry: Registry
    admin: User
    token: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "cairn.db"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    database.dispose()
    return path


@pytest.fixture
def live_server(tmp_path: Path, migrated_template: Path) -> Iterator[LiveServer]:
    """``cairn serve`` in miniature: the app under uvicorn on a free port, and one job consumer thread."""
    shutil.copyfile(migrated_template, tmp_path / "cairn.db")
    settings = Settings(
        data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'cairn.db'}", allow_private_endpoints=True
    )
    registry = Registry(settings)
    admin = registry.users.ensure_local_admin()[0]
    token = registry.auth.create_token(actor=admin, name="sdk tests").secret
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, registry=registry), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    with embedded_consumer(registry, workers=1):
        thread.start()
        _wait_until_up(f"http://127.0.0.1:{port}/health")
        try:
            yield LiveServer(f"http://127.0.0.1:{port}", registry, admin, token)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    registry.close()


def _wait_until_up(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"the test server did not come up at {url}")
