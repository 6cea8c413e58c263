"""Reading a caller's binary stream without taking it over."""

from __future__ import annotations

import io
from typing import BinaryIO


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


def peekable(stream: BinaryIO) -> io.BufferedReader:
    """A buffered, peekable reader over ``stream`` (which need not be seekable, and is not closed by it)."""
    return io.BufferedReader(_RawView(stream), buffer_size=64 * 1024)
