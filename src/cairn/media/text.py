"""Text inspection: size, MIME type and character encoding, from a bounded sample of the file."""

from __future__ import annotations

import codecs
import mimetypes

from cairn.domain.media import Check, TextReport, Verdict
from cairn.errors import MediaError
from cairn.media.reading import FOREIGN_ERRORS, CountingReader, SeekableBinary, as_counting, media_error

__all__ = ["TEXT_SAMPLE_BYTES", "inspect_text"]

TEXT_SAMPLE_BYTES = 1024 * 1024
"""How much of a text file is read to decide its encoding (the whole file when smaller)."""

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def inspect_text(
    f: SeekableBinary, *, size: int | None = None, filename: str | None = None, content_type: str | None = None
) -> TextReport:
    """Inspect a text file object; binary content raises MediaError."""
    reader = as_counting(f, size=size)
    try:
        return _inspect(reader, filename, content_type)
    except MediaError:
        raise
    except FOREIGN_ERRORS as exc:
        raise media_error("cannot read the text file", exc) from exc


def _inspect(reader: CountingReader, filename: str | None, content_type: str | None) -> TextReport:
    sample = reader.read_at(0, TEXT_SAMPLE_BYTES)
    complete = len(sample) >= reader.size
    encoding = detect_encoding(sample, complete=complete)
    return TextReport(
        size=reader.size,
        mime_type=_mime_type(filename, content_type),
        encoding=encoding,
        read=reader.stats(whole_file_read=complete),
        checks=[_encoding_check(encoding, complete)],
    )


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """The encoding of ``sample``: from a byte-order mark, else UTF-8 when it decodes, else Windows-1252."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if b"\x00" in sample:
        raise MediaError("not a text file: it contains NUL bytes (binary data, or UTF-16 without a BOM)")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=complete)
    except UnicodeDecodeError:
        return "cp1252" if _decodes(sample, "cp1252") else "latin-1"
    return "ascii" if sample.isascii() else "utf-8"


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _mime_type(filename: str | None, content_type: str | None) -> str:
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    if guessed and (guessed.startswith("text/") or guessed in {"application/json", "application/xml"}):
        return guessed
    if content_type and content_type.split(";")[0].strip().startswith("text/"):
        return content_type.split(";")[0].strip()
    return "text/plain"


def _encoding_check(encoding: str, complete: bool) -> Check:
    scope = "the whole file" if complete else f"the first {TEXT_SAMPLE_BYTES:,} bytes"
    if encoding in {"ascii", "utf-8", "utf-8-sig"}:
        return Check("encoding", Verdict.OK, f"{encoding} (from {scope})")
    return Check(
        "encoding",
        Verdict.WARNING,
        f"{encoding} (from {scope}): not UTF-8, so some tools will show wrong characters",
        f"convert to UTF-8: iconv -f {encoding} -t utf-8 in.txt > out.txt",
    )
