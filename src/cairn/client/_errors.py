"""HTTP error responses → the exception tree of :mod:`cairn.errors` (the same classes the services raise).

The server's canonical error body carries the class's stable ``code``; this module maps it back. A code this
version does not know becomes the nearest class by HTTP status, else :class:`cairn.errors.CairnError`. Failures
to reach the server at all (connection refused, timeout) become :class:`CairnError` with code ``error``, chained
from the httpx exception.
"""

from __future__ import annotations

from typing import Any

import httpx

from cairn import errors

__all__ = ["error_from_response", "transport_error"]


def _all_classes(root: type[errors.CairnError]) -> list[type[errors.CairnError]]:
    found = [root]
    for sub in root.__subclasses__():
        found.extend(_all_classes(sub))
    return found


ERROR_CLASSES: dict[str, type[errors.CairnError]] = {cls.code: cls for cls in _all_classes(errors.CairnError)}
"""Every class of the tree by its ``code``."""

_BY_STATUS: dict[int, type[errors.CairnError]] = {
    400: errors.InvalidInput,
    401: errors.AuthenticationRequired,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    409: errors.Conflict,
    422: errors.InvalidInput,
    429: errors.TooManyAttempts,
}


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _build(cls: type[errors.CairnError], message: str, details: dict[str, Any]) -> errors.CairnError:
    if issubclass(cls, errors.ManifestError):
        problems = [_problem(p) for p in details.get("problems", []) if isinstance(p, dict)]
        error: errors.CairnError = cls(problems, source=details.get("source"), truncated=bool(details.get("truncated")))
        error.message = message
        error.args = (message,)
        return error
    return cls(message, details=details)


def _problem(data: dict[str, Any]) -> errors.Problem:
    known = {"location", "message", "field"}
    extra = {k: v for k, v in data.items() if k not in known}
    return errors.Problem(str(data.get("location", "")), str(data.get("message", "")), data.get("field"), extra)


def error_from_response(response: httpx.Response) -> errors.CairnError:
    """The exception for an error response (status >= 400); ``.status`` holds the HTTP status."""
    body = _body(response)
    code = str(body.get("code", ""))
    message = str(body.get("message") or f"HTTP {response.status_code} from {response.request.url}")
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    cls = ERROR_CLASSES.get(code) or _BY_STATUS.get(response.status_code, errors.CairnError)
    error = _build(cls, message, details or {})
    error.status = response.status_code  # type: ignore[attr-defined]
    return error


def transport_error(url: str, exc: httpx.TransportError) -> errors.CairnError:
    """The error for a request that never got a response."""
    return errors.CairnError(f"cannot reach cairn at {url}: {type(exc).__name__}: {exc}")
