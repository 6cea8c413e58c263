"""Map every exception obstore (and the OS underneath it) can raise to cairn's exception tree."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from obstore import exceptions as obstore_errors

from cairn.errors import (
    CairnError,
    ConfigurationError,
    ObjectNotFound,
    StorageAccessDenied,
    StorageError,
)

__all__ = ["ERROR_MAP", "map_storage_error", "translated_errors"]

ERROR_MAP: tuple[tuple[type[BaseException], type[CairnError], str], ...] = (
    (FileNotFoundError, ObjectNotFound, "the object does not exist"),
    (obstore_errors.NotFoundError, ObjectNotFound, "the object does not exist"),
    (obstore_errors.PermissionDeniedError, StorageAccessDenied, "the store refused the integration's credentials"),
    (obstore_errors.UnauthenticatedError, StorageAccessDenied, "the store did not accept the credentials"),
    (PermissionError, StorageAccessDenied, "the operating system refused access"),
    (obstore_errors.InvalidPathError, StorageError, "the key is not a valid object path"),
    (obstore_errors.AlreadyExistsError, StorageError, "the object already exists"),
    (obstore_errors.PreconditionError, StorageError, "a precondition failed (the object changed meanwhile?)"),
    (obstore_errors.NotModifiedError, StorageError, "the object was not modified"),
    (obstore_errors.NotSupportedError, StorageError, "the store does not support this operation"),
    (obstore_errors.UnknownConfigurationKeyError, ConfigurationError, "the store configuration has an unknown key"),
    (obstore_errors.JoinError, StorageError, "an internal task of the storage client failed"),
    (obstore_errors.GenericError, StorageError, "the store reported an error"),
    (obstore_errors.BaseError, StorageError, "the store reported an error"),
    (TimeoutError, StorageError, "the store did not answer in time"),
    (ConnectionError, StorageError, "could not connect to the store"),
    (OSError, StorageError, "an I/O error occurred"),
    (ValueError, StorageError, "the request was refused as invalid"),
)
"""(foreign class, our class, reason) in the order they are tried: subclasses before their bases."""

_MISSING_BUCKET_MARKERS = ("NoSuchBucket", "ContainerNotFound", "The specified bucket does not exist")
_REFUSED_MARKERS = ("403 Forbidden", "401 Unauthorized", "(code: AccessDenied)")
"""How a refusal reads in a GenericError: an HTTP status, or S3's per-key code in a DeleteObjects answer."""


def map_storage_error(exc: BaseException, *, operation: str, location: str, redact: tuple[str, ...] = ()) -> CairnError:
    """Our error for ``exc`` raised while doing ``operation`` on ``location`` (an object URL or store name).

    Each string of ``redact`` (a directory the caller may not see) is cut out of the library's message.
    """
    detail = _first_line(exc)
    for hidden in redact:
        detail = detail.replace(hidden, "...")
    if isinstance(exc, obstore_errors.GenericError) and any(m in str(exc) for m in _REFUSED_MARKERS):
        message = f"{operation} {location} failed: the store refused the integration's credentials ({detail})"
        return StorageAccessDenied(message, details={"location": location, "operation": operation})
    for foreign, ours, reason in ERROR_MAP:
        if isinstance(exc, foreign):
            missing_bucket = any(marker in str(exc) for marker in _MISSING_BUCKET_MARKERS)
            why = "the bucket or container does not exist" if missing_bucket else reason
            message = f"{operation} {location} failed: {why} ({detail})"
            return ours(message, details={"location": location, "operation": operation})
    message = f"{operation} {location} failed: {detail}"
    return StorageError(message, details={"location": location, "operation": operation})


@contextmanager
def translated_errors(*, operation: str, location: str, redact: tuple[str, ...] = ()) -> Iterator[None]:
    """Run the block and re-raise any foreign error as ours (``raise ... from exc``); ours pass through."""
    try:
        yield
    except CairnError:
        raise
    except Exception as exc:
        raise map_storage_error(exc, operation=operation, location=location, redact=redact) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= 500 else line[:500] + "..."
