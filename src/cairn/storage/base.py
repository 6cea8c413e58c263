"""The ObjectStore protocol every part of cairn reads and writes objects through, and what a HEAD returns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

__all__ = ["ObjectInfo", "ObjectStore"]


@dataclass(frozen=True)
class ObjectInfo:
    """What the store knows about one object. ``content_type``/``cache_control`` are None in listings."""

    key: str
    size: int
    etag: str | None
    last_modified: datetime | None
    content_type: str | None = None
    cache_control: str | None = None


@runtime_checkable
class ObjectStore(Protocol):
    """One bucket, container or directory. Keys are full keys inside it (see ``cairn.domain.urls``).

    Every method raises ``ObjectNotFound``, ``StorageAccessDenied`` or ``StorageError`` (with the object's URL in
    the message) and nothing else from the library underneath; a key that cannot name an object (empty, ``..``,
    ending in ``/``) or a bad argument is ``InvalidInput``.
    """

    @property
    def description(self) -> str:
        """Where this store points, for messages (``s3 bucket 'media' at http://...``)."""
        ...

    @property
    def can_presign(self) -> bool:
        """Whether :meth:`presign_get` works here (False for local and memory stores: stream instead)."""
        ...

    def location(self, key: str) -> str:
        """The URL of ``key`` as users see it (used in error messages)."""
        ...

    def head(self, key: str) -> ObjectInfo:
        """Size, ETag, modification time, Content-Type and Cache-Control of one object."""
        ...

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``, clipped at the end of the object (like a file read); b"" past the end."""
        ...

    def read_start(self, key: str, length: int) -> tuple[ObjectInfo, bytes]:
        """What :meth:`head` says and the first ``length`` bytes (all of a shorter object), in one GET."""
        ...

    def read_suffix(self, key: str, length: int) -> bytes:
        """The last ``length`` bytes (the whole object if it is shorter)."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The real path of ``key`` on this machine's disk for a local directory (confined to it, as every read
        is), so that a local file can be linked or copied by the kernel; None for remote and memory stores."""
        ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix`` (plain string prefix), streamed page by page, any order."""
        ...

    def presign_get(self, key: str, *, expires_in: timedelta) -> str:
        """A URL anyone may GET (honouring Range) until it expires; StorageError where unsupported."""
        ...

    def put(
        self,
        key: str,
        data: bytes | BinaryIO,
        *,
        content_type: str | None = None,
        cache_control: str | None = None,
    ) -> None:
        """Write one object (replacing it)."""
        ...

    def put_file(
        self, key: str, path: Path, *, content_type: str | None = None, progress: Callable[[], None] | None = None
    ) -> None:
        """Upload a local file as one object, streamed: a multipart upload in bounded chunks when it is large.
        ``progress`` is called as the file is read (a lease's heartbeat); what it raises aborts the upload."""
        ...

    def delete(self, key: str) -> None:
        """Remove one object; an object that is not there is no error."""
        ...

    async def head_async(self, key: str) -> ObjectInfo:
        """:meth:`head` for asyncio callers (bounded-concurrency inspection)."""
        ...

    async def read_range_async(self, key: str, start: int, end: int) -> bytes:
        """:meth:`read_range` for asyncio callers."""
        ...
