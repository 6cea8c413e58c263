"""The FastAPI application factory: ``create_app(settings)``."""

from __future__ import annotations

from fastapi import FastAPI

from cairn import __version__
from cairn.services.registry import Registry
from cairn.settings import Settings


def create_app(settings: Settings, *, registry: Registry | None = None) -> FastAPI:
    """Build the HTTP API over one registry (made from ``settings`` unless given)."""
    reg = registry or Registry(settings)
    app = FastAPI(title="cairn", version=__version__)
    app.state.registry = reg

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
