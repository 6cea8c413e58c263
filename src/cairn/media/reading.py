"""A counting wrapper over any seekable binary file object, and the foreign errors inspectors map.

Inspectors wrap whatever they are given (a local file, a storage range reader) in :class:`CountingReader`, so
every report says how many bytes were read and in how many calls.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol, cast

import av.error
from PIL import Image

from cairn.domain.media import ReadStats
from cairn.errors import MediaError

__all__ = [
    "EMPTY_FILE",
    "FOREIGN_ERRORS",
    "CountingReader",
    "SeekableBinary",
    "as_counting",
    "media_error",
    "open_counting",
]

FOREIGN_ERRORS: tuple[type[BaseException], ...] = (
    av.error.FFmpegError,
    Image.DecompressionBombError,
    OSError,
    EOFError,
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    ArithmeticError,
    struct.error,
    zlib.error,
    SyntaxError,
    RecursionError,
    NotImplementedError,
    Warning,
)
"""Exceptions the media libraries (PyAV, Pillow, pydicom, pypdf) raise on bad input; mapped to MediaError.

``Warning`` is there because Pillow, pydicom and pypdf warn about damaged data and carry on; where the host's
warning filter turns warnings into errors (the test suite does), the damaged file is reported as MediaError.
"""


class SeekableBinary(Protocol):
    """The least an inspector needs: ``read`` and ``seek`` (``tell`` is derived when missing)."""

    def read(self, n: int = -1, /) -> Any: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...


def media_error(what: str, exc: BaseException) -> MediaError:
    """A MediaError saying what could not be read and the library's reason."""
    strerror = exc.strerror if isinstance(exc, av.error.FFmpegError) else None
    reason = (strerror or str(exc)).strip() or type(exc).__name__
    return MediaError(f"{what}: {reason}", details={"error": type(exc).__name__})


class CountingReader(io.RawIOBase):
    """Seekable, read-only view of a file object that counts bytes read and read calls.

    ``read`` always returns real ``bytes`` (storage readers may return buffer objects that PyAV refuses).
    """

    def __init__(self, raw: SeekableBinary, *, size: int | None = None) -> None:
        super().__init__()
        self._raw = raw
        self._pos = raw.seek(0, os.SEEK_SET)
        self._size = size
        self.bytes_read = 0
        self.reads = 0

    @property
    def size(self) -> int:
        """The file's size: the one given, or found by seeking to the end once."""
        if self._size is None:
            here = self._pos
            self._size = self._raw.seek(0, os.SEEK_END)
            self._pos = self._raw.seek(here, os.SEEK_SET)
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_END:
            offset, whence = self.size + offset, os.SEEK_SET
        elif whence == os.SEEK_CUR:
            offset, whence = self._pos + offset, os.SEEK_SET
        if offset < 0:
            raise OSError(f"cannot seek to negative offset {offset}")
        self._pos = self._raw.seek(offset, whence)
        return self._pos

    def read(self, n: int | None = -1) -> bytes:
        data = bytes(self._raw.read(-1 if n is None else n))
        self._pos += len(data)
        self.bytes_read += len(data)
        self.reads += 1
        return data

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def read_at(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (fewer at the end of the file)."""
        self.seek(offset)
        return self.read(length)

    @property
    def binary(self) -> BinaryIO:
        """This reader typed as a binary file, for libraries whose stubs ask for one."""
        return cast(BinaryIO, self)

    def stats(self, *, whole_file_read: bool = False) -> ReadStats:
        return ReadStats(bytes_read=self.bytes_read, reads=self.reads, whole_file_read=whole_file_read)


EMPTY_FILE = "the file is empty (0 bytes): an empty object is not a valid file of any kind"


def as_counting(f: SeekableBinary, *, size: int | None, allow_empty: bool = False) -> CountingReader:
    """``f`` itself when it already counts, else a new counting view from its start.

    Every inspector opens its file here, so every inspector refuses an empty file (``MediaError``): zero bytes are
    no image, video, DICOM, audio, PDF nor text file (an empty "text file" would hide a failed upload or copy).
    Only kind detection, which reports what the bytes are, takes ``allow_empty``.
    """
    reader = f if isinstance(f, CountingReader) else CountingReader(f, size=size)
    if not allow_empty and reader.size == 0:
        raise MediaError(EMPTY_FILE, details={"size": 0})
    return reader


@contextmanager
def open_counting(path: str | os.PathLike[str]) -> Iterator[CountingReader]:
    """Open a local file for inspection, counting what is read."""
    with Path(path).open("rb") as raw:
        handle: IO[bytes] = raw
        yield CountingReader(handle, size=os.fstat(raw.fileno()).st_size)
