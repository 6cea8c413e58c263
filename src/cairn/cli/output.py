"""Printing results: one JSON document for scripts (``--json``), Rich tables and panels for people."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

    from cairn.cli.session import Session


def jsonable(value: Any) -> Any:
    """Records (dataclasses) to plain JSON values: dates as ISO 8601, enums as their values, sets as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


def print_json(session: Session, document: Any) -> None:
    """Write one JSON document on stdout, byte for byte: straight to the console's file, never through Rich (which
    would turn ``:v:`` into an emoji, read ``[bold]`` as markup, or wrap long lines). ``session`` is unused: every
    printer takes it, so that a command's output mode is chosen in one place."""
    del session
    text = json.dumps(jsonable(document), indent=2, ensure_ascii=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def say(session: Session, message: str) -> None:
    """A one-line human confirmation ("Created folder ..."), printed as is (no markup)."""
    session.out.print(message, markup=False, highlight=False)


def note(session: Session, message: str) -> None:
    """A hint for people on stderr (so that stdout stays clean for pipes)."""
    session.err.print(message, markup=False, highlight=False, style="dim")


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    from rich.table import Table  # noqa: PLC0415 - Rich is imported by the commands that print with it
    from rich.text import Text  # noqa: PLC0415

    grid = Table(title=title, title_justify="left", min_width=len(title) if title else None)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*(Text(cell_text(cell)) for cell in row))  # plain text: no markup, no :emoji: codes
    return grid


def fields_table(pairs: Iterable[tuple[str, Any]]) -> Table:
    """A two-column "field: value" table for one record; empty values are left out."""
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    grid = Table(show_header=False, box=None, pad_edge=False)
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for name, value in pairs:
        if value not in (None, "", {}, []):
            grid.add_row(Text(name), Text(cell_text(value)))  # plain text: no markup, no :emoji: codes
    return grid


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def human_size(size: int | None) -> str:
    """Bytes for people: 1536 -> "1.5 KB"."""
    if size is None:
        return ""
    units = ("B", "KB", "MB", "GB", "TB")
    amount, index = float(size), 0
    while amount >= 1024 and index < len(units) - 1:
        amount /= 1024
        index += 1
    return f"{size} B" if index == 0 else f"{amount:.1f} {units[index]}"
