"""HTTP Range requests (RFC 9110 §14) for cairn's streaming endpoint: one byte range, or the whole file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from cairn.storage import ObjectStore

CHUNK = 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class UnsatisfiableRange(Exception):
    """The Range asks for bytes past the end of the file (becomes 416, see cairn.api.errors)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the requested range is outside the file ({size} bytes)")
        self.size = size


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # exclusive

    @property
    def length(self) -> int:
        return self.end - self.start


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range asked for, or None for the whole file.

    RFC 9110 §14.2: a Range header that is not valid is ignored, so the whole file is sent (None) for no header,
    several ranges, a malformed header, or a range whose last byte comes before its first (``bytes=10-5``, invalid
    by §14.1.1). A valid range that selects no byte of the file (its first byte at or past the end, or the last 0
    bytes) is unsatisfiable: ``UnsatisfiableRange``, answered 416.
    """
    if not header:
        return None
    match = _RANGE.match(header.replace(" ", ""))
    if match is None or match.group(0) == "bytes=-":
        return None
    first, last = match.groups()
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            raise UnsatisfiableRange(size)
        return ByteRange(max(size - length, 0), size)
    start = int(first)
    if last and int(last) < start:  # an invalid range-spec: the header is ignored
        return None
    if start >= size:
        raise UnsatisfiableRange(size)
    return ByteRange(start, min(int(last) + 1, size) if last else size)


def stream(store: ObjectStore, key: str, start: int, end: int) -> Iterator[bytes]:
    """The bytes ``[start, end)`` of an object, read in chunks as the response is sent."""
    position = start
    while position < end:
        data = store.read_range(key, position, min(position + CHUNK, end))
        if not data:
            return
        yield data
        position += len(data)
