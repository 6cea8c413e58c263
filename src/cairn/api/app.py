"""The FastAPI application factory: ``create_app(settings)``.

Everything lives under ``/api/v1`` except ``/health`` (the only anonymous route, with logging in) and the
API's documents (``/openapi.json``, and ``/docs`` to browse it), which need a signed-in caller like the API itself.
Every error response is the canonical body of :mod:`cairn.api.errors`; every response carries the security headers
of :mod:`cairn.api.security`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from cairn import __version__
from cairn.api.deps import CurrentUser, MaybeUser
from cairn.api.errors import ERROR_RESPONSES, install_error_handlers
from cairn.api.hygiene import refuse_nul_characters
from cairn.api.routes import (
    access,
    auth,
    datasets,
    export,
    folders,
    integrations,
    items,
    jobs,
    media,
    search,
    uploads,
    users,
)
from cairn.api.security import SecurityHeaders, inline_script_hashes
from cairn.services.registry import Registry
from cairn.settings import Settings

API_PREFIX = "/api/v1"
_SWAGGER_JS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
_SWAGGER_CSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
_SWAGGER_ORIGIN = "https://cdn.jsdelivr.net"

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
    for module in (auth, users, folders, access, uploads, items, media, datasets, integrations, jobs, export, search):
        router.include_router(module.router)
    return router


def documents_router() -> APIRouter:
    """``/openapi.json`` and ``/docs`` (Swagger UI), for signed-in callers (a token, or the web UI's session)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    def openapi_document(request: Request, _user: CurrentUser) -> dict[str, Any]:
        return request.app.openapi()  # type: ignore[no-any-return]

    @router.get("/docs")
    def swagger_ui(user: MaybeUser) -> HTMLResponse:
        if user is None:
            return _sign_in_page()
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="cairn - API",
            swagger_js_url=_SWAGGER_JS,
            swagger_css_url=_SWAGGER_CSS,
            swagger_favicon_url="data:,",
        )
        page.headers["Content-Security-Policy"] = _docs_policy(bytes(page.body).decode())
        return page

    return router


_SIGN_IN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cairn - sign in</title></head>
<body>
<h1>cairn API</h1>
<p>Sign in with an API token to browse the API (make one with <code>cairn token create</code>).</p>
<form id="sign-in">
<label>API token <input name="token" type="password" autocomplete="off" required></label>
<button type="submit">Sign in</button>
</form>
<p id="problem" role="alert"></p>
<script>
document.getElementById("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = new FormData(event.target).get("token");
  const answer = await fetch("/api/v1/auth/session", {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({token}),
  });
  if (answer.ok) { location.reload(); return; }
  document.getElementById("problem").textContent = (await answer.json()).message;
});
</script>
</body></html>
"""
"""``/docs`` for a browser without a session: a token starts one (``POST /api/v1/auth/session``), then the page
reloads as the Swagger UI. Until the web UI comes, this is where a browser signs in."""


def _sign_in_page() -> HTMLResponse:
    policy = (
        f"default-src 'none'; script-src {' '.join(inline_script_hashes(_SIGN_IN))}; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return HTMLResponse(
        _SIGN_IN, status_code=401, headers={"Content-Security-Policy": policy, "WWW-Authenticate": "Bearer"}
    )


def _docs_policy(html: str) -> str:
    """The Swagger UI page may run its bundle and its own inline script, fetch the document, and nothing else."""
    scripts = " ".join([_SWAGGER_ORIGIN, *inline_script_hashes(html)])
    return (
        f"default-src 'none'; script-src {scripts}; style-src {_SWAGGER_ORIGIN} 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def create_app(settings: Settings, *, registry: Registry | None = None) -> FastAPI:
    """Build the HTTP API over one registry (made from ``settings`` unless given)."""
    reg = registry or Registry(settings)
    app = FastAPI(
        title="cairn", version=__version__, description=_DESCRIPTION, openapi_url=None, docs_url=None, redoc_url=None
    )
    app.state.registry = reg
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness: the only route that needs no credentials."""
        return {"status": "ok", "version": __version__}

    app.include_router(api_router())
    app.include_router(documents_router())
    return app
