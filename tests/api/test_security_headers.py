"""Security headers: on every response, and what keeps a served file from acting as a page of cairn's origin.

A file a user uploads or registers is served by ``GET /items/{id}/content``. HTML, SVG or anything else a browser
could run must never run as a page of the API's origin (where the session cookie works): it is a download
(``attachment``), every file response carries a sandboxing CSP, and nothing is content-sniffed.
"""

from __future__ import annotations

import os
from email.message import Message
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.api.security import content_disposition
from cairn.domain.records import User
from cairn.domain.urls import key_problem
from cairn.services.registry import Registry
from cairn.services.uploads import _key as upload_key
from tests.api.conftest import Headers
from tests.api.helpers import png_bytes
from tests.api.routes import all_routes, fill

API = "/api/v1"

EVERY_RESPONSE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-resource-policy": "same-origin",
}
HTML = b"<!doctype html><html><body><script>fetch('/api/v1/tokens')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def assert_secure(response: Response) -> None:
    for name, value in EVERY_RESPONSE.items():
        assert response.headers.get(name) == value, (response.request.url, name, dict(response.headers))
    policy = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, (response.request.url, policy)


def _disposition(response: Response) -> tuple[str, str]:
    """(disposition type, file name from filename*) of a response, parsed as a mail header would be."""
    header = response.headers["content-disposition"]
    assert "\r" not in header and "\n" not in header
    message = Message()
    message["content-disposition"] = header
    kind = message.get_content_disposition()
    name = message.get_filename()
    assert kind is not None and name is not None, header
    return kind, name


def _upload(client: TestClient, headers: Headers, name: str, data: bytes, content_type: str) -> int:
    folder = client.post(f"{API}/folders", json={"name": f"F {name}"}, headers=headers).json()["id"]
    made = client.post(f"{API}/folders/{folder}/upload", files=[("files", (name, data, content_type))], headers=headers)
    assert made.status_code == 201, made.text
    return int(made.json()["items"][0]["id"])


def test_every_route_answers_with_the_security_headers(
    app: FastAPI, client: TestClient, admin_headers: Headers
) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("bug")

    responses = [client.request(method, fill(path), json={}) for method, path in all_routes(app)]
    responses += [client.request(m, fill(p), json={}, headers=admin_headers) for m, p in all_routes(app)]
    responses += [client.get("/health"), client.get("/nowhere"), client.get("/boom"), client.get("/docs")]
    responses += [client.get("/api/v1/folders/x", headers=admin_headers)]
    assert {r.status_code for r in responses} >= {200, 401, 404, 422, 500}
    for response in responses:
        assert_secure(response)
    json_answer = client.get(f"{API}/folders", headers=admin_headers)
    assert json_answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert json_answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [("page.html", HTML, "text/html"), ("drawing.svg", SVG, "image/svg+xml"), ("page.xhtml", HTML, "text/html")],
)
def test_active_content_is_a_sandboxed_download_never_a_page(
    client: TestClient, admin_headers: Headers, name: str, data: bytes, content_type: str
) -> None:
    item = _upload(client, admin_headers, name, data, content_type)
    for extra in ({}, {"Range": "bytes=0-9"}):
        served = client.get(f"{API}/items/{item}/content", headers={**admin_headers, **extra})
        assert served.status_code in {200, 206}
        assert_secure(served)
        assert _disposition(served) == ("attachment", name)
        policy = served.headers["content-security-policy"]
        assert "sandbox" in policy.split("; ") and "default-src 'none'" in policy
        assert "script" not in policy  # no script source is allowed anywhere
        assert served.headers["cache-control"] == "private, no-cache"


def test_passive_media_is_inline_but_still_sandboxed(client: TestClient, admin_headers: Headers) -> None:
    png = png_bytes()
    item = _upload(client, admin_headers, "red.png", png, "image/png")
    served = client.get(f"{API}/items/{item}/content", headers=admin_headers)
    assert served.content == png and served.headers["content-type"] == "image/png"
    assert_secure(served)
    assert _disposition(served) == ("inline", "red.png")
    assert "sandbox" in served.headers["content-security-policy"].split("; ")


