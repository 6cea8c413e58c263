"""Object storage: one ObjectStore protocol over obstore, its backends, and a range-reading file object.

Public API::

    open_store(config, *, allow_private_endpoints, resolve=None) -> ObjectStore   # S3, s3_compatible, GCS, Azure, local
    open_managed_store(root) -> ObjectStore                           # cairn's own storage; no message names root
    memory_store() -> ObjectStore                                     # for tests
    check_access(store, *, prefix="", key=None) -> None
    check_endpoint_allowed(endpoint, *, allow_private_endpoints, resolve=None) -> None   # the SSRF rule
    ConnectionGuard(resolve=None)     # the rule at connection time: a proxy for stores (open_store(guard=...))
    RangeFile(store, key, *, size=None, first=None, ...)              # seekable file over range reads
"""

from cairn.storage.access import check_access, check_write, permission_names
from cairn.storage.base import ObjectInfo, ObjectStore
from cairn.storage.endpoints import Resolver, check_endpoint_allowed, system_resolver
from cairn.storage.errors import map_storage_error
from cairn.storage.guard import ConnectionGuard
from cairn.storage.obstore_backend import ObstoreStore, memory_store, open_managed_store, open_store
from cairn.storage.rangefile import HEAD_BYTES, RangeFile

__all__ = [
    "HEAD_BYTES",
    "ConnectionGuard",
    "ObjectInfo",
    "ObjectStore",
    "ObstoreStore",
    "RangeFile",
    "Resolver",
    "check_access",
    "check_endpoint_allowed",
    "check_write",
    "map_storage_error",
    "memory_store",
    "open_managed_store",
    "open_store",
    "permission_names",
    "system_resolver",
]
