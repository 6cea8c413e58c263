"""Errors → HTTP: the only place status codes are chosen, and the one function that writes an error body.

Every error response of the API, whatever raised it (a service, request validation, an unknown route, a bug), has
the same JSON body, made by :func:`error_body`::

    {"status": 404, "code": "not_found", "message": "folder 7 not found", "details": {"folder_id": 7}}

``code`` is the stable ``code`` of the :mod:`cairn.errors` class; the SDK maps it back to that class.
Validation problems are located: ``details.problems`` lists ``{"location": "query/limit", "message": ...}``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from cairn import errors
from cairn.api.ranges import UnsatisfiableRange
from cairn.api.security import RESPONSE_HEADERS

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[errors.CairnError], int] = {
    errors.CairnError: 400,
    errors.NotFound: 404,
    errors.NoThumbnail: 404,
    errors.Conflict: 409,
    errors.AlreadyExists: 409,
    errors.InvalidInput: 422,
    errors.ManifestError: 422,
    errors.TooLarge: 413,  # a body, file, manifest or client metadata over its size limit
    errors.AuthenticationRequired: 401,
    errors.TooManyAttempts: 429,  # with Retry-After
    errors.PermissionDenied: 403,
    errors.StorageError: 502,  # the object store failed (outage, timeout): try again later
    errors.ObjectNotFound: 404,
    errors.StorageAccessDenied: 424,  # the bucket refused the integration's credentials: fix the integration
    errors.UrlOutsideIntegration: 422,
    errors.MediaError: 422,
    errors.ConfigurationError: 503,
}
"""Every class of the exception tree has a status here (a test fails if one is added without one)."""

_CODE_BY_STATUS = {
    400: errors.InvalidInput.code,
    401: errors.AuthenticationRequired.code,
    403: errors.PermissionDenied.code,
    404: errors.NotFound.code,
    405: "method_not_allowed",
    409: errors.Conflict.code,
    413: errors.TooLarge.code,
    416: "range_not_satisfiable",
    422: errors.InvalidInput.code,
    424: errors.StorageAccessDenied.code,
    429: errors.TooManyAttempts.code,
}


class ErrorPublic(BaseModel):
    """The one error body of the API."""

    status: int = Field(description="The HTTP status code, repeated for clients that only see the body.")
    code: str = Field(description="Stable error code (the `code` of a cairn.errors class).")
    message: str = Field(description="What went wrong, and where, for humans.")
    details: dict[str, Any] = Field(default_factory=dict, description="Machine-readable context.")


ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 416, 422, 424, 502, 503)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic, "description": "Error (canonical error body)"} for status in ERROR_STATUSES
}
"""The error responses every route documents in OpenAPI."""


def status_for(error: errors.CairnError) -> int:
    """The HTTP status of an error: that of its nearest class in :data:`STATUS_BY_ERROR`."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def error_body(*, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """THE canonical error body. Every error response is made by this function."""
    return {"status": status, "code": code, "message": message, "details": details or {}}


def error_response(
    *,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = error_body(status=status, code=code, message=message, details=details)
    return JSONResponse(body, status_code=status, headers=headers)


def _located(error: dict[str, Any]) -> dict[str, str]:
    location = "/".join(str(part) for part in error.get("loc", ()))
    return {"location": location, "message": str(error.get("msg", "invalid"))}


async def _cairn_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.CairnError)
    status = status_for(exc)
    if status >= 500:
        log.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
    headers = _headers_for(exc, status)
    hidden = _server_directories(request)
    message, details = _hide(exc.message, hidden), _hide(exc.details, hidden)
    return error_response(status=status, code=exc.code, message=message, details=details, headers=headers)


def _headers_for(exc: errors.CairnError, status: int) -> dict[str, str] | None:
    """401 says how to authenticate; 429 when to try again."""
    if isinstance(exc, errors.TooManyAttempts):
        return {"Retry-After": str(exc.retry_after)}
    return {"WWW-Authenticate": "Bearer"} if status == 401 else None


def _server_directories(request: Request) -> dict[str, str]:
    """The server's own directory (absolute: as given, and resolved), with what a caller sees instead.

    A relative setting (the default ``.cairn``) is not replaced as given: a title may well contain those letters.
    """
    data_dir: Path = request.app.state.settings.data_dir
    paths = {str(data_dir.resolve()), *([str(data_dir)] if data_dir.is_absolute() else [])}
    return dict.fromkeys(sorted(paths, key=len, reverse=True), "<data dir>")


def _hide(value: Any, hidden: dict[str, str]) -> Any:
    """``value`` (a message, or details of any depth) with every server directory replaced: callers never see one."""
    if isinstance(value, str):
        for path, shown in hidden.items():
            value = value.replace(path, shown)
        return value
    if isinstance(value, dict):
        return {key: _hide(inner, hidden) for key, inner in value.items()}
    if isinstance(value, list):
        return [_hide(inner, hidden) for inner in value]
    return value


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_located(e) for e in exc.errors()]
    summary = "; ".join(f"{p['location']}: {p['message']}" for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    message = f"invalid request: {summary}{more}"
    return error_response(status=422, code=errors.InvalidInput.code, message=message, details={"problems": problems})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODE_BY_STATUS.get(exc.status_code, "error")
    message = str(exc.detail)
    if exc.status_code in {404, 405} and message in {"Not Found", "Method Not Allowed"}:
        message = f"{message.lower()}: there is no endpoint {request.method} {request.url.path}"
    return error_response(status=exc.status_code, code=code, message=message, headers=dict(exc.headers or {}) or None)


async def _unsatisfiable_range(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UnsatisfiableRange)
    return error_response(
        status=416,
        code=_CODE_BY_STATUS[416],
        message=str(exc),
        details={"size": exc.size},
        headers={"Content-Range": f"bytes */{exc.size}"},
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: answered outside every middleware (Starlette's outermost layer), so the security headers come here."""
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    message = f"internal error ({type(exc).__name__}); it has been logged"
    return error_response(status=500, code="internal_error", message=message, headers=dict(RESPONSE_HEADERS))


def install_error_handlers(app: FastAPI) -> None:
    """Make every error response of ``app`` the canonical body."""
    app.add_exception_handler(errors.CairnError, _cairn_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(UnsatisfiableRange, _unsatisfiable_range)
    app.add_exception_handler(Exception, _unexpected_error)
