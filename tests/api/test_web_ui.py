"""The web UI's pages and files as cairn serves them: the app for every page, hashed assets cached for a year, a
strict policy, and the API's own answers unchanged (its 404s and 405s, /health, /docs)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cairn.api.app import create_app
from cairn.api.webui import UI_DIST, UI_POLICY
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.api.test_errors import assert_canonical
from tests.conftest import require

INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head></html>'


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A built app as Vite lays it out: index.html and hashed files under assets/."""
    built = tmp_path / "ui_dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text(INDEX)
    (built / "assets" / "app-1a2b3c.js").write_text("console.log('cairn')")
    return built


def client_over(settings: Settings, registry: Registry, dist: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings, registry=registry, ui_dist=dist), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def ui(settings: Settings, registry: Registry, dist: Path) -> Iterator[TestClient]:
    yield from client_over(settings, registry, dist)


@pytest.mark.parametrize("path", ["/", "/files", "/files/12", "/search?q=cars", "/signin", "/apiary"])
def test_every_page_is_the_app(ui: TestClient, path: str) -> None:
    """The app's router decides what a path shows: the server answers every page with index.html, never cached."""
    page = ui.get(path)
    assert page.status_code == 200
    assert page.text == INDEX
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["content-security-policy"] == UI_POLICY
    assert page.headers["x-frame-options"] == "DENY"


PAGE = (
    '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head><body></body></html>'
)
SCREEN = re.compile(r'<script type="application/json" id="cairn-first-screen">(.*?)</script>', re.S)


@pytest.fixture
def page_dist(dist: Path) -> Path:
    (dist / "index.html").write_text(PAGE)
    return dist


def signed_in(client: TestClient, registry: Registry, user: User) -> TestClient:
    """The client with a session of ``user``, as the sign-in page gets one (the API-token path)."""
    secret = registry.auth.create_token(actor=user, name="web ui test").secret
    assert client.post("/api/v1/auth/session", json={"token": secret}).status_code == 201
    return client


def first_screen(page: str) -> dict[str, Any]:
    found = SCREEN.search(page)
    assert found is not None, page
    parsed: dict[str, Any] = json.loads(found.group(1))
    return parsed


def test_a_folder_page_carries_its_first_screen_as_the_api_answers_it(
    settings: Settings, registry: Registry, page_dist: Path, admin: User
) -> None:
    """A folder's page, for a session, holds who is signed in, the folder's first page of files (the table's first
    order and page size) and its sub-folders: the very answers of the API for that user; such a page is never
    stored, and is asked for nothing else (no preload)."""
    folder = registry.folders.create(actor=admin, name="Shots")
    registry.folders.create(actor=admin, name="b day", parent_id=folder.id)
    registry.folders.create(actor=admin, name="a day", parent_id=folder.id)
    for ui in client_over(settings, registry, page_dist):
        page = signed_in(ui, registry, admin).get(f"/files/{folder.id}")
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["content-security-policy"] == UI_POLICY
        assert "link" not in page.headers
        assert page.text.startswith(PAGE.removesuffix("</body></html>")) and page.text.endswith("</body></html>")
        screen = first_screen(page.text)
        assert screen["folder_id"] == folder.id
        assert screen["me"] == ui.get("/api/v1/users/me").json()
        files = ui.get(f"/api/v1/folders/{folder.id}/items", params={"sort": "name", "desc": "false", "limit": 200})
        assert screen["files"] == files.json()
        assert screen["folders"] == ui.get("/api/v1/folders", params={"parent_id": folder.id}).json()
        assert [f["name"] for f in screen["folders"]["folders"]] == ["a day", "b day"]


def test_a_folder_page_holds_only_what_its_user_may_see(
    settings: Settings, registry: Registry, page_dist: Path, admin: User, make_user: Any
) -> None:
    """A folder the session's user may not see: the page says who is signed in, nothing of the folder (the app asks
    for it and shows the API's own answer)."""
    folder = registry.folders.create(actor=admin, name="Private")
    registry.folders.create(actor=admin, name="Inside", parent_id=folder.id)
    for ui in client_over(settings, registry, page_dist):
        screen = first_screen(signed_in(ui, registry, make_user("mallory")).get(f"/files/{folder.id}").text)
        assert screen == {"me": ui.get("/api/v1/users/me").json(), "folder_id": folder.id}
        assert "Inside" not in ui.get(f"/files/{folder.id}").text


