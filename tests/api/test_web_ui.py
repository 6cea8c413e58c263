"""The web UI's pages and files as cairn serves them: the app for every page, hashed assets cached for a year, a
strict policy, and the API's own answers unchanged (its 404s and 405s, /health, /docs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cairn.api.app import create_app
from cairn.api.webui import UI_DIST, UI_POLICY
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


def test_a_folder_page_preloads_its_first_rows_for_a_session(ui: TestClient) -> None:
    """With a session cookie, a folder's page names its first rows (the very URLs the app asks for: the first page of
    files, the sub-folders), then who is signed in, in a preload header; the browser asks for them while it loads
    the scripts."""
    ui.cookies.set("cairn_session", "any")  # the header gives nothing away: the preload itself is authenticated
    page = ui.get("/files/12")
    assert page.text == INDEX
    assert page.headers["link"] == (
        "</api/v1/folders/12/items?sort=name&desc=false&limit=200>; rel=preload; as=fetch; crossorigin=anonymous, "
        "</api/v1/folders?parent_id=12>; rel=preload; as=fetch; crossorigin=anonymous, "
        "</api/v1/users/me>; rel=preload; as=fetch; crossorigin=anonymous"
    )


@pytest.mark.parametrize("path", ["/files", "/files/0", "/files/12/x", "/files/1e3", "/search?q=cars", "/"])
def test_every_page_preloads_who_is_signed_in_but_rows_only_a_folder_page(ui: TestClient, path: str) -> None:
    """Every page waits for who is signed in before it shows anything: it is asked for with the page."""
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
