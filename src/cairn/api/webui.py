"""Serves the web UI: the React single-page app built from ``ui/`` into ``cairn/api/ui_dist`` (``make`` builds it).

* ``/assets/...``: Vite's hashed files, cached for a year (a new build has new names);
* any other ``GET`` that no route takes (``/``, ``/files/12``, ``/search?q=...``): ``index.html``, never cached, so
  the app's own router shows the page. A page asked for with a session cookie also names, in a ``Link: rel=preload``
  header, who is signed in (:data:`ME`, which every page waits for): the browser asks for it while it loads the
  app's scripts, and the app's own request for it (``ui/src/App.tsx``) gets that answer;
* a folder's page (``/files/N``) asked for with a session cookie comes with its first screen inside the HTML
  (:func:`first_screen`: who is signed in, the folder's first page of files and its sub-folders, as the API would
  answer that session's user), streamed after the page's head: the browser loads the app's scripts while cairn
  reads the rows, and the app shows them without asking for them (one request where there were four). Such a page
  is never stored (``Cache-Control: no-store``);
* ``/api/...``, ``/health``, ``/openapi.json`` and ``/docs`` keep their answers: an unknown ``/api/...`` path is
  still the API's canonical 404, a wrong method its 405.

The pages run under :data:`UI_POLICY`: scripts, styles and fonts from cairn's origin only (Vite emits no inline
script), data from the same origin only, no framing, no forms posted anywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from starlette.requests import HTTPConnection
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from cairn.api.deps import SESSION_COOKIE
from cairn.api.schemas.folders import FolderPublic, FoldersPublic
from cairn.api.schemas.items import items_page_public
from cairn.api.schemas.users import UserPublic
from cairn.domain.listing import ItemQuery, SortBy
from cairn.errors import CairnError
from cairn.services.registry import Registry

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

FIRST_PAGE_SIZE = 200
"""The table's first page of files (``PAGE_SIZE`` in ``ui/src/files/FilesPage.tsx``), in its first order: by name."""

FIRST_SCREEN = "cairn-first-screen"
"""The id of the ``<script type="application/json">`` element holding a folder page's first screen (read once by
``ui/src/main.tsx``; a JSON block is data, never run, so the page's policy still allows no inline script)."""

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
        session = HTTPConnection(scope).cookies.get(SESSION_COOKIE)
        folder = _FOLDER_PAGE.fullmatch(str(scope.get("path", "")))
        if self.index.is_file() and session and folder and scope["method"] == "GET":
            registry: Registry = scope["app"].state.registry
            page = _with_first_screen(self.index.read_text(), registry, session=session, folder_id=int(folder[1]))
            headers = {"Content-Security-Policy": UI_POLICY, "Cache-Control": "no-store"}
            return StreamingResponse(page, media_type="text/html; charset=utf-8", headers=headers)
        headers = {"Content-Security-Policy": UI_POLICY, "Cache-Control": "no-cache", **_preloads(scope)}
        if not self.index.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503, headers=headers)
        return FileResponse(self.index, media_type="text/html", headers=headers)


def _with_first_screen(index: str, registry: Registry, *, session: str, folder_id: int) -> Iterator[str]:
    """The page in two parts: its head and everything before ``</body>`` at once (the browser starts loading the
    app's scripts, which run once the document is complete), then the first screen and the end. Starlette iterates
    this in a worker thread: the database is read there, not on the event loop."""
    head, end, tail = index.rpartition("</body>")
    if not end:
        yield index
        return
    yield head
    screen = first_screen(registry, session=session, folder_id=folder_id)
    if screen is not None:
        yield f'<script type="application/json" id="{FIRST_SCREEN}">{screen}</script>\n'
    yield end + tail


def first_screen(registry: Registry, *, session: str, folder_id: int) -> str | None:
    """What a folder's page shows first, as JSON safe inside a ``<script>`` element: who is signed in (``me``) and,
    when that user may see the folder, its first page of files (``files``) and its sub-folders (``folders``), each
    as the API answers them (``GET /users/me``, ``/folders/{id}/items`` in the table's first order, ``/folders?
    parent_id=``). None for a session that is not valid (the app shows the sign-in page); without ``files`` when the
    folder is not there for that user (the app asks, and shows the API's own answer)."""
    try:
        user = registry.auth.session_user(session=session, changes_state=False)
    except CairnError:
        return None
    screen: dict[str, object] = {"me": UserPublic.model_validate(user).model_dump(mode="json"), "folder_id": folder_id}
    query = ItemQuery(folder_id=folder_id, recursive=False, sort=SortBy.NAME, descending=False, limit=FIRST_PAGE_SIZE)
    try:
        page = registry.items.browse(actor=user, query=query)
        folders = registry.folders.children(actor=user, parent_id=folder_id)
    except CairnError:
        return _script_json(screen)
    files = items_page_public(page)
    screen["files"] = files.model_dump(mode="json")
    screen["folders"] = FoldersPublic(folders=[FolderPublic.model_validate(f) for f in folders]).model_dump(mode="json")
    return _script_json(screen)


def _script_json(value: object) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment in it: ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _preloads(scope: Scope) -> dict[str, str]:
    """The ``Link`` header preloading who is signed in, which every page waits for, for a browser with a session (one
    without gets the sign-in page, which asks for nothing)."""
    if not HTTPConnection(scope).cookies.get(SESSION_COOKIE):
        return {}
    return {"Link": f"<{ME}>; rel=preload; as=fetch; crossorigin=anonymous"}