def test_text_in_the_first_screen_cannot_end_its_script(
    settings: Settings, registry: Registry, page_dist: Path, admin: User
) -> None:
    """The JSON is escaped so that a name or a description cannot close the element or open a comment: the page's
    only markup is its own, and the text reads back the same."""
    folder = registry.folders.create(actor=admin, name="Top")
    text = "</script><script>alert(1)</script><!-- & -->"
    registry.folders.create(actor=admin, name="<b> & <i>", description=text, parent_id=folder.id)
    for ui in client_over(settings, registry, page_dist):
        page = signed_in(ui, registry, admin).get(f"/files/{folder.id}").text
        assert page.count("<script") == 2 and page.count("</script>") == 2 and "<!--" not in page
        shown = first_screen(page)["folders"]["folders"][0]
        assert (shown["name"], shown["description"]) == ("<b> & <i>", text)


def test_a_folder_page_with_a_stale_session_is_the_plain_app(ui_pages: TestClient) -> None:
    """A session that is not valid (expired, signed out, made up) gets the page without a first screen: the app asks
    who is signed in and shows the sign-in page."""
    ui_pages.cookies.set("cairn_session", "made-up")
    page = ui_pages.get("/files/12")
    assert page.status_code == 200 and page.text == PAGE
    assert page.headers["cache-control"] == "no-store"


@pytest.fixture
def ui_pages(settings: Settings, registry: Registry, page_dist: Path) -> Iterator[TestClient]:
    yield from client_over(settings, registry, page_dist)


@pytest.mark.parametrize("path", ["/files", "/files/0", "/files/12/x", "/files/1e3", "/search?q=cars", "/"])
def test_every_other_page_preloads_who_is_signed_in(ui: TestClient, path: str) -> None:
    """Every page waits for who is signed in before it shows anything: but for a folder's page (which holds it), it
    is asked for with the page."""
    ui.cookies.set("cairn_session", "any")
    assert ui.get(path).headers["link"] == "</api/v1/users/me>; rel=preload; as=fetch; crossorigin=anonymous"


def test_no_preload_without_a_session(ui: TestClient) -> None:
    """Without a session the app shows the sign-in page: nothing would use the answers."""
    assert "link" not in ui.get("/files/12").headers
    assert "link" not in ui.get("/").headers


def test_hashed_assets_are_cached_for_a_year(ui: TestClient) -> None:
    asset = ui.get("/assets/app-1a2b3c.js")
    assert asset.status_code == 200
    assert asset.text == "console.log('cairn')"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-security-policy"] == UI_POLICY
    assert ui.get("/assets/missing.js").status_code == 404


def test_the_api_keeps_its_own_answers(ui: TestClient, admin_headers: dict[str, str]) -> None:
    assert_canonical(ui.get("/api/v1/nope", headers=admin_headers), 404, "not_found")
    assert_canonical(ui.get("/api", headers=admin_headers), 404, "not_found")
    assert_canonical(ui.put("/api/v1/folders", headers=admin_headers), 405, "method_not_allowed")
    assert_canonical(ui.get("/api/v1/folders"), 401)
    assert ui.get("/health").json()["status"] == "ok"
    assert ui.get("/docs").status_code == 401  # the API's own sign-in page, not the app
    assert ui.get("/openapi.json").status_code == 401


def test_the_policy_allows_only_cairns_own_files() -> None:
    directives = dict(d.strip().split(" ", 1) for d in UI_POLICY.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"  # no inline script, no eval, no other origin
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in UI_POLICY and "http" not in UI_POLICY


def test_a_missing_build_says_how_to_make_it(settings: Settings, registry: Registry, tmp_path: Path) -> None:
    for client in client_over(settings, registry, tmp_path / "not-built"):
        page = client.get("/files")
        assert page.status_code == 503
        assert "make run" in page.text


def test_the_real_build_runs_no_inline_script() -> None:
    """What `make ui` built works under the policy: every script is a file of cairn's origin."""
    index = UI_DIST / "index.html"
    require(index.is_file(), "the web UI is not built (make ui)")
    html = index.read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.search(r'<script [^>]*src="/assets/index-[\w-]+\.js"', html)
