"""Size limits at the HTTP boundary: request bodies (declared and chunked), uploaded files, manifests and client
metadata answer 413 ``too_large`` with the canonical error body, saying what, how large, and which setting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cairn.settings import Settings
from tests.api.conftest import Headers
from tests.api.helpers import png_bytes

API = "/api/v1"
REQUEST_LIMIT = 300_000
METADATA_LIMIT = 250_000
UPLOAD_LIMIT = 20_000
MANIFEST_LIMIT = 50_000
TOTAL_LIMIT = 50_000


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        max_request_bytes=REQUEST_LIMIT,
        max_client_metadata_bytes=METADATA_LIMIT,
        max_upload_bytes=UPLOAD_LIMIT,
        max_upload_request_bytes=TOTAL_LIMIT,
        max_manifest_bytes=MANIFEST_LIMIT,
    )


def _leftovers(settings: Settings) -> list[Path]:
    """Every file cairn keeps in its data directory apart from the database and its queue (uploads, spools)."""
    found = [p for p in settings.data_dir.rglob("*") if p.is_file()] if settings.data_dir.exists() else []
    return [p for p in found if p.parent != settings.data_dir]


def _assert_too_large(response: object, *words: str) -> dict[str, object]:
    assert getattr(response, "status_code", None) == 413, str(getattr(response, "text", response))[:500]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"status", "code", "message", "details"} and body["status"] == 413, body
    assert body["code"] == "too_large", body
    for word in words:
        assert word in body["message"], body["message"]
    return dict(body)


def _folder(client: TestClient, headers: Headers) -> int:
    return int(client.post(f"{API}/folders", json={"name": "F"}, headers=headers).json()["id"])


def test_a_json_body_over_the_limit_is_refused_before_it_is_read(client: TestClient, admin_headers: Headers) -> None:
    body = json.dumps({"name": "Big", "description": "x" * REQUEST_LIMIT}).encode()
    refused = client.post(f"{API}/folders", content=body, headers={**admin_headers, "Content-Type": "application/json"})
    found = _assert_too_large(refused, "request body", "300,000 bytes", "CAIRN_MAX_REQUEST_BYTES")
    assert found["details"]["limit"] == REQUEST_LIMIT  # type: ignore[index]
    assert client.get(f"{API}/folders", headers=admin_headers).json()["folders"] == []


def test_a_chunked_body_over_the_limit_is_refused_while_it_is_read(client: TestClient, admin_headers: Headers) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "Big", "description": "'
        for _ in range(40):
            yield b"x" * 10_000
        yield b'"}'

    refused = client.post(
        f"{API}/folders", content=chunks(), headers={**admin_headers, "Content-Type": "application/json"}
    )
    _assert_too_large(refused, "request body", "CAIRN_MAX_REQUEST_BYTES")
    assert client.get(f"{API}/folders", headers=admin_headers).json()["folders"] == []


def test_every_route_bounds_its_body_even_one_that_takes_none(client: TestClient, admin_headers: Headers) -> None:
    big = b"x" * (REQUEST_LIMIT + 1)
    for method, path in [("GET", f"{API}/folders"), ("POST", f"{API}/auth/session"), ("DELETE", f"{API}/items/1")]:
        _assert_too_large(client.request(method, path, content=big, headers=admin_headers), "request body")


def test_client_metadata_over_its_limit_is_413_on_every_route(client: TestClient, admin_headers: Headers) -> None:
    big = {"k": "x" * METADATA_LIMIT}
    _assert_too_large(
        client.post(f"{API}/folders", json={"name": "F", "client_metadata": big}, headers=admin_headers),
        "client_metadata",
        "CAIRN_MAX_CLIENT_METADATA_BYTES",
    )
    folder = _folder(client, admin_headers)
    _assert_too_large(
        client.patch(f"{API}/folders/{folder}", json={"client_metadata": big}, headers=admin_headers),
        "CAIRN_MAX_CLIENT_METADATA_BYTES",
    )
    upload = client.post(
        f"{API}/folders/{folder}/upload",
        files=[("files", ("a.png", png_bytes(), "image/png"))],
        data={"client_metadata": json.dumps(big)},
        headers=admin_headers,
    )
    _assert_too_large(upload, "CAIRN_MAX_CLIENT_METADATA_BYTES")
    assert client.get(f"{API}/folders/{folder}", headers=admin_headers).json()["client_metadata"] == {}


def test_upload_client_metadata_is_bounded_by_the_setting_not_a_fixed_field_length(
    client: TestClient, admin_headers: Headers
) -> None:
    folder = _folder(client, admin_headers)
    metadata = {"k": "x" * 200_000}
    made = client.post(
        f"{API}/folders/{folder}/upload",
        files=[("files", ("a.png", png_bytes(), "image/png"))],
        data={"client_metadata": json.dumps(metadata)},
        headers=admin_headers,
    )
    assert made.status_code == 201, made.text[:300]
    assert made.json()["items"][0]["client_metadata"] == metadata


def test_an_uploaded_file_over_the_limit_is_413_and_leaves_nothing(
    client: TestClient, admin_headers: Headers, settings: Settings
) -> None:
    folder = _folder(client, admin_headers)
    small = png_bytes()
    files = [
        ("files", ("small.png", small, "image/png")),
        ("files", ("huge.png", small + b"\0" * UPLOAD_LIMIT, "image/png")),
    ]
    refused = client.post(f"{API}/folders/{folder}/upload", files=files, headers=admin_headers)
    found = _assert_too_large(refused, "'huge.png'", "20,000 bytes", "CAIRN_MAX_UPLOAD_BYTES")
    assert found["details"]["location"] == "body/files/1"  # type: ignore[index]
    assert _leftovers(settings) == []
    summary = client.get(f"{API}/folders/{folder}/summary", headers=admin_headers).json()
    assert summary["files"] == 0


def test_a_manifest_file_over_its_limit_is_413(client: TestClient, admin_headers: Headers, settings: Settings) -> None:
    folder = _folder(client, admin_headers)
    manifest = json.dumps({"images": [{"objectUrl": f"s3://b/{n:06}.jpg"} for n in range(3_000)]}).encode()
    assert len(manifest) > MANIFEST_LIMIT
    for path in (f"{API}/jobs/upload", f"{API}/jobs/dry-run/upload"):
        refused = client.post(
            path,
            files={"file": ("m.json", manifest, "application/json")},
            data={"folder_id": str(folder), "integration": "nowhere"},
            headers=admin_headers,
        )
        _assert_too_large(refused, "'m.json'", "CAIRN_MAX_MANIFEST_BYTES")
    assert _leftovers(settings) == []


def test_default_limits_follow_encord_and_leave_room_for_large_manifests() -> None:
    """10 MB of client metadata (Encord's); manifests of several hundred MB (issue 15: 228 MB) register."""
    defaults = Settings()
    assert defaults.max_client_metadata_bytes == 10_000_000
    assert defaults.max_request_bytes > defaults.max_client_metadata_bytes
    assert defaults.max_manifest_bytes >= 500_000_000
    assert defaults.max_upload_bytes >= 1_000_000_000


def test_query_string_filters_are_bounded(client: TestClient, admin_headers: Headers) -> None:
    folder = _folder(client, admin_headers)
    long_filter = "k=" + "v" * 1_000
    answer = client.get(f"{API}/folders/{folder}/items", params={"metadata": long_filter}, headers=admin_headers)
    assert answer.status_code == 422, answer.text[:300]
    assert "query/metadata" in answer.json()["message"] and "1,000 characters" in answer.json()["message"]
    too_many = client.get(f"{API}/folders/{folder}/items", params={"limit": 1_001}, headers=admin_headers)
    assert too_many.status_code == 422 and "query/limit" in too_many.json()["message"]


def test_a_json_manifest_body_over_the_limit_says_how_to_send_a_larger_one(
    client: TestClient, admin_headers: Headers
) -> None:
    folder = _folder(client, admin_headers)
    manifest = {"images": [{"objectUrl": f"s3://b/{n:07}.jpg"} for n in range(12_000)]}
    body = {"folder_id": folder, "integration": "nowhere", "manifest": manifest}
    for path in (f"{API}/jobs", f"{API}/jobs/dry-run"):
        refused = client.post(path, json=body, headers=admin_headers)
        _assert_too_large(refused, "CAIRN_MAX_REQUEST_BYTES", "as a file: POST /api/v1/jobs/upload")


def test_the_files_of_one_upload_are_bounded_together(
    client: TestClient, admin_headers: Headers, settings: Settings
) -> None:
    folder = _folder(client, admin_headers)
    each = png_bytes() + b"\0" * 15_000  # within the 20,000-byte file limit; four are over 50,000 together
    files = [("files", (f"f{n}.png", each, "image/png")) for n in range(4)]
    refused = client.post(f"{API}/folders/{folder}/upload", files=files, headers=admin_headers)
    _assert_too_large(refused, "the files of this request", "50,000 bytes", "CAIRN_MAX_UPLOAD_REQUEST_BYTES")
    assert _leftovers(settings) == []
    assert client.get(f"{API}/folders/{folder}/summary", headers=admin_headers).json()["files"] == 0
