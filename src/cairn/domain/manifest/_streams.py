"""Reading a caller's binary stream without taking it over."""

from __future__ import annotations

import io
from typing import BinaryIO

from cairn.domain.sizes import too_large

MAX_MANIFEST_SETTING = "CAIRN_MAX_MANIFEST_BYTES"


def _seekable(stream: BinaryIO) -> bool:
    """Whether ``stream`` can seek back (a caller's stream may have no ``seekable`` at all)."""
    return bool(getattr(stream, "seekable", lambda: False)())


class _RawView(io.RawIOBase):
    """Any binary stream seen as a raw stream. Closing the view leaves the caller's stream open."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seekable(self) -> bool:
        return _seekable(self._stream)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


def peekable(stream: BinaryIO) -> io.BufferedReader:
    """A buffered, peekable reader over ``stream`` (which need not be seekable, and is not closed by it)."""
    return io.BufferedReader(_RawView(stream), buffer_size=64 * 1024)


class LimitedStream(io.RawIOBase):
    """A stream that raises ``TooLarge`` once more than ``limit`` bytes have been read from it (the manifest limit)."""

    def __init__(self, stream: BinaryIO, *, limit: int, source: str) -> None:
        self._stream = stream
        self._limit = limit
        self._source = source
        self._read = 0
        self._base = stream.tell() if _seekable(stream) else 0

    def seekable(self) -> bool:
        return _seekable(self._stream)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Seek within what was read (positions count from where the limit started; what is read again counts
        again from there)."""
        if whence == io.SEEK_CUR:
            offset += self._read
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("a limited stream seeks from its start or its position only")
        self._stream.seek(self._base + offset)
        self._read = offset
        return offset

    def tell(self) -> int:
        return self._read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(min(len(buffer), self._limit + 1 - self._read))
        self._read += len(data)
        if self._read > self._limit:
            raise too_large(
                f"the manifest {self._source!r}",
                location=self._source,
                size=self._read,
                limit=self._limit,
                setting=MAX_MANIFEST_SETTING,
                at_least=True,
            )
        buffer[: len(data)] = data
        return len(data)
