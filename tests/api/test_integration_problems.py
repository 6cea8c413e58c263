"""Refused integration writes: every problem located at the field the web UI's form shows it next to, and no
refusal echoes a secret that was sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cairn.settings import Settings
from tests.api.conftest import Headers

API = "/api/v1"
SECRET = "wJalrSECRETinARefusedRequest0123456789"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The server of these tests lets ``local`` integrations point into ``tmp_path/allowed`` only."""
    (tmp_path / "allowed").mkdir()
    return Settings(data_dir=tmp_path / "data", database_url=database_url, local_roots=[tmp_path / "allowed"])


def _fields(answer: object) -> list[str]:
    body = answer.json()  # type: ignore[attr-defined]
    problems = body["details"].get("problems")
    return [p["field"] for p in problems] if problems else [body["details"]["field"]]


def test_a_refused_name_or_place_is_located_at_its_field(
    client: TestClient, admin_headers: Headers, tmp_path: Path
) -> None:
    allowed = str(tmp_path / "allowed")

    def add(**body: object) -> object:
        return client.post(f"{API}/integrations", json=body, headers=admin_headers)

    named = add(name="id:7", provider="local", root=allowed)
    assert named.status_code == 422 and _fields(named) == ["name"]  # type: ignore[attr-defined]
    blank = add(name="   ", provider="local", root=allowed)
    assert blank.status_code == 422 and _fields(blank) == ["name"]  # type: ignore[attr-defined]
    missing = add(name="gone", provider="local", root=f"{allowed}/missing")
    assert missing.status_code == 422 and _fields(missing) == ["root"]  # type: ignore[attr-defined]
    outside = add(name="out", provider="local", root=str(tmp_path))
    assert outside.status_code == 403 and _fields(outside) == ["root"]  # type: ignore[attr-defined]
    s3 = add(name="cloud", provider="s3_compatible", bucket="b", options={"anonymous": "yes"})
    assert s3.status_code == 422 and _fields(s3) == ["endpoint", "options.anonymous"]  # type: ignore[attr-defined]


def test_no_refusal_echoes_a_secret(client: TestClient, admin_headers: Headers, tmp_path: Path) -> None:
    bucket = {"name": "c", "bucket": "my-bucket"}
    sent = [
        {"provider": "s3", "credentials": {"secret_access_key": SECRET}},
        {"provider": "gcs", "credentials": {"service_account_key": SECRET}},
        {"provider": "s3", "credentials": {"password": SECRET}},
        {"provider": "s3", "credentials": {"access_key_id": [SECRET]}},
    ]
    refused = [client.post(f"{API}/integrations", json=bucket | body, headers=admin_headers) for body in sent]
    made = client.post(
        f"{API}/integrations",
        json={"name": "disk", "provider": "local", "root": str(tmp_path / "allowed")},
        headers=admin_headers,
    )
    assert made.status_code == 201, made.text
    path = f"{API}/integrations/{made.json()['id']}"
    refused.append(client.patch(path, json={"credentials": {"session_token": SECRET}}, headers=admin_headers))
    assert [r.status_code for r in refused] == [422] * 5
    assert [r.text for r in refused if SECRET in r.text] == []
