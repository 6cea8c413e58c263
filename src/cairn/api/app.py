"""The FastAPI application factory: ``create_app(settings)``.

Everything lives under ``/api/v1`` except ``/health`` (the only anonymous route of the API, with logging in), the
API's documents (``/openapi.json``, and ``/docs`` to browse it), which need a signed-in caller like the API itself,
and the web UI's pages (:mod:`cairn.api.webui`: every other ``GET``, which the app itself authenticates through the
API).
Every error response is the canonical body of :mod:`cairn.api.errors`; every response carries the security headers
of :mod:`cairn.api.security`.
"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI

from cairn import __version__
from cairn.api.documents import documents_router
from cairn.api.errors import ERROR_RESPONSES, install_error_handlers
from cairn.api.hygiene import refuse_nul_characters
from cairn.api.limits import BodyLimits
from cairn.api.routes import (
    access,
    auth,
    datasets,
    events,
    export,
    folders,
    frame_export,
    integrations,
    items,
    jobs,
    media,
    notifications,
    reencode,
    search,
    sequence_video,
    uploads,
    users,
)
from cairn.api.security import SecurityHeaders
from cairn.api.timing import ServerTiming
from cairn.api.webui import UI_DIST, install_web_ui
from cairn.services.registry import Registry
from cairn.settings import Settings

API_PREFIX = "/api/v1"

_DESCRIPTION = """\
The REST API of cairn, a self-hosted data registry for ML annotation data.

**Authentication**: send an API token as `Authorization: Bearer cairn_...` (create one with `cairn token create`
or `POST /api/v1/tokens`). The web UI uses a session cookie from `POST /api/v1/auth/session` and then sends the
`X-CSRF-Token` header with every request that changes something.

**Errors** all have one body: `{"status", "code", "message", "details"}`; `code` is stable.
"""


def api_router() -> APIRouter:
    """Every resource's routes, with the canonical error responses documented on each."""
    router = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES, dependencies=[Depends(refuse_nul_characters)])
    resources = (
        auth,
        users,
        folders,
        access,
        uploads,
        items,
        media,
        reencode,
        sequence_video,
        frame_export,
        datasets,
        integrations,
    )
    for module in (*resources, jobs, notifications, events, export, search):
        router.include_router(module.router)
    return router


def create_app(settings: Settings, *, registry: Registry | None = None, ui_dist: Path = UI_DIST) -> FastAPI:
    """Build the HTTP API over one registry (made from ``settings`` unless given), with the web UI built into
    ``ui_dist``."""
    reg = registry or Registry(settings)
    app = FastAPI(
        title="cairn", version=__version__, description=_DESCRIPTION, openapi_url=None, docs_url=None, redoc_url=None
    )
    app.state.registry = reg
    app.state.settings = settings
    app.state.stopping = threading.Event()  # set when the server shuts down: event streams end (api/server.py)
    install_error_handlers(app)
    app.add_middleware(BodyLimits, settings=settings)  # request sizes: refused before or while read (413)
    app.add_middleware(SecurityHeaders)  # every answer, 413s included, carries the headers
    if settings.server_timing:
        app.add_middleware(ServerTiming)  # outermost: the time of everything the app does for a request

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness: the only route that needs no credentials."""
        return {"status": "ok", "version": __version__}

    app.include_router(api_router())
    app.include_router(documents_router())
    install_web_ui(app, dist=ui_dist)  # last: its pages answer every GET no route above took
    return app
