"""``Server-Timing`` on every response when the setting asks for it: the time cairn took, which the browser shows
beside its own timings; never by default (exact handler times help timing attacks)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cairn.api.app import create_app
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.api.conftest import Headers

APP_DURATION = re.compile(r"^app;dur=(\d+\.\d)$")


def _duration(header: str | None) -> float:
    match = APP_DURATION.match(header or "")
    assert match, header
    return float(match.group(1))


@pytest.fixture
def app(settings: Settings, registry: Registry) -> FastAPI:
    return create_app(settings.model_copy(update={"server_timing": True}), registry=registry)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_off_by_default(settings: Settings, registry: Registry, admin_headers: Headers) -> None:
    assert settings.server_timing is False
    with TestClient(create_app(settings, registry=registry)) as plain:
        answers = [plain.get("/api/v1/folders", headers=admin_headers), plain.get("/api/v1/folders")]
    assert [a.status_code for a in answers] == [200, 401]
    assert all("server-timing" not in a.headers for a in answers)


def test_every_kind_of_answer_says_how_long_the_app_took(client: TestClient, admin_headers: Headers) -> None:
    answers = [
        client.get("/api/v1/folders", headers=admin_headers),  # JSON
        client.get("/api/v1/folders"),  # 401
        client.get("/api/v1/nowhere", headers=admin_headers),  # 404
        client.get("/files/12"),  # the web UI's page
        client.get("/health"),
    ]
    assert {a.status_code for a in answers} >= {200, 401, 404}
    for answer in answers:
        assert _duration(answer.headers.get("server-timing")) >= 0


def test_the_duration_covers_the_handler(app: FastAPI, client: TestClient) -> None:
    @app.get("/slow")
    def slow() -> dict[str, str]:
        time.sleep(0.05)
        return {"done": "yes"}

    assert _duration(client.get("/slow").headers.get("server-timing")) >= 50
