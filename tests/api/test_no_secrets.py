"""No response anywhere contains an integration secret or a token (or session) hash."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cairn.db.auth_schema import api_tokens, login_sessions
from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers
from tests.api.routes import all_routes, fill
from tests.services.helpers import add_images

KEY_ID = "AKIAKEYIDSHOULDNOTLEAK"
SECRET = "wJalrSECRETshouldNeverBeReturned0123456789"
NEW_SECRET = "ROTATEDsecretAlsoNeverReturned9876543210"


def test_no_response_contains_a_secret_or_a_hash(
    app: FastAPI, client: TestClient, registry: Registry, admin: User, admin_headers: Headers
) -> None:
    bodies: list[str] = []

    def record(response: object) -> None:
        bodies.append(response.text)  # type: ignore[attr-defined]

    credentials = {"access_key_id": KEY_ID, "secret_access_key": SECRET}
    integration = {"name": "cloud", "provider": "s3", "bucket": "my-bucket", "region": "eu-west-1"}
    made = client.post("/api/v1/integrations", json={**integration, "credentials": credentials}, headers=admin_headers)
    assert made.status_code == 201, made.text
    assert made.json()["config"]["credentials"] == ["access_key_id", "secret_access_key"]
    record(made)
    rotated = {"access_key_id": KEY_ID, "secret_access_key": NEW_SECRET}
    record(client.patch("/api/v1/integrations/1", json={"credentials": rotated}, headers=admin_headers))
    folder = client.post("/api/v1/folders", json={"name": "F"}, headers=admin_headers)
    record(folder)
    add_images(registry, admin, folder.json()["id"], "x.jpg")
    client.post("/api/v1/datasets", json={"title": "D"}, headers=admin_headers)
    created = client.post("/api/v1/tokens", json={"name": "extra"}, headers=admin_headers)
    token_secret = created.json()["secret"]
    login = client.post("/api/v1/auth/session", json={"token": token_secret})
    record(login)
    client.cookies.clear()
    for method, path in all_routes(app):
        if method == "GET":
            record(client.get(fill(path, email=admin.email), headers=admin_headers))
    record(client.get("/api/v1/journal?limit=1000", headers=admin_headers))
    with registry.db.read() as conn:
        hashes = [r.token_hash for r in conn.execute(sa.select(api_tokens.c.token_hash))]
        hashes += [r.session_hash for r in conn.execute(sa.select(login_sessions.c.session_hash))]
        hashes += [r.csrf_hash for r in conn.execute(sa.select(login_sessions.c.csrf_hash))]
    assert len(hashes) == 4 and len(bodies) > 30
    forbidden = [KEY_ID, SECRET, NEW_SECRET, token_secret, *hashes]
    leaks = [(needle[:8], body[:200]) for body in bodies for needle in forbidden if needle in body]
    assert leaks == []
