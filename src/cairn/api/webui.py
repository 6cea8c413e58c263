"""Serves the web UI: the React single-page app built from ``ui/`` into ``cairn/api/ui_dist`` (``make`` builds it).

* ``/assets/...``: Vite's hashed files, cached for a year (a new build has new names);
* any other ``GET`` outside the API (``/``, ``/files/12``, ``/signin``...): ``index.html``, never cached, so the
  app's own router shows the page. ``/api/...``, ``/health``, ``/openapi.json`` and ``/docs`` keep their routes, and
  an unknown ``/api/...`` path stays the API's canonical 404.

The pages run under :data:`UI_POLICY`: scripts, styles and fonts from cairn's origin only (Vite emits no inline
script), data from the same origin only, no framing, no forms posted anywhere.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.convertors import Convertor, register_url_convertor
from starlette.staticfiles import StaticFiles

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


class _PageConvertor(Convertor[str]):
    """A path of the app: anything but the API's own (``/api/...``, ``/health``, ``/openapi.json``, ``/docs``).

    Those never match the pages' route, so the API keeps its answers: a canonical 404 for an unknown path, a 405
    for a known one asked with the wrong method.
    """

    regex = r"(?!(?:api|health|openapi\.json|docs)(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("ui_page", _PageConvertor())

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
    """Mount the built app's assets and answer every other page with its ``index.html`` (after the API's routes)."""
    assets = dist / "assets"
    if assets.is_dir():
        app.mount("/assets", _Assets(directory=assets), name="ui-assets")
    app.include_router(_pages_router(dist))


def _pages_router(dist: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    index = dist / "index.html"

    @router.get("/{page:ui_page}")
    def page(page: str) -> Response:
        headers = {"Content-Security-Policy": UI_POLICY, "Cache-Control": "no-cache"}
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503, headers=headers)
        return FileResponse(index, media_type="text/html", headers=headers)

    return router
