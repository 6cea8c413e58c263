"""An empty upload is no media file of any kind: refused (422, where and why) and nothing stored."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cairn.settings import Settings
from tests.api.conftest import Headers

API = "/api/v1"


def test_an_empty_file_upload_is_refused_and_stores_nothing(
    client: TestClient, admin_headers: Headers, settings: Settings
) -> None:
    folder = client.post(f"{API}/folders", json={"name": "Uploads"}, headers=admin_headers).json()["id"]
    empty = [("files", ("notes.txt", b"", "text/plain"))]
    refused = client.post(f"{API}/folders/{folder}/upload", files=empty, headers=admin_headers)
    assert refused.status_code == 422, refused.text
    assert "files[0] 'notes.txt'" in refused.json()["message"] and "empty" in refused.json()["message"]
    root = settings.managed_storage_dir
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))
    assert client.get(f"{API}/folders/{folder}/items", headers=admin_headers).json()["items"] == []
