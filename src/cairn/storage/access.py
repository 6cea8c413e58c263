"""Prove that an integration's credentials work before anything is registered from it."""

from __future__ import annotations

import uuid

from cairn.domain.integrations import Provider
from cairn.errors import ObjectNotFound, StorageAccessDenied, StorageError
from cairn.storage.base import ObjectStore

__all__ = ["check_access", "check_write", "permission_names"]

_WRITE_PERMISSION = {
    Provider.S3: ("s3:PutObject", "s3:DeleteObject"),
    Provider.S3_COMPATIBLE: ("s3:PutObject", "s3:DeleteObject"),
    Provider.GCS: ("storage.objects.create", "storage.objects.delete"),
    Provider.AZURE: ("Write (Microsoft.Storage/.../blobs/write)", "Delete (Microsoft.Storage/.../blobs/delete)"),
    Provider.LOCAL: ("write permission on the directory", "write permission on the directory"),
}
PROBE_PREFIX = ".cairn-write-check-"


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


def permission_names(store: ObjectStore) -> tuple[str, str]:
    """The names, in the provider's words, of the permissions to create and to delete an object in ``store``."""
    config = getattr(store, "config", None)
    provider = config.provider if config is not None else Provider.LOCAL
    return _WRITE_PERMISSION[provider]


def check_write(store: ObjectStore, directory: str) -> None:
    """Prove that objects can be created and deleted in ``directory`` (a key prefix ending in ``/``, or "" for the
    root): PUT a small probe object there, then DELETE it. Raise a StorageError naming the permission that is missing.

    Delete is part of the proof: a result uploaded for an item whose commit never happens must be removable.
    """
    probe = f"{directory}{PROBE_PREFIX}{uuid.uuid4().hex}"
    create, delete = permission_names(store)
    where = store.location(directory) if directory else store.description
    try:
        store.put(probe, b"cairn checks that it may write here; this object is deleted at once\n")
    except StorageAccessDenied as exc:
        raise StorageAccessDenied(
            f"cannot write to {where}: the credentials lack {create} there (results are written next to the "
            f"originals; or choose managed storage). {exc.message}",
            details={**exc.details, "permission": create},
        ) from exc
    try:
        store.delete(probe)
    except StorageAccessDenied as exc:
        raise StorageAccessDenied(
            f"cannot delete in {where}: the credentials lack {delete} there (needed to remove a result whose item "
            f"is never made); the probe object {store.location(probe)} was left behind. {exc.message}",
            details={**exc.details, "permission": delete},
        ) from exc
