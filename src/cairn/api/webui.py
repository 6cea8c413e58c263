"""Serves the web UI: the React single-page app built from ``ui/`` into ``cairn/api/ui_dist`` (``make`` builds it).

* ``/assets/...``: Vite's hashed files, cached for a year (a new build has new names);
* any other ``GET`` that no route takes (``/``, ``/files/12``, ``/search?q=...``): ``index.html``, never cached, so
  the app's own router shows the page. A page asked for with a session cookie also names, in a ``Link: rel=preload``
  header, who is signed in (:data:`ME`, which every page waits for) and on a folder's page the first page of the
  folder's files (:data:`FIRST_ROWS`) and its sub-folders (:data:`SUBFOLDERS`), the table's first rows: the browser
  asks for them while it loads the app's scripts, and the app's own requests for them (``ui/src/App.tsx``,
  ``ui/src/files/FilesPage.tsx``) get those answers;
* ``/api/...``, ``/health``, ``/openapi.json`` and ``/docs`` keep their answers: an unknown ``/api/...`` path is
  still the API's canonical 404, a wrong method its 405.

The pages run under :data:`UI_POLICY`: scripts, styles and fonts from cairn's origin only (Vite emits no inline
script), data from the same origin only, no framing, no forms posted anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.requests import HTTPConnection
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from cairn.api.deps import SESSION_COOKIE

__all__ = ["UI_DIST", "UI_POLICY", "install_web_ui"]

UI_DIST = Path(__file__).parent / "ui_dist"
"""Where ``make`` writes the built app (gitignored; shipped as package data)."""

UI_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
"""The app's own files may load and run; nothing from elsewhere, nothing inline, never in a frame."""

ASSET_CACHING = "public, max-age=31536000, immutable"


ME = "/api/v1/users/me"
"""Who is signed in: the app shows nothing else until it knows (``meQuery`` in ``ui/src/App.tsx``)."""

FIRST_ROWS = "/api/v1/folders/{folder_id}/items?sort=name&desc=false&limit=200"
"""The first page of a folder's table exactly as the app asks for it (its first sort and its page size, in
``ui/src/files/FilesPage.tsx``): a preload is used only by a request for the very same URL."""

SUBFOLDERS = "/api/v1/folders?parent_id={folder_id}"
"""A folder's sub-folders as the app asks for them: the table shows its first rows once these and the first files are
in (a sub-folder arriving later would push the files down)."""

_FOLDER_PAGE = re.compile(r"/files/([1-9][0-9]{0,17})")

_API_SEGMENTS = frozenset({"api", "health", "openapi.json", "docs"})
"""First path segments that belong to the API: the app's pages never answer for them."""

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cairn</title></head>
<body><main><h1>cairn</h1><p>The web UI is not built: run <code>make run</code> (it builds <code>ui/</code> first),
or <code>make ui</code>. The REST API is at <code>/api/v1</code>.</p></main></body></html>
"""


class _Assets(StaticFiles):
    """Hashed build files: cached for a year, under the UI's policy."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = ASSET_CACHING
        response.headers["Content-Security-Policy"] = UI_POLICY
        return response


def install_web_ui(app: FastAPI, *, dist: Path = UI_DIST) -> None:
    """Mount the built app's assets, and answer with its ``index.html`` the ``GET`` that no route matches."""
    assets = dist / "assets"
    if assets.is_dir():
        app.mount("/assets", _Assets(directory=assets), name="ui-assets")
    app.router.default = _Pages(dist / "index.html", fallback=app.router.default)


class _Pages:
    """What the router runs when no route matched (a wrong method on a known path is still the API's 405): a
    ``GET`` of a page is the app; anything else, and every path of the API, goes on to the canonical 404."""

    def __init__(self, index: Path, *, fallback: ASGIApp) -> None:
        self.index = index
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        first_segment = str(scope.get("path", "/")).lstrip("/").split("/", 1)[0]
        if scope["type"] != "http" or scope["method"] not in {"GET", "HEAD"} or first_segment in _API_SEGMENTS:
            await self.fallback(scope, receive, send)
            return
        await self._page(scope)(scope, receive, send)

    def _page(self, scope: Scope) -> Response:
        headers = {"Content-Security-Policy": UI_POLICY, "Cache-Control": "no-cache", **_preloads(scope)}
        if not self.index.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503, headers=headers)
        return FileResponse(self.index, media_type="text/html", headers=headers)


def _preloads(scope: Scope) -> dict[str, str]:
    """The ``Link`` header preloading what a page waits for, for a browser with a session (one without gets the
    sign-in page, which asks for nothing): the rows first on a folder's page (its files, then its sub-folders), then
    who is signed in."""
    if not HTTPConnection(scope).cookies.get(SESSION_COOKIE):
        return {}
    page = _FOLDER_PAGE.fullmatch(str(scope.get("path", "")))
    urls = [url.format(folder_id=int(page.group(1))) for url in (FIRST_ROWS, SUBFOLDERS)] if page else []
    return {"Link": ", ".join(f"<{url}>; rel=preload; as=fetch; crossorigin=anonymous" for url in [*urls, ME])}
