"""A seekable, read-only file object over ranged GETs, for inspectors (PyAV, Pillow, pydicom) that need few bytes.

Reads are served from an LRU cache of aligned pages. A miss fetches one range:

* the first read at offset 0 fetches ``head_bytes`` (64 KiB: image and DICOM headers need one GET);
* the first miss in the last ``tail_bytes`` (1 MiB) fetches from the missed page to the end in one GET (mp4 keeps
  ``moov`` there, so that is the whole index and nothing before it);
* any other miss fetches ``block_size`` bytes from the page; a miss right where the previous fetch ended
  (a sequential scan) doubles the block size up to ``max_block_size``, a random miss resets it.

Fetches never re-read pages already cached and stop at the end of the object. ``requests`` and
``bytes_fetched`` count what was read from the store (the HEAD for an unknown size included). A caller that
fetched the first bytes together with the object's size (``ObjectStore.read_start``) passes them as ``first``:
they are the head fetch, counted as one request.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from typing import Any

from cairn.errors import InvalidInput, StorageError
from cairn.storage.base import ObjectStore

__all__ = ["HEAD_BYTES", "PAGE_SIZE", "RangeFile"]

KIB = 1024
MIB = 1024 * KIB
PAGE_SIZE = 64 * KIB
"""Alignment and unit of the cache."""
HEAD_BYTES = 64 * KIB
"""The first fetch at offset 0 by default: image and DICOM headers need one GET."""


class RangeFile(io.RawIOBase):
    """Read-only, seekable binary file over ``store.read_range(key, ...)``; pass ``size`` to skip the HEAD."""

    def __init__(
        self,
        store: ObjectStore,
        key: str,
        *,
        size: int | None = None,
        first: bytes | None = None,
        head_bytes: int = HEAD_BYTES,
        tail_bytes: int = 1 * MIB,
        block_size: int = 128 * KIB,
        max_block_size: int = 16 * MIB,
        cache_bytes: int = 64 * MIB,
    ) -> None:
        super().__init__()
        if size is not None and size < 0:
            raise InvalidInput(f"size of {key!r} must be >= 0, not {size}")
        if min(head_bytes, tail_bytes, block_size, max_block_size) < 0 or block_size == 0:
            raise InvalidInput("RangeFile sizes must be positive")
        self._store = store
        self.key = key
        self.name = key
        self._size = size
        self._pos = 0
        self._head_bytes = _round_up(max(head_bytes, 1))
        self._tail_bytes = tail_bytes
        self._initial_block = _round_up(block_size)
        self._block = self._initial_block
        self._max_block = max(_round_up(max_block_size), self._initial_block)
        self._max_pages = max(cache_bytes, 2 * max(self._max_block, tail_bytes)) // PAGE_SIZE + 1
        self._pages: OrderedDict[int, bytes] = OrderedDict()
        self._last_fetch_end = -1
        self._tail_fetched = False
        self._head_fetched = False
        self.requests = 0
        self.bytes_fetched = 0
        if first is not None:
            self._take_first(first)

    def __repr__(self) -> str:
        return (
            f"RangeFile({self._store.location(self.key)!r}, size={self._size}, requests={self.requests}, "
            f"bytes_fetched={self.bytes_fetched})"
        )

    @property
    def size(self) -> int:
        """Size of the object (one HEAD the first time if it was not given)."""
        if self._size is None:
            self.requests += 1
            self._size = self._store.head(self.key).size
        return self._size

    # --- io.RawIOBase ------------------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def write(self, data: Any) -> int:
        raise io.UnsupportedOperation(f"{self.key!r} is open read-only")

    def tell(self) -> int:
        self._check_open()
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check_open()
        if whence == io.SEEK_SET:
            if offset < 0:
                raise ValueError(f"negative seek value {offset}")
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._pos + offset
        elif whence == io.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        self._pos = max(position, 0)  # like io.BytesIO: relative seeks before the start stop at 0
        return self._pos

    def readinto(self, buffer: Any) -> int:
        self._check_open()
        view = memoryview(buffer).cast("B")
        end = min(self._pos + len(view), self.size)
        written = 0
        while self._pos < end:
            index = self._pos // PAGE_SIZE
            page = self._page(index, end)
            offset = self._pos - index * PAGE_SIZE
            count = min(len(page) - offset, end - self._pos)
            view[written : written + count] = memoryview(page)[offset : offset + count]
            written += count
            self._pos += count
        return written

    def readall(self) -> bytes:
        buffer = bytearray(max(self.size - self._pos, 0))
        count = self.readinto(buffer)
        return bytes(buffer[:count])

    def close(self) -> None:
        self._pages.clear()
        super().close()

    # --- cache -------------------------------------------------------------------------------------------

    def _take_first(self, data: bytes) -> None:
        """Cache bytes the caller fetched from offset 0 as the head fetch (a last partial page only at the end)."""
        if self._size is None or len(data) > self._size:
            raise InvalidInput(f"first bytes of {self.key!r} need the object's size, and at most that many")
        usable = len(data) if len(data) == self._size else len(data) // PAGE_SIZE * PAGE_SIZE
        self._store_pages(0, data[:usable])
        self._head_fetched = True
        self._last_fetch_end = usable
        self.requests += 1
        self.bytes_fetched += len(data)

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def _page(self, index: int, wanted_end: int) -> bytes:
        page = self._pages.get(index)
        if page is None:
            self._fetch(index, wanted_end)
            page = self._pages[index]
        else:
            self._pages.move_to_end(index)
        return page

    def _fetch(self, index: int, wanted_end: int) -> None:
        start, stop = self._plan(index, wanted_end)
        data = self._store.read_range(self.key, start, stop)
        self.requests += 1
        self.bytes_fetched += len(data)
        if len(data) != stop - start:
            raise StorageError(
                f"{self._store.location(self.key)} changed while being read: asked bytes {start}-{stop - 1}, "
                f"got {len(data)} bytes (expected size {self.size})"
            )
        self._store_pages(start, data)
        self._last_fetch_end = stop

    def _plan(self, index: int, wanted_end: int) -> tuple[int, int]:
        size = self.size
        start = index * PAGE_SIZE
        tail_start = max(size - self._tail_bytes, 0) // PAGE_SIZE * PAGE_SIZE
        if not self._tail_fetched and self._tail_bytes and start >= tail_start:
            # The first miss near the end (an mp4's moov) reads from there to the end in one GET: the whole index,
            # and not a byte before it.
            self._tail_fetched = True
            return start, self._before_cached(index, size)
        if start == 0 and not self._head_fetched:
            self._head_fetched = True
            length = self._head_bytes
        else:
            self._block = (
                min(self._block * 2, self._max_block) if start == self._last_fetch_end else self._initial_block
            )
            length = self._block
        wanted = min(wanted_end - start, self._max_block)  # one big read becomes several bounded GETs
        stop = min(_round_up(start + max(length, wanted)), size)
        return start, self._before_cached(index, stop)

    def _before_cached(self, index: int, stop: int) -> int:
        """Cut a fetch at the first page after ``index`` that is already cached."""
        last = (stop - 1) // PAGE_SIZE
        for following in range(index + 1, last + 1):
            if following in self._pages:
                return following * PAGE_SIZE
        return stop

    def _store_pages(self, start: int, data: bytes) -> None:
        view = memoryview(data)
        first = start // PAGE_SIZE
        for number, offset in enumerate(range(0, len(data), PAGE_SIZE)):
            self._pages[first + number] = bytes(view[offset : offset + PAGE_SIZE])
            self._pages.move_to_end(first + number)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)


def _round_up(value: int) -> int:
    return -(-value // PAGE_SIZE) * PAGE_SIZE
