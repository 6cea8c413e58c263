"""A seekable file object over an item's bytes, read from cairn's content route with HTTP Range requests.

PyAV opens it like a local file. Reads are served from a few cached blocks; a miss fetches one range:
``head_bytes`` at offset 0, else ``block_size`` from the missed offset, doubling (up to ``max_block_size``: the
bounded read-ahead) while the reads stay sequential, as decoding is, and back to ``block_size`` after a jump (a
seek, ``moov`` at the end). Blocks beyond ``cache_bytes`` are dropped, oldest first, so memory stays bounded
whatever the file's size. ``requests`` and ``bytes_fetched`` count what crossed the network.
"""

from __future__ import annotations

import io
import os
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from cairn.errors import InvalidInput, StorageError

__all__ = ["KIB", "MIB", "RangeReader", "content_range_size"]

KIB = 1024
MIB = 1024 * KIB
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")

Fetch = Callable[[int, int], tuple[bytes, str | None]]
"""``fetch(start, end)``: bytes ``[start, end)`` and the response's Content-Range header."""


def content_range_size(header: str | None, start: int) -> int:
    """The object's size from a ``Content-Range: bytes a-b/size`` answer to a range starting at ``start``."""
    found = _CONTENT_RANGE.match(header or "")
    if found is None or int(found.group(1)) != start:
        raise StorageError(f"the server answered a range request from byte {start} with Content-Range {header!r}")
    return int(found.group(3))


class RangeReader(io.RawIOBase):
    """Read-only, seekable binary file whose bytes come from ``fetch`` (one ranged GET per call)."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        head_bytes: int = 64 * KIB,
        block_size: int = 256 * KIB,
        max_block_size: int = 8 * MIB,
        cache_bytes: int = 32 * MIB,
    ) -> None:
        super().__init__()
        if min(head_bytes, block_size, max_block_size, cache_bytes) <= 0:
            raise InvalidInput("RangeReader sizes must be positive")
        self._fetch = fetch
        self._head, self._initial, self._max = head_bytes, block_size, max(max_block_size, block_size)
        self._block = block_size
        self._cache_bytes = max(cache_bytes, 2 * self._max)
        self._blocks: OrderedDict[int, bytes] = OrderedDict()
        self._size: int | None = None
        self._pos = 0
        self._last_end = -1
        self.requests = 0
        self.bytes_fetched = 0

    @property
    def size(self) -> int:
        if self._size is None:
            self._load(0)
        assert self._size is not None
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: None}[whence]
        target = (self.size if base is None else base) + offset
        if target < 0:
            raise OSError(f"cannot seek to negative offset {target}")
        self._pos = target
        return target

    def read(self, n: int | None = -1) -> bytes:
        wanted = self.size - self._pos if n is None or n < 0 else n
        parts: list[bytes] = []
        while wanted > 0 and self._pos < self.size:
            chunk = self._read_cached(wanted)
            parts.append(chunk)
            self._pos += len(chunk)
            wanted -= len(chunk)
        return b"".join(parts)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def _read_cached(self, wanted: int) -> bytes:
        """Bytes from the current position, at most ``wanted``, from the block holding it (fetched if missing)."""
        start, block = self._block_at(self._pos) or self._load(self._pos)
        offset = self._pos - start
        return block[offset : offset + wanted]

    def _block_at(self, position: int) -> tuple[int, bytes] | None:
        for start, block in self._blocks.items():
            if start <= position < start + len(block):
                self._blocks.move_to_end(start)
                return start, block
        return None

    def _load(self, position: int) -> tuple[int, bytes]:
        if position == 0 and self._size is None:
            length = self._head
        else:
            self._block = min(2 * self._block, self._max) if position == self._last_end else self._initial
            length = self._block
        end = position + length if self._size is None else min(position + length, self._size)
        data, content_range = self._fetch(position, end)
        self._size = content_range_size(content_range, position)
        if not data and position < self._size:
            raise StorageError(f"the server sent no bytes for the range starting at {position}")
        self.requests += 1
        self.bytes_fetched += len(data)
        self._last_end = position + len(data)
        self._remember(position, data)
        return position, data

    def _remember(self, start: int, data: bytes) -> None:
        self._blocks[start] = data
        while sum(map(len, self._blocks.values())) > self._cache_bytes and len(self._blocks) > 1:
            self._blocks.popitem(last=False)
