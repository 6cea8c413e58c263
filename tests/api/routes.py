"""Every route of the API, as (method, path template), read from the app itself (so a new route cannot be missed)."""

from __future__ import annotations

from fastapi import FastAPI

PUBLIC = {
    ("GET", "/health"),
    ("POST", "/api/v1/auth/session"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/accept"),
}
"""Routes that need no credentials: the health check, and signing in (with a token, a password or a one-time
link in the body)."""


def all_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (METHOD, path) of the app's OpenAPI document (every route is in it: none is hidden)."""
    paths = app.openapi()["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items() for method in ops)


def fill(path: str, **values: object) -> str:
    """A path template with its parameters filled (ids default to 1)."""
    names = ("folder_id", "item_id", "dataset_id", "token_id", "integration_id", "job_id", "user_id", "session_id")
    for name in (*names, "notification_id"):
        path = path.replace("{" + name + "}", str(values.get(name, 1)))
    return path.replace("{email}", str(values.get("email", "someone@example.com")))


def streams_end_at_once(app: FastAPI) -> FastAPI:
    """The app with its event streams ending after their first poll, as on server shutdown: a TestClient reads a
    response whole, and a stream never ends by itself (tests/api/test_notifications_events.py serves it for real)."""
    app.state.stopping.set()
    return app