def test_registered_files_follow_the_same_rule(
    client: TestClient, registry: Registry, admin_headers: Headers, tmp_path: Path
) -> None:
    """Files of a `local` integration are streamed by cairn too: an HTML file there is a sandboxed download."""
    root = tmp_path / "disk"
    root.mkdir()
    (root / "photo.png").write_bytes(png_bytes())
    (root / "note.htm").write_bytes(HTML)
    made = client.post(
        f"{API}/integrations", json={"name": "disk", "provider": "local", "root": str(root)}, headers=admin_headers
    )
    assert made.status_code == 201, made.text
    folder = client.post(f"{API}/folders", json={"name": "Disk"}, headers=admin_headers).json()["id"]
    manifest = {
        "images": [{"objectUrl": (root / "photo.png").as_uri()}],
        "text": [{"objectUrl": (root / "note.htm").as_uri()}],
    }
    job = client.post(
        f"{API}/jobs", json={"folder_id": folder, "integration": "disk", "manifest": manifest}, headers=admin_headers
    ).json()
    registry.jobs.run_task(job_id=job["id"], seq=0)  # the scan adds the registering tasks
    scanned = client.get(f"{API}/jobs/{job['id']}", headers=admin_headers).json()
    for seq in range(1, scanned["tasks_total"]):
        registry.jobs.run_task(job_id=job["id"], seq=seq)
    items = client.get(f"{API}/folders/{folder}/items", headers=admin_headers).json()["items"]
    dispositions = {}
    for item in items:
        served = client.get(f"{API}/items/{item['id']}/content", headers=admin_headers)
        assert served.status_code == 200, served.text
        assert_secure(served)
        dispositions[item["title"]] = _disposition(served)
    assert dispositions == {"photo.png": ("inline", "photo.png"), "note.htm": ("attachment", "note.htm")}


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("My photo", "My photo.png"),  # the extension of the file is kept
        ("holiday.PNG", "holiday.PNG"),
        ('He said "hi"\r\nSet-Cookie: cairn_session=x', 'He said "hi"\r\nSet-Cookie: cairn_session=x.png'),
        ("café ☕; name=evil.html", "café ☕; name=evil.html.png"),
        ("../../etc/passwd", "../../etc/passwd.png"),
        ("100% \\ done", "100% \\ done.png"),
    ],
)
def test_content_disposition_names_the_file_exactly_and_injects_nothing(
    client: TestClient, admin_headers: Headers, title: str, expected: str
) -> None:
    item = _upload(client, admin_headers, "red.png", png_bytes(), "image/png")
    renamed = client.patch(f"{API}/items/{item}", json={"title": title}, headers=admin_headers)
    assert renamed.status_code == 200, renamed.text
    served = client.get(f"{API}/items/{item}/content", headers=admin_headers)
    header = served.headers["content-disposition"]
    assert "set-cookie" not in served.headers and header.isascii(), header
    kind, _ = _disposition(served)
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert kind == "inline" and unquote(encoded, errors="strict") == expected.strip(), header
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback and all(c.isprintable() and c not in '"\\/%' for c in fallback), header


def test_the_api_documents_need_a_signed_in_caller(client: TestClient, admin_headers: Headers) -> None:
    anonymous = client.get("/openapi.json")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    assert client.get("/docs", headers={"Authorization": "Bearer cairn_wrong"}).json()["code"] == "unauthenticated"
    for path in ("/openapi.json", "/docs"):
        assert client.get(path, headers=admin_headers).status_code == 200, path
    assert client.get("/openapi.json", headers=admin_headers).json()["info"]["title"] == "cairn"
    assert "redoc" not in client.get("/redoc", headers=admin_headers).text.lower()  # no ReDoc: a path of the web UI
    assert client.get("/health").status_code == 200


def test_the_docs_page_runs_only_the_scripts_its_policy_names(client: TestClient, admin_headers: Headers) -> None:
    page = client.get("/docs", headers=admin_headers)
    policy = page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0], policy
    assert "'sha256-" in policy and "frame-ancestors 'none'" in policy
    assert os.sep + "tmp" not in page.text


@given(name=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_file_name_gives_one_well_formed_header_that_names_it_exactly(name: str) -> None:
    header = content_disposition("attachment", name)
    assert header.isascii() and header.isprintable(), header
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback and not set(fallback) & set('"\\/%'), header
    assert unquote(header.split("filename*=UTF-8''", 1)[1], errors="strict") == name
    message = Message()
    message["content-disposition"] = header
    assert message.get_content_disposition() == "attachment" and message.get_filename()


@given(name=st.text(max_size=40))
def test_an_uploaded_file_name_always_makes_a_valid_managed_key(name: str) -> None:
    """Whatever a client calls its file ("..", "/", "a/../b", "\\\\"), the managed key names one object."""
    assert key_problem(upload_key(name)) is None


def test_docs_without_a_session_is_a_sign_in_page_that_leads_to_the_docs(
    client: TestClient, registry: Registry, admin: User
) -> None:
    """Until the web UI exists, /docs is where a browser signs in: a token form that starts a session."""
    page = client.get("/docs")
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert_secure(page)
    assert 'type="password"' in page.text and "/api/v1/auth/session" in page.text and "swagger" not in page.text
    policy = page.headers["content-security-policy"]
    assert "'sha256-" in policy and "'unsafe-inline'" not in policy and "connect-src 'self'" in policy
    token = registry.auth.create_token(actor=admin, name="browser").secret
    assert client.post("/api/v1/auth/session", json={"token": token}).status_code == 201  # what the form's script does
    docs = client.get("/docs")  # the session cookie now signs the browser in
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert client.get("/openapi.json").json()["info"]["title"] == "cairn"
