"""Writing units back out as Encord-format manifests (``cairn export FOLDER``), streaming."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, BinaryIO

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest._csv_header import is_header_row, marked_cell
from cairn.domain.manifest._files import default_title, kind_from_extension
from cairn.domain.manifest._media import dump_media
from cairn.domain.manifest.model import ManifestOptions, Unit
from cairn.errors import InvalidInput

_SECTION_OF = {
    ItemKind.VIDEO: "videos",
    ItemKind.IMAGE: "images",
    ItemKind.IMAGE_GROUP: "image_groups",
    ItemKind.IMAGE_SEQUENCE: "image_groups",
    ItemKind.DICOM_SERIES: "dicom_series",
    ItemKind.AUDIO: "audio",
    ItemKind.TEXT: "text",
    ItemKind.PDF: "pdf",
    ItemKind.NIFTI: "nifti",
}
_SECTION_ORDER = tuple(dict.fromkeys(_SECTION_OF.values()))


def _section(unit: Unit) -> str:
    section = _SECTION_OF.get(unit.kind)
    if section is None:
        raise InvalidInput(f"a {unit.kind} is not a registration unit (register its DICOM series instead)")
    return section


def unit_to_json(unit: Unit) -> dict[str, Any]:
    """The manifest entry of one unit (``objectUrl`` for single files, ``objectUrl_N`` for composites)."""
    entry: dict[str, Any] = {"title": unit.title}
    if unit.kind.is_composite:
        if unit.kind in (ItemKind.IMAGE_GROUP, ItemKind.IMAGE_SEQUENCE):
            entry["createVideo"] = unit.kind is ItemKind.IMAGE_SEQUENCE
        entry.update({f"objectUrl_{n}": url for n, url in enumerate(unit.urls)})
    else:
        entry = {"objectUrl": unit.url, **entry}
    if unit.client_metadata:
        entry["clientMetadata"] = unit.client_metadata
    if unit.media is not None:
        key, value = dump_media(unit.media)
        entry[key] = value
    return entry


def write_json_manifest(units: Iterable[Unit], out: BinaryIO, *, options: ManifestOptions) -> int:
    """Write units as an Encord JSON manifest (UTF-8) and return how many were written.

    Streams: memory stays flat when ``units`` come grouped by section (videos, images, image groups and
    sequences, ...), as a query ordered by kind gives them. A list or tuple is grouped here. An iterator whose
    units are not grouped raises ``InvalidInput`` (a JSON key may appear only once).
    """
    ordered = _grouped(units) if isinstance(units, Sequence) else iter(units)
    out.write(b"{\n")
    out.write(f'  "skip_duplicate_urls": {_json(options.skip_duplicate_urls)},\n'.encode())
    out.write(f'  "upsert_metadata": {_json(options.upsert_metadata)}'.encode())
    closed: set[str] = set()
    current: str | None = None
    count = 0
    for count, unit in enumerate(ordered, start=1):
        section = _section(unit)
        if section != current:
            _open_section(out, section, current, closed, count)
            current = section
        else:
            out.write(b",")
        out.write(b"\n    " + _json(unit_to_json(unit)).encode())
    if current is not None:
        out.write(b"\n  ]")
    out.write(b"\n}\n")
    return count


def _grouped(units: Sequence[Unit]) -> Iterator[Unit]:
    """The units, stably grouped by section (in the order sections first appear)."""
    order = {section: n for n, section in enumerate(dict.fromkeys(_section(u) for u in units))}
    return iter(sorted(units, key=lambda u: order[_section(u)]))


def _open_section(out: BinaryIO, section: str, current: str | None, closed: set[str], number: int) -> None:
    if section in closed:
        raise InvalidInput(
            f"unit {number} belongs to {section!r}, whose array was already written: pass units "
            "grouped by kind (or as a list) to write a JSON manifest"
        )
    if current is not None:
        closed.add(current)
        out.write(b"\n  ]")
    out.write(f',\n  "{section}": ['.encode())


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


_CSV_HEADERS = {
    ItemKind.VIDEO: ("ObjectUrl", "Video title"),
    ItemKind.IMAGE: ("ObjectUrl", "Image title"),
    ItemKind.IMAGE_GROUP: ("ObjectUrl", "Image group title", "Create video"),
    ItemKind.IMAGE_SEQUENCE: ("ObjectUrl", "Image group title", "Create video"),
    ItemKind.DICOM_SERIES: ("ObjectUrl", "Series title"),
}


def write_csv_manifest(units: Iterable[Unit], out: BinaryIO, *, drop_metadata: bool = False) -> int:
    """Write units as an Encord CSV manifest (UTF-8, comma-separated) and return how many were written.

    A cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is written after a
    single quote, which reading the file back removes (``unmarked_cell``), so the file still registers the same units.

    CSV can say less than JSON, so a unit it cannot express raises ``InvalidInput`` (export as JSON instead):
    clientMetadata or media metadata (unless ``drop_metadata``), an audio/text/PDF/NIfTI file whose extension
    does not say so, a file whose extension names another kind, or two groups or series with the same title.
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        return _write_csv_rows(units, csv.writer(text, lineterminator="\r\n"), drop_metadata=drop_metadata)
    finally:
        text.flush()
        text.detach()


