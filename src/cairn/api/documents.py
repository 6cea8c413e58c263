"""The API's own documents: ``/openapi.json`` and ``/docs`` (Swagger UI), for signed-in callers.

They are not anonymous (of the API, only ``/health`` and logging in are; the web UI's pages hold no data): a caller
sends a token, or the browser its session cookie. A browser without a session gets, at ``/docs``, a sign-in page: a
token starts a session, and the page reloads as the Swagger UI (the web UI at ``/`` has its own sign-in page). Both
pages run only the scripts their Content-Security-Policy names (inline ones by their SHA-256).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from cairn.api.deps import CurrentUser, MaybeUser
from cairn.api.security import inline_script_hashes

__all__ = ["documents_router"]

_SWAGGER_JS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
_SWAGGER_CSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
_SWAGGER_ORIGIN = "https://cdn.jsdelivr.net"


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
reloads as the Swagger UI."""


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
