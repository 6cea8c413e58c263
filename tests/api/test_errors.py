"""One canonical error body, for every endpoint and every kind of error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cairn import errors
from cairn.api.app import create_app
from cairn.api.errors import STATUS_BY_ERROR, error_body, status_for
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.services.secrets import KEY_FILE
from cairn.settings import Settings
from tests.api.helpers import png_bytes
from tests.api.routes import PUBLIC, all_routes, fill, streams_end_at_once

API = "/api/v1"
CANONICAL_KEYS = {"status", "code", "message", "details"}


def assert_canonical(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == CANONICAL_KEYS, body
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    if code is not None:
        assert body["code"] == code, body
    return dict(body)


def _all_error_classes(root: type[errors.CairnError]) -> list[type[errors.CairnError]]:
    return [root, *(c for sub in root.__subclasses__() for c in _all_error_classes(sub))]


def test_every_error_class_has_a_status_and_a_unique_code() -> None:
    classes = _all_error_classes(errors.CairnError)
    assert set(classes) <= set(STATUS_BY_ERROR), set(classes) - set(STATUS_BY_ERROR)
    assert len({c.code for c in classes}) == len(classes)
    assert status_for(errors.AlreadyExists("taken")) == 409
    assert status_for(errors.ManifestError([errors.Problem("/items/0", "bad")])) == 422


def test_error_body_is_the_one_shape() -> None:
    assert error_body(status=404, code="not_found", message="gone") == {
        "status": 404,
        "code": "not_found",
        "message": "gone",
        "details": {},
    }


def test_every_endpoint_without_credentials_gives_the_canonical_401(app: FastAPI, client: TestClient) -> None:
    routes = [r for r in all_routes(app) if r not in PUBLIC]
    assert len(routes) > 25
    for method, path in routes:
        response = client.request(method, fill(path), json={})
        body = assert_canonical(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer", (method, path)
        assert "Authorization: Bearer" in body["message"]


def test_every_endpoint_with_path_ids_refuses_bad_ids_with_a_located_422(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str]
) -> None:
    checked = 0
    for method, path in all_routes(app):
        if "_id}" not in path:
            continue
        bad = fill(
            path,
            folder_id="x",
            item_id="x",
            dataset_id="x",
            token_id="x",
            integration_id="x",
            job_id="x",
            user_id="x",
            session_id="x",
            notification_id="x",
        )
        body = assert_canonical(client.request(method, bad, headers=admin_headers, json={}), 422, "invalid_input")
        assert any(p["location"].startswith("path/") for p in body["details"]["problems"]), (method, path, body)
        huge = fill(
            path,
            **dict.fromkeys(
                (
                    "folder_id",
                    "item_id",
                    "dataset_id",
                    "token_id",
                    "integration_id",
                    "job_id",
                    "user_id",
                    "session_id",
                    "notification_id",
                ),
                2**70,
            ),
        )
        assert_canonical(client.request(method, huge, headers=admin_headers, json={}), 422, "invalid_input")
        checked += 1
    assert checked > 15


def test_malformed_json_and_unknown_fields_are_located_422(client: TestClient, admin_headers: dict[str, str]) -> None:
    headers = {**admin_headers, "content-type": "application/json"}
    body = assert_canonical(client.post("/api/v1/folders", content=b"{nope", headers=headers), 422, "invalid_input")
    assert body["details"]["problems"][0]["location"].startswith("body")
    body = assert_canonical(
        client.post("/api/v1/folders", json={"name": "A", "colour": "red"}, headers=admin_headers), 422
    )
    assert body["details"]["problems"][0]["location"] == "body/colour"
    body = assert_canonical(client.get("/api/v1/search?limit=0", headers=admin_headers), 422)
    assert body["details"]["problems"][0]["location"] == "query/limit"
    body = assert_canonical(client.get("/api/v1/search?metadata=novalue", headers=admin_headers), 422)
    assert "query/metadata" in body["message"]
    body = assert_canonical(client.get("/api/v1/search?cursor=garbage", headers=admin_headers), 422)
    assert "cursor" in body["message"]


def test_service_errors_keep_their_code_and_details(client: TestClient, admin_headers: dict[str, str]) -> None:
    body = assert_canonical(client.get("/api/v1/folders/12345", headers=admin_headers), 404, "not_found")
    assert body["details"] == {"folder_id": 12345}
    client.post("/api/v1/folders", json={"name": "Twice"}, headers=admin_headers)
    again = client.post("/api/v1/folders", json={"name": "Twice"}, headers=admin_headers)
    assert_canonical(again, 409, "already_exists")


def test_unknown_routes_and_methods_get_the_canonical_body(client: TestClient, admin_headers: dict[str, str]) -> None:
    body = assert_canonical(client.get("/api/v1/nowhere", headers=admin_headers), 404, "not_found")
    assert "/api/v1/nowhere" in body["message"]
    assert_canonical(client.put("/api/v1/folders", headers=admin_headers), 405, "method_not_allowed")


def test_an_unexpected_exception_is_a_canonical_500_without_internals(app: FastAPI, client: TestClient) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    body = assert_canonical(client.get("/boom"), 500, "internal_error")
    assert "secret internals" not in body["message"]


def test_nul_characters_are_refused_where_they_come_in(client: TestClient, admin_headers: dict[str, str]) -> None:
    """The databases refuse U+0000 (PostgreSQL text and JSONB, SQLite FTS): it must be a 422, never a 500."""
    body = assert_canonical(client.get("/api/v1/search", params={"text": "abc\x00"}, headers=admin_headers), 422)
    assert body["message"].startswith("query/text:")
    nested = {"name": "F", "client_metadata": {"k": ["ok", "bad\x00"]}}
    body = assert_canonical(client.post("/api/v1/folders", json=nested, headers=admin_headers), 422)
    assert body["details"]["problems"] == [
        {"location": "body/client_metadata/k/1", "message": "contains a NUL character"}
    ]
    form = {"folder_id": "1", "integration": "disk\x00"}
    upload = client.post(
        "/api/v1/jobs/upload", data=form, files={"file": ("m.csv", b"ObjectUrl\n", "text/csv")}, headers=admin_headers
    )
    assert assert_canonical(upload, 422)["message"].startswith("body/integration:")
    assert client.get("/api/v1/folders", headers=admin_headers).json()["folders"] == []


def test_bad_input_is_a_4xx_and_no_error_names_a_server_path(
    client: TestClient, admin_headers: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    """Point 8 of issue 13: bad keys, odd upload names and links out of a root were 502s that named server paths."""
    root = tmp_path / "disk"
    root.mkdir()
    target = tmp_path / "private-target.png"
    target.write_bytes(png_bytes())
    (root / "link.png").symlink_to(target)
    made = client.post(
        f"{API}/integrations", json={"name": "disk", "provider": "local", "root": str(root)}, headers=admin_headers
    )
    check = f"{API}/integrations/{made.json()['id']}/check"
    answers = {
        key: client.post(check, json={"key": key}, headers=admin_headers) for key in ("", "a/../b", "dir/", "/x")
    }
    for answer in answers.values():
        assert_canonical(answer, 422, "invalid_input")
    linked = assert_canonical(client.post(check, json={"key": "link.png"}, headers=admin_headers), 422)
    assert "private-target" not in str(linked) and str(tmp_path) not in str(linked["details"])
    folder = client.post(f"{API}/folders", json={"name": "Odd names"}, headers=admin_headers).json()["id"]
    for name in ("..", ".", "a/..", "..\\..", "/"):
        sent = client.post(
            f"{API}/folders/{folder}/upload", files=[("files", (name, png_bytes(), "image/png"))], headers=admin_headers
        )
        assert sent.status_code == 201, (name, sent.text)
        item = sent.json()["items"][0]["id"]
        assert client.get(f"{API}/items/{item}/content", headers=admin_headers).content == png_bytes()
    for stored in [p for p in settings.managed_storage_dir.rglob("*") if p.is_file()]:
        stored.unlink()  # every managed file vanishes: the errors must not show where they were
    errors = [
        client.get(f"{API}/items/{item}/content", headers=admin_headers),
        client.post(f"{API}/items/{item}/inspect", headers=admin_headers),
    ]
    for answer in errors:
        body = assert_canonical(answer, 404, "object_not_found")
        assert str(settings.data_dir) not in answer.text and str(settings.data_dir.resolve()) not in answer.text, body


def test_an_endpoint_whose_host_does_not_resolve_is_bad_input(settings: Settings, admin: User) -> None:
    strict = settings.model_copy(update={"allow_private_endpoints": False})
    registry = Registry(strict)
    try:
        token = registry.auth.create_token(actor=admin, name="t").secret
        with TestClient(
            streams_end_at_once(create_app(strict, registry=registry)), raise_server_exceptions=False
        ) as strict_client:
            config = {"name": "far", "provider": "s3_compatible", "bucket": "b", "endpoint": "http://nope.invalid:9000"}
            answer = strict_client.post(
                f"{API}/integrations", json=config, headers={"Authorization": f"Bearer {token}"}
            )
        body = assert_canonical(answer, 422, "invalid_input")
        assert "nope.invalid" in body["message"]
    finally:
        registry.close()


def test_a_configuration_error_does_not_show_the_data_directory(
    client: TestClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    """The operator reads the path in the server's log; callers learn only that the server is misconfigured."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / KEY_FILE).write_bytes(b"")
    keys = {"access_key_id": "AKIA0000", "secret_access_key": "x"}
    config = {"name": "cams", "provider": "s3", "bucket": "cams", "region": "eu-west-1", "credentials": keys}
    answer = client.post(f"{API}/integrations", json=config, headers=admin_headers)
    body = assert_canonical(answer, 503, "configuration_error")
    assert "secret key file" in body["message"]
    assert str(settings.data_dir) not in answer.text and str(settings.data_dir.resolve()) not in answer.text, body


def test_a_nul_character_in_an_uploaded_file_name_is_refused(
    client: TestClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    """A file's name becomes its title (text in the database): NUL there is as bad as in any field."""
    folder = client.post(f"{API}/folders", json={"name": "Nul"}, headers=admin_headers).json()["id"]
    part = b'Content-Disposition: form-data; name="files"; filename="a\x00b.png"\r\nContent-Type: image/png\r\n\r\n'
    body = b"--XyZ\r\n" + part + png_bytes() + b"\r\n--XyZ--\r\n"
    headers = {**admin_headers, "content-type": "multipart/form-data; boundary=XyZ"}
    answer = assert_canonical(client.post(f"{API}/folders/{folder}/upload", content=body, headers=headers), 422)
    assert answer["details"]["problems"] == [
        {"location": "body/files/0/filename", "message": "contains a NUL character"}
    ]
    assert client.get(f"{API}/folders/{folder}/items", headers=admin_headers).json()["items"] == []
    assert not settings.managed_storage_dir.exists() or not any(settings.managed_storage_dir.rglob("*.png"))
