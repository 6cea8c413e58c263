"""Prove that an integration's credentials work before anything is registered from it."""

from __future__ import annotations

from cairn.errors import ObjectNotFound, StorageAccessDenied, StorageError
from cairn.storage.base import ObjectStore

__all__ = ["check_access"]


def check_access(store: ObjectStore, *, prefix: str = "", key: str | None = None) -> None:
    """List one page under ``prefix`` (or HEAD ``key`` when given); raise a StorageError that says what failed.

    Listing proves the list permission that listing-based registration needs (``s3:ListBucket``, "List" on
    GCS/Azure); HEAD of a known key proves read access only.
    """
    if key is not None:
        _check_head(store, key)
        return
    try:
        next(iter(store.list(prefix)), None)
    except StorageAccessDenied as exc:
        raise StorageAccessDenied(
            f"cannot list {prefix or 'the root'!r} in {store.description}: the credentials lack list "
            f"permission (e.g. s3:ListBucket) or are wrong. {exc.message}",
            details=exc.details,
        ) from exc
    except StorageError as exc:
        raise type(exc)(f"cannot reach {store.description}: {exc.message}", details=exc.details) from exc


def _check_head(store: ObjectStore, key: str) -> None:
    try:
        store.head(key)
    except ObjectNotFound as exc:
        raise ObjectNotFound(
            f"access to {store.description} works but {store.location(key)} does not exist", details=exc.details
        ) from exc
    except StorageAccessDenied as exc:
        raise StorageAccessDenied(
            f"cannot read {store.location(key)}: the credentials lack read permission (e.g. s3:GetObject) "
            f"or are wrong. {exc.message}",
            details=exc.details,
        ) from exc
