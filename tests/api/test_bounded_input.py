"""Bad input answered as a located 4xx, never a database error; and Range headers read as RFC 9110 says."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cairn.api.ranges import ByteRange, UnsatisfiableRange, parse_range
from tests.api.conftest import Headers
from tests.api.helpers import png_bytes

API = "/api/v1"


def test_a_user_name_too_long_or_with_a_nul_is_a_422_naming_the_field(
    client: TestClient, admin_headers: Headers
) -> None:
    made = client.post(f"{API}/users", json={"email": "vera@example.com", "name": "Vera"}, headers=admin_headers)
    assert made.status_code == 201, made.text
    vera = made.json()["id"]
    for name in ("n" * 201, "Ve\x00ra"):
        too_long = client.post(f"{API}/users", json={"email": "long@example.com", "name": name}, headers=admin_headers)
        assert too_long.status_code == 422 and "name" in too_long.text, too_long.text
        patched = client.patch(f"{API}/users/{vera}", json={"name": name}, headers=admin_headers)
        assert patched.status_code == 422 and "name" in patched.text, patched.text
    assert client.get(f"{API}/users", headers=admin_headers).text.count("long@example.com") == 0


def test_a_local_integration_whose_root_is_not_a_directory_is_a_422_on_root(
    client: TestClient, admin_headers: Headers, tmp_path: Path
) -> None:
    body = {"name": "disk", "provider": "local", "root": str(tmp_path / "gone")}
    refused = client.post(f"{API}/integrations", json=body, headers=admin_headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"] == {"field": "root"}
    assert "does not exist or is not a directory" in refused.json()["message"]
    assert client.get(f"{API}/integrations", headers=admin_headers).json()["integrations"] == []
    made = client.post(f"{API}/integrations", json={**body, "root": str(tmp_path)}, headers=admin_headers)
    assert made.status_code == 201, made.text


def test_an_invalid_range_is_ignored_and_an_unsatisfiable_one_is_416(
    client: TestClient, admin_headers: Headers
) -> None:
    folder = client.post(f"{API}/folders", json={"name": "Uploads"}, headers=admin_headers).json()["id"]
    png = png_bytes(40, 30)
    made = client.post(
        f"{API}/folders/{folder}/upload", files=[("files", ("red.png", png, "image/png"))], headers=admin_headers
    )
    content = f"{API}/items/{made.json()['items'][0]['id']}/content"
    for invalid in ("bytes=10-5", "bytes=1-0", f"bytes={len(png) + 10}-{len(png) + 5}"):
        whole = client.get(content, headers={**admin_headers, "Range": invalid})
        assert whole.status_code == 200 and whole.content == png, (invalid, whole.status_code)
        assert "content-range" not in whole.headers
    beyond = client.get(content, headers={**admin_headers, "Range": f"bytes={len(png)}-{len(png) + 5}"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(png)}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=10-5", None),  # last before first: invalid, ignored
        ("bytes=5-5", ByteRange(5, 6)),
        ("bytes=5-", ByteRange(5, 100)),
        ("bytes=90-200", ByteRange(90, 100)),
        ("bytes=-10", ByteRange(90, 100)),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
    ],
)
def test_parse_range(header: str, expected: ByteRange | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(UnsatisfiableRange):
        parse_range(header, 100)


def test_an_upload_whose_file_name_is_too_long_is_a_located_422(client: TestClient, admin_headers: Headers) -> None:
    folder = client.post(f"{API}/folders", json={"name": "Uploads"}, headers=admin_headers).json()["id"]
    files = [("files", ("ok.png", png_bytes(), "image/png")), ("files", ("n" * 301 + ".png", png_bytes(), "image/png"))]
    refused = client.post(f"{API}/folders/{folder}/upload", files=files, headers=admin_headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["location"] == "files/1" and refused.json()["details"]["limit"] == 300
    assert client.get(f"{API}/folders/{folder}/items", headers=admin_headers).json()["items"] == []