def _write_csv_rows(units: Iterable[Unit], writer: Any, *, drop_metadata: bool) -> int:
    header: tuple[str, ...] | None = None
    titles: set[tuple[str, str]] = set()
    count = 0
    for count, unit in enumerate(units, start=1):
        _check_csv_unit(unit, count, drop_metadata=drop_metadata)
        wanted = _csv_header(unit)
        if wanted != header:
            writer.writerow(wanted)
            header = wanted
        for row in _csv_rows(unit, count, titles):
            writer.writerow([marked_cell(cell) for cell in row])  # no cell starts a spreadsheet formula
    return count


def _csv_header(unit: Unit) -> tuple[str, ...]:
    if unit.kind in _CSV_HEADERS:
        return _CSV_HEADERS[unit.kind]
    return ("ObjectUrl", "Image title")  # audio, text, PDF, NIfTI: recognised by their extension


def _check_csv_unit(unit: Unit, number: int, *, drop_metadata: bool) -> None:
    where = f"unit {number} ({unit.title!r})"
    if (unit.client_metadata or unit.media is not None) and not drop_metadata:
        raise InvalidInput(f"{where} has metadata, which CSV cannot carry: export as JSON, or drop the metadata")
    for url in unit.urls:
        if is_header_row([url]):
            raise InvalidInput(f"{where}: the URL {url!r} would read as a CSV header row; export as JSON")
    if unit.kind.is_composite:
        return
    inferred = kind_from_extension(unit.url)
    expressible = inferred == unit.kind or (inferred is None and unit.kind in (ItemKind.VIDEO, ItemKind.IMAGE))
    if not expressible:
        raise InvalidInput(
            f"{where}: CSV cannot mark {unit.url!r} as {unit.kind} (its extension says "
            f"{inferred or 'nothing'}); export as JSON"
        )


def _csv_rows(unit: Unit, number: int, titles: set[tuple[str, str]]) -> Iterator[tuple[str, ...]]:
    if not unit.kind.is_composite:
        yield (unit.url, unit.title)
        return
    if unit.kind is ItemKind.DICOM_SERIES and len(unit.urls) == 1 and unit.title == default_title(unit.url):
        yield (unit.url, "")  # a blank series title: a series of its own, titled by its file name
        return
    family = "dicom" if unit.kind is ItemKind.DICOM_SERIES else "group"
    if (family, unit.title) in titles:
        raise InvalidInput(
            f"unit {number}: a second {family} titled {unit.title!r}; in CSV, rows with the same title "
            "form one unit, so export as JSON"
        )
    titles.add((family, unit.title))
    extra = ("true" if unit.kind is ItemKind.IMAGE_SEQUENCE else "false",) if family == "group" else ()
    for url in unit.urls:
        yield (url, unit.title, *extra)
