"""Reader of CSV manifests (Encord's format): header rows set the type of the rows below them.

Single files are yielded as their rows are read; image groups, image sequences and DICOM series are gathered by
title (rows with the same title form one unit, in row order, wherever they are in the file) and yielded at the end.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from cairn.domain.content_kinds import wrong_kind_message
from cairn.domain.kinds import ItemKind
from cairn.domain.manifest._csv_header import CsvHeader, Family, header_from_cells, is_header_row
from cairn.domain.manifest._files import default_title, kind_from_extension, url_problem
from cairn.domain.manifest._json_items import ParsedUnit
from cairn.domain.manifest._problems import ProblemLog
from cairn.domain.manifest._streams import peekable
from cairn.domain.manifest.model import ManifestLimits, ManifestOptions, Unit

_DELIMITERS = {",": ",", ";": ";", "\t": "\t"}
_TRUE = frozenset({"true", "yes", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "0", "n", "f"})


def expected_video_error(detected: str) -> str:
    """The error for a file under an ``ObjectUrl``-only header that is not a video (Encord's exact wording)."""
    return wrong_kind_message(ItemKind.VIDEO, detected)


@dataclass
class _OpenComposite:
    """An image group / image sequence / DICOM series whose rows are being gathered."""

    kind: ItemKind
    title: str
    line: int
    urls: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


class _UndecodableLine(Exception):
    def __init__(self, line: int, exc: UnicodeDecodeError) -> None:
        super().__init__(str(exc))
        self.line = line
        self.reason = exc.reason


def _text_lines(stream: BinaryIO) -> Iterator[str]:
    """The file's lines, decoded: UTF-8 with or without BOM, or UTF-16 when it starts with a UTF-16 BOM."""
    buffered = stream if isinstance(stream, io.BufferedReader) else peekable(stream)
    if buffered.peek(2)[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return iter(io.TextIOWrapper(buffered, encoding="utf-16", newline=""))
    return _utf8_lines(buffered)


def _utf8_lines(buffered: io.BufferedReader) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    for number, raw in enumerate(buffered, start=1):
        try:
            yield decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise _UndecodableLine(number, exc) from exc


class CsvManifestReader:
    """Reads a CSV manifest once, yielding units. CSV carries no options: ``options`` are the defaults."""

    options = ManifestOptions()

    def __init__(self, stream: BinaryIO, *, log: ProblemLog, limits: ManifestLimits) -> None:
        self._stream = stream
        self._log = log
        self._limits = limits
        self._header: CsvHeader | None = None
        self._composites: dict[tuple[Family, str], _OpenComposite] = {}

    def render(self, code: int) -> str:
        return f'line {code}, column "ObjectUrl"'

    def units(self) -> Iterator[ParsedUnit]:
        for line, cells in self._rows():
            if is_header_row(cells):
                self._header = header_from_cells(cells, line=line, log=self._log)
            elif self._header is None:
                self._log.fatal(
                    f"line {line}",
                    "the first row must be a header row whose first column is ObjectUrl "
                    "(for example: ObjectUrl,Image title)",
                )
            elif self._header.valid:
                yield from self._data_row(line, cells, self._header)
        if self._header is None:
            self._log.fatal(
                "line 1",
                "the file has no rows; the first row must be a header such as ObjectUrl,Video title",
            )
        yield from self._closed_composites()

    # -- rows ----------------------------------------------------------------------------------------------

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        """(first line of the row, cells) of each non-blank row."""
        lines = _text_lines(self._stream)
        previous = 0
        try:
            first, lines = _peek_first_content(lines)
            reader = csv.reader(lines, delimiter=self._delimiter(first), strict=False)
            for cells in reader:
                line, previous = previous + 1, reader.line_num
                if any(cell.strip() for cell in cells):
                    yield line, cells
        except _UndecodableLine as exc:
            self._log.fatal(f"line {exc.line}", f"the file is not valid UTF-8 text ({exc.reason}); save it as UTF-8")
        except UnicodeDecodeError as exc:
            self._log.fatal(f"line {previous + 1}", f"the file is not valid UTF-16 text ({exc.reason})")
        except csv.Error as exc:
            self._log.fatal(f"line {previous + 1}", f"malformed CSV: {exc}")

    def _delimiter(self, first: str) -> str:
        """The delimiter, from the first row: the character right after 'ObjectUrl'."""
        text = first.lstrip(" \ufeff").lstrip('"').lstrip()
        if not text.lower().startswith("objecturl"):
            return ","
        rest = text[len("objecturl") :].lstrip('"').lstrip(" ")
        if not rest or rest[0] in "\r\n":
            return ","
        if rest[0] not in _DELIMITERS:
            self._log.fatal(
                "line 1", f"unsupported column separator {rest[0]!r} after ObjectUrl; use a comma, a semicolon or a tab"
            )
        return _DELIMITERS[rest[0]]

    def _data_row(self, line: int, cells: list[str], header: CsvHeader) -> Iterator[ParsedUnit]:
        values = header.values(cells, line=line, log=self._log)
        url = self._url(line, values.url)
        if header.family is Family.GROUP:
            self._group_row(line, url, values.title, values.create_video)
        elif header.family is Family.DICOM:
            yield from self._dicom_row(line, url, values.title)
        elif url is not None:
            self._check_create_video(line, values.create_video, header)
            unit = self._single(line, url, values.title, header)
            if unit is not None:
                yield ParsedUnit(unit, (line,))

    def _url(self, line: int, url: str) -> str | None:
        why = url_problem(url, max_bytes=self._limits.max_url_bytes)
        if why is None:
            return url
        self._log.error(f'line {line}, column "ObjectUrl"', "ObjectUrl is empty" if not url else why, field="ObjectUrl")
        return None

    def _title(self, line: int, title: str, column: str) -> str | None:
        limit = self._limits.max_title_chars
        if len(title) <= limit:
            return title
        self._log.error(
            f'line {line}, column "{column}"',
            f"the title is {len(title)} characters long; the limit is {limit}",
            field=column,
        )
        return None

    def _single(self, line: int, url: str, title: str, header: CsvHeader) -> Unit | None:
        kind = header.single_kind
        inferred = kind_from_extension(url)
        if header.infers_kind and inferred is not None and inferred != kind:
            self._log.warn(
                f"line {line}",
                f"registered as {inferred} (from the file extension) although the header "
                f'at line {header.line} is for {kind}s ("{header.title_column}")',
            )
            kind = inferred
        elif inferred is not None and inferred != kind:
            self._log.warn(
                f"line {line}",
                f"the header at line {header.line} is ObjectUrl alone, so this row is a video, but its extension says "
                f'{inferred}: registration will fail with "{expected_video_error(inferred)}"; add a title column '
                '(e.g. "Image title") to register other types',
            )
        checked = self._title(line, title or default_title(url), header.title_column or "ObjectUrl")
        return None if checked is None else Unit(kind, checked, (url,), location=f"line {line}")

    def _check_create_video(self, line: int, raw: str | None, header: CsvHeader) -> None:
        if raw is None or not raw.strip():
            return
        value = self._create_video(line, raw)
        if value:
            self._log.error(
                f'line {line}, column "Create video"',
                "Create video is true, but this header has no "
                '"Image group title" column: only image groups can become image sequences',
                field="Create video",
            )

    def _create_video(self, line: int, raw: str | None) -> bool | None:
        """The Create video cell: blank means true (the CSV default, unlike JSON's false)."""
        text = (raw or "").strip().lower()
        if not text or text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self._log.error(
            f'line {line}, column "Create video"',
            f"Create video must be true or false (also yes/no, 1/0, or blank for true), got {raw!r}",
            field="Create video",
        )
        return None

    # -- composites ----------------------------------------------------------------------------------------

    def _group_row(self, line: int, url: str | None, title: str, raw_create: str | None) -> None:
        create_video = self._create_video(line, raw_create)
        if not title:
            self._log.error(
                f'line {line}, column "Image group title"',
                "Image group title is required: it names the group or sequence this file belongs to",
                field="Image group title",
            )
            return
        if create_video is None or url is None:
            return
        kind = ItemKind.IMAGE_SEQUENCE if create_video else ItemKind.IMAGE_GROUP
        group = self._composite(Family.GROUP, kind, title, line, "Image group title")
        if group is not None and group.kind != kind:
            self._log.error(
                f'line {line}, column "Create video"',
                f"the group {title!r} started at line "
                f"{group.line} as an {group.kind.replace('_', ' ')}; all its rows need the same Create "
                "video value",
                field="Create video",
            )
        elif group is not None:
            group.urls.append(url)
            group.lines.append(line)

    def _dicom_row(self, line: int, url: str | None, title: str) -> Iterator[ParsedUnit]:
        if url is None:
            return
        if not title:
            checked = self._title(line, default_title(url), "Series title")
            if checked is not None:
                yield ParsedUnit(Unit(ItemKind.DICOM_SERIES, checked, (url,), location=f"line {line}"), (line,))
            return
        series = self._composite(Family.DICOM, ItemKind.DICOM_SERIES, title, line, "Series title")
        if series is not None:
            series.urls.append(url)
            series.lines.append(line)

    def _composite(self, family: Family, kind: ItemKind, title: str, line: int, column: str) -> _OpenComposite | None:
        found = self._composites.get((family, title))
        if found is not None:
            return found
        if self._title(line, title, column) is None:
            return None
        opened = _OpenComposite(kind, title, line)
        self._composites[(family, title)] = opened
        return opened

    def _closed_composites(self) -> Iterator[ParsedUnit]:
        for group in self._composites.values():
            if group.urls:
                unit = Unit(group.kind, group.title, tuple(group.urls), location=f"line {group.line}")
                yield ParsedUnit(unit, tuple(group.lines))


def _peek_first_content(lines: Iterator[str]) -> tuple[str, Iterator[str]]:
    """The first non-blank line, and all the lines again (blank ones included, so line numbers stay right)."""
    seen: list[str] = []
    for text in lines:
        seen.append(text)
        if text.strip(" \t\r\n\ufeff,;"):
            return text, itertools.chain(seen, lines)
    return "", iter(seen)
