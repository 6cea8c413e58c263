"""The one exception tree of cairn.

Every error that crosses a layer is one of these. Each class has a stable ``code`` that the API puts in its
error body and the CLI prints as ``Error (code): message``. HTTP status codes live only in ``cairn.api.errors``.

::

    CairnError                      error
    ├── NotFound                    not_found             a folder, item, dataset, user, job... does not exist
    │   │                                                 (or the actor may not know that it exists)
    │   └── NoThumbnail             no_thumbnail          the item exists, but has no thumbnail (audio, text...)
    ├── Conflict                    conflict              the request clashes with the current state
    │   └── AlreadyExists           already_exists        a unique name or key is taken
    ├── InvalidInput                invalid_input         the request itself is malformed or out of range
    │   ├── ManifestError           manifest_invalid      a registration manifest has located problems
    │   └── TooLarge                too_large             an input is over a size limit (body, file, metadata)
    ├── AuthenticationRequired      unauthenticated       no valid credentials were presented
    │   └── TooManyAttempts         too_many_attempts     sign-ins failed too often: wait before trying again
    ├── PermissionDenied            permission_denied     the actor is known but may not do this
    ├── StorageError                storage_error         the object store failed or refused
    │   ├── ObjectNotFound          object_not_found      the object does not exist in the store
    │   ├── StorageAccessDenied     storage_access_denied the store refused our credentials
    │   └── UrlOutsideIntegration   url_outside_integration  a URL does not resolve inside the integration
    ├── MediaError                  media_error           a file could not be inspected or processed
    └── ConfigurationError          configuration_error   settings or an optional backend are missing/invalid

Errors of libraries underneath (SQLAlchemy, obstore, PyAV, ...) are mapped to these at the adapter boundary with
``raise OurError(...) from exc``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlreadyExists",
    "AuthenticationRequired",
    "CairnError",
    "ConfigurationError",
    "Conflict",
    "InvalidInput",
    "ManifestError",
    "MediaError",
    "NoThumbnail",
    "NotFound",
    "ObjectNotFound",
    "PermissionDenied",
    "Problem",
    "StorageAccessDenied",
    "StorageError",
    "TooLarge",
    "TooManyAttempts",
    "UrlOutsideIntegration",
]


class CairnError(Exception):
    """Base of every error cairn raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The canonical, JSON-ready description of this error (used by the API and ``--json`` CLI output)."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(CairnError):
    """Raised when the thing asked for does not exist, or the actor may not know that it exists."""

    code = "not_found"


class NoThumbnail(NotFound):
    """Raised when an item the actor may see has no thumbnail: audio, text, a failed or pending item (the message
    says why)."""

    code = "no_thumbnail"


class Conflict(CairnError):
    """Raised when a request is valid in itself but clashes with the current state (a cycle, a used member...)."""

    code = "conflict"


class AlreadyExists(Conflict):
    """Raised when a unique name or key is already taken (sibling folder name, user email, integration name)."""

    code = "already_exists"


class InvalidInput(CairnError):
    """Raised when the input itself is malformed or out of range; the message says which field and why."""

    code = "invalid_input"


@dataclass(frozen=True)
class Problem:
    """One located problem in a manifest: where (JSON pointer, or CSV line and column) and what is wrong."""

    location: str
    message: str
    field: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"location": self.location, "message": self.message}
        if self.field is not None:
            data["field"] = self.field
        if self.extra:
            data.update(self.extra)
        return data


class ManifestError(InvalidInput):
    """Raised when a registration manifest has one or more located problems; all of them are listed."""

    code = "manifest_invalid"

    def __init__(self, problems: list[Problem], *, source: str | None = None, truncated: bool = False) -> None:
        self.problems = list(problems)
        self.source = source
        self.truncated = truncated
        where = f"{source}: " if source else ""
        first = "; ".join(str(p) for p in self.problems[:3])
        more = len(self.problems) - 3
        suffix = f" (and {more} more)" if more > 0 else ""
        super().__init__(
            f"{where}{len(self.problems)} problem(s) in manifest: {first}{suffix}",
            details={
                "problems": [p.to_dict() for p in self.problems],
                **({"source": source} if source else {}),
                **({"truncated": True} if truncated else {}),
            },
        )


class TooLarge(InvalidInput):
    """Raised when an input is over a size limit (a request body, an uploaded file, a manifest, client metadata).

    The message says what, where, how large it is and which setting sets the limit; ``details`` carry
    ``location``, ``size`` (bytes counted, or at least that many when reading stopped at the limit), ``limit`` and
    ``setting``.
    """

    code = "too_large"


class AuthenticationRequired(CairnError):
    """Raised when no valid credentials (token, session) were presented, or they were revoked."""

    code = "unauthenticated"


class TooManyAttempts(AuthenticationRequired):
    """Raised when sign-ins with a password failed too often, for one account or from one address, in a while.

    ``retry_after`` (also in ``details`` as ``retry_after_seconds``) says how many seconds until the next try is
    counted again; nothing was checked, so the answer says nothing about the account.
    """

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int = 0, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details={"retry_after_seconds": retry_after, **(details or {})})
        self.retry_after = int(self.details["retry_after_seconds"])


class PermissionDenied(CairnError):
    """Raised when the actor is known but lacks the role for this action; nothing has been changed."""

    code = "permission_denied"


class StorageError(CairnError):
    """Raised when an object store fails or refuses a request."""

    code = "storage_error"


class ObjectNotFound(StorageError):
    """Raised when an object does not exist at the given URL or key."""

    code = "object_not_found"


class StorageAccessDenied(StorageError):
    """Raised when the object store refuses the integration's credentials."""

    code = "storage_access_denied"


class UrlOutsideIntegration(StorageError):
    """Raised when a URL does not resolve inside the integration's bucket or root (or targets a forbidden host)."""

    code = "url_outside_integration"


class MediaError(CairnError):
    """Raised when a file cannot be inspected or processed (corrupt, truncated, unsupported)."""

    code = "media_error"


class ConfigurationError(CairnError):
    """Raised when settings are invalid or an optional backend is not installed (the message says what to install)."""

    code = "configuration_error"
