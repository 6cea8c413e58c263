"""CSV header rows: which columns they name, and so which type the rows below them register."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest._problems import ProblemLog


class Family(Enum):
    """What the rows under a header are."""

    SINGLE = "single"
    GROUP = "group"
    DICOM = "dicom"


@dataclass(frozen=True)
class _TitleColumn:
    name: str
    family: Family
    kind: ItemKind | None


_TITLE_COLUMNS = {
    "video title": _TitleColumn("Video title", Family.SINGLE, ItemKind.VIDEO),
    "image title": _TitleColumn("Image title", Family.SINGLE, ItemKind.IMAGE),
    "image group title": _TitleColumn("Image group title", Family.GROUP, None),
    "series title": _TitleColumn("Series title", Family.DICOM, None),
    "dicom title": _TitleColumn("Series title", Family.DICOM, None),
}
_URL = "objecturl"
_CREATE = "create video"


def normalized(cell: str) -> str:
    """Header cells are case-insensitive and whitespace-trimmed ('Image_Group  Title' = 'image group title')."""
    return " ".join(cell.replace("_", " ").split()).lower().lstrip("\ufeff")


def is_header_row(cells: list[str]) -> bool:
    return bool(cells) and normalized(cells[0]).replace(" ", "") == _URL


@dataclass(frozen=True)
class RowValues:
    """The cells of a data row that matter, stripped ('' for a missing cell; None for an absent column)."""

    url: str
    title: str
    create_video: str | None


@dataclass(frozen=True)
class CsvHeader:
    """A header row: its line, the family of its rows, and where its columns are."""

    line: int
    width: int
    family: Family = Family.SINGLE
    single_kind: ItemKind = ItemKind.VIDEO
    title_column: str | None = None
    title_index: int | None = None
    create_index: int | None = None
    valid: bool = True

    @property
    def infers_kind(self) -> bool:
        """Whether a file extension may override the header's kind (not under a bare ObjectUrl header)."""
        return self.title_column is not None

    def values(self, cells: list[str], *, line: int, log: ProblemLog) -> RowValues:
        """The row's cells by column; a non-blank cell beyond the header is an error (never silently dropped)."""
        extra = next((i for i in range(self.width, len(cells)) if cells[i].strip()), None)
        if extra is not None:
            log.error(
                f"line {line}, column {extra + 1}",
                f"the row has {len(cells)} cells but the header at line {self.line} has {self.width} columns; "
                'a cell that contains the separator must be in double quotes ("Ann, Bob")',
            )
        return RowValues(_cell(cells, 0), _cell(cells, self.title_index), _optional_cell(cells, self.create_index))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet run a cell as a formula (OWASP "CSV injection")."""
TEXT_MARK = "'"
"""A spreadsheet's "this cell is text" mark: cairn's CSV export writes it before a cell that starts a formula."""


def marked_cell(text: str) -> str:
    """``text`` as exported: after the text mark when a spreadsheet would run it (or when it would lose a mark
    of its own on reading back). ``unmarked_cell(marked_cell(t)) == t`` for every ``t``."""
    if text[:1] in FORMULA_STARTS or unmarked_cell(text) != text:
        return TEXT_MARK + text
    return text


def unmarked_cell(text: str) -> str:
    """A cell as meant: a text mark before a formula character or another mark is dropped (``'=1+1`` is the text
    ``=1+1``, as a spreadsheet shows it); any other leading quote is part of the text (``'Tis``)."""
    if len(text) > 1 and text[0] == TEXT_MARK and text[1] in (*FORMULA_STARTS, TEXT_MARK):
        return text[1:]
    return text


def _cell(cells: list[str], index: int | None) -> str:
    return unmarked_cell(cells[index].strip()) if index is not None and index < len(cells) else ""


def _optional_cell(cells: list[str], index: int | None) -> str | None:
    return None if index is None else _cell(cells, index)


def header_from_cells(cells: list[str], *, line: int, log: ProblemLog) -> CsvHeader:
    """Read a header row; an invalid header is logged and its rows are skipped."""
    titles: list[tuple[int, _TitleColumn]] = []
    create_index: int | None = None
    seen: dict[str, int] = {}
    valid = True
    for index, cell in enumerate(cells):
        name = normalized(cell)
        if not name:
            continue
        if name in seen:
            log.error(
                f'line {line}, column "{cell.strip()}"',
                f"the column {cell.strip()!r} appears twice in the header",
                field=cell.strip(),
            )
            valid = False
        seen[name] = index
        if name in _TITLE_COLUMNS:
            titles.append((index, _TITLE_COLUMNS[name]))
        elif name == _CREATE:
            create_index = index
        elif index > 0:
            log.warn(f'line {line}, column "{cell.strip()}"', f"unknown column {cell.strip()!r} is ignored")
    if len(titles) > 1:
        names = " and ".join(repr(t.name) for _, t in titles)
        log.error(
            f"line {line}",
            f"a header row may have only one title column (Video title, Image title, Image "
            f"group title or Series title); this one has {names}",
        )
        valid = False
    return _header(
        line=line,
        width=len(cells),
        title=titles[0] if titles else None,
        create_index=create_index,
        valid=valid,
        log=log,
    )


def _header(
    *,
    line: int,
    width: int,
    title: tuple[int, _TitleColumn] | None,
    create_index: int | None,
    valid: bool,
    log: ProblemLog,
) -> CsvHeader:
    if title is None:
        return CsvHeader(line, width, create_index=create_index, valid=valid)
    index, column = title
    if column.family is Family.GROUP and create_index is None:
        log.warn(
            f"line {line}",
            'no "Create video" column: these rows are image sequences (a blank Create video '
            "means true in CSV); add the column with false for image groups",
        )
    if column.family is Family.DICOM and create_index is not None:
        log.warn(f'line {line}, column "Create video"', "Create video does not apply to DICOM series; it is ignored")
        create_index = None
    return CsvHeader(line, width, column.family, column.kind or ItemKind.VIDEO, column.name, index, create_index, valid)
