"""One tour of the API on PostgreSQL (the other API tests run on SQLite; the services are tested on both)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from cairn.api.app import create_app
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.conftest import _truncate_postgres
from tests.services.helpers import add_images

API = "/api/v1"


def test_a_tour_of_the_api_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    _truncate_postgres(postgres_url)
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url)
    with Registry(settings) as registry, TestClient(create_app(settings, registry=registry)) as client:
        admin = registry.users.ensure_local_admin()[0]
        headers = {"Authorization": f"Bearer {registry.auth.create_token(actor=admin, name='pg').secret}"}
        folder = client.post(f"{API}/folders", json={"name": "PG", "client_metadata": {"a": 1}}, headers=headers)
        assert folder.status_code == 201, folder.text
        folder_id = folder.json()["id"]
        items = add_images(registry, admin, folder_id, *(f"i{n}.jpg" for n in range(5)))
        page = client.get(f"{API}/folders/{folder_id}/items?limit=2&sort=created&desc=true", headers=headers).json()
        second = client.get(
            f"{API}/folders/{folder_id}/items",
            params={"limit": 10, "sort": "created", "desc": "true", "cursor": page["next_cursor"]},
            headers=headers,
        ).json()
        assert len(page["items"]) + len(second["items"]) == 5
        dataset = client.post(f"{API}/datasets", json={"title": "D"}, headers=headers).json()
        added = client.post(f"{API}/datasets/{dataset['id']}/items", json={"item_ids": [items[0].id]}, headers=headers)
        assert added.json() == {"count": 1}
        assert [i["id"] for i in client.get(f"{API}/search?text=i3", headers=headers).json()["items"]] == [items[3].id]
        user = registry.users.create(actor=admin, email="u@example.com")
        other = {"Authorization": f"Bearer {registry.auth.create_token(actor=user, name='u').secret}"}
        denied = client.patch(f"{API}/folders/{folder_id}", json={"name": "x"}, headers=other)
        assert denied.status_code == 404 and denied.json()["code"] == "not_found"  # no role: it does not exist
        journal = client.get(f"{API}/journal?action=dataset.add_items", headers=headers).json()["entries"]
        assert len(journal) == 1
        assert client.get(f"{API}/folders/{2**62}", headers=headers).status_code == 404
        secret = headers["Authorization"].removeprefix("Bearer ")
        csrf = client.post(f"{API}/auth/session", json={"token": secret}).json()["csrf_token"]
        assert client.post(f"{API}/folders", json={"name": "S"}).status_code == 403
        assert client.post(f"{API}/folders", json={"name": "S"}, headers={"X-CSRF-Token": csrf}).status_code == 201
        token_id = client.get(f"{API}/tokens", headers=headers).json()["tokens"][0]["id"]
        assert client.delete(f"{API}/tokens/{token_id}", headers={"X-CSRF-Token": csrf}).status_code == 200
        assert client.get(f"{API}/users/me", headers=headers).status_code == 401
