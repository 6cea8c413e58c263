"""Writing Encord-format manifests back out."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest import (
    ImageMetadata,
    ManifestOptions,
    Unit,
    VideoMetadata,
    write_csv_manifest,
    write_json_manifest,
)
from cairn.errors import InvalidInput

from .helpers import summarize, units_of

UNITS = [
    Unit(ItemKind.VIDEO, "clip", ("s3://b/v.mp4",), {"site": "A"}, VideoMetadata(25.0, 2.0, 640, 480, 10, "video/mp4")),
    Unit(ItemKind.IMAGE_SEQUENCE, "seq", ("s3://b/0.jpg", "s3://b/1.jpg")),
    Unit(ItemKind.IMAGE, "img", ("s3://b/i.png",), media=ImageMetadata("image/png", 1, 2, 3)),
    Unit(ItemKind.IMAGE_GROUP, "grp", ("s3://b/g.jpg",)),
    Unit(ItemKind.DICOM_SERIES, "ct", ("s3://b/1.dcm", "s3://b/2.dcm")),
    Unit(ItemKind.AUDIO, "a", ("s3://b/a.wav",)),
]


def test_json_export_is_plain_encord_json_and_reads_back() -> None:
    out = io.BytesIO()
    assert write_json_manifest(UNITS, out, options=ManifestOptions(skip_duplicate_urls=True)) == 6
    doc = json.loads(out.getvalue())
    assert doc["skip_duplicate_urls"] is True and doc["upsert_metadata"] is False
    assert doc["videos"] == [
        {
            "objectUrl": "s3://b/v.mp4",
            "title": "clip",
            "clientMetadata": {"site": "A"},
            "videoMetadata": {
                "fps": 25.0,
                "duration": 2.0,
                "width": 640,
                "height": 480,
                "file_size": 10,
                "mime_type": "video/mp4",
            },
        }
    ]
    assert doc["image_groups"][0] == {
        "title": "seq",
        "createVideo": True,
        "objectUrl_0": "s3://b/0.jpg",
        "objectUrl_1": "s3://b/1.jpg",
    }
    assert list(doc) == [
        "skip_duplicate_urls",
        "upsert_metadata",
        "videos",
        "image_groups",
        "images",
        "dicom_series",
        "audio",
    ]
    back = units_of(out.getvalue())
    assert sorted(back, key=repr) == sorted(UNITS, key=repr)
    assert summarize(out.getvalue()).options.skip_duplicate_urls


def test_json_export_of_an_ungrouped_iterator_refuses_instead_of_repeating_a_key() -> None:
    with pytest.raises(InvalidInput, match="grouped by kind"):
        write_json_manifest(iter(UNITS), io.BytesIO(), options=ManifestOptions())


def test_json_export_of_nothing_is_a_valid_empty_manifest() -> None:
    out = io.BytesIO()
    assert write_json_manifest([], out, options=ManifestOptions()) == 0
    assert json.loads(out.getvalue()) == {"skip_duplicate_urls": False, "upsert_metadata": False}


def test_csv_export_switches_headers_and_reads_back() -> None:
    units = [u for u in UNITS if not u.client_metadata and u.media is None]
    out = io.BytesIO()
    assert write_csv_manifest(units, out) == 4
    assert out.getvalue().decode().splitlines() == [
        "ObjectUrl,Image group title,Create video",
        "s3://b/0.jpg,seq,true",
        "s3://b/1.jpg,seq,true",
        "s3://b/g.jpg,grp,false",
        "ObjectUrl,Series title",
        "s3://b/1.dcm,ct",
        "s3://b/2.dcm,ct",
        "ObjectUrl,Image title",
        "s3://b/a.wav,a",
    ]
    assert sorted(units_of(out.getvalue()), key=repr) == sorted(units, key=repr)


def test_csv_export_refuses_what_csv_cannot_say() -> None:
    with pytest.raises(InvalidInput, match="metadata, which CSV cannot carry"):
        write_csv_manifest(UNITS[:1], io.BytesIO())
    assert write_csv_manifest(UNITS[:1], io.BytesIO(), drop_metadata=True) == 1
    with pytest.raises(InvalidInput, match="cannot mark 's3://b/noext' as audio"):
        write_csv_manifest([Unit(ItemKind.AUDIO, "a", ("s3://b/noext",))], io.BytesIO())
    twice = [Unit(ItemKind.IMAGE_GROUP, "g", ("s3://b/1.jpg",)), Unit(ItemKind.IMAGE_SEQUENCE, "g", ("s3://b/2.jpg",))]
    with pytest.raises(InvalidInput, match="a second group titled 'g'"):
        write_csv_manifest(twice, io.BytesIO())


def test_csv_export_leaves_the_stream_open() -> None:
    out = io.BytesIO()
    write_csv_manifest([Unit(ItemKind.VIDEO, "v", ("s3://b/v.mp4",))], out)
    assert not out.closed
    assert out.getvalue() == b"ObjectUrl,Video title\r\ns3://b/v.mp4,v\r\n"


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "'=already quoted", "''", "'Tis", "'"]


def test_csv_export_neutralises_formulas_and_still_reads_back() -> None:
    """OWASP CSV injection: a cell a spreadsheet would run as a formula is written after a single quote (the
    spreadsheet's "this is text" mark); reading the file back removes the mark, so the units are the same."""
    units = [Unit(ItemKind.IMAGE, title, (f"s3://b/{n}.jpg",)) for n, title in enumerate(FORMULAS)]
    units += [
        Unit(ItemKind.IMAGE_GROUP, "=group", ("rel/-a.jpg", "-b.jpg", "@c.jpg")),
        Unit(ItemKind.DICOM_SERIES, "+ct", ("=x.dcm",)),
    ]
    out = io.BytesIO()
    write_csv_manifest(units, out)
    cells = [cell for line in out.getvalue().decode().splitlines() for cell in _csv_cells(line)]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://x","y")' in cells and "''=already quoted" in cells and "'''" in cells
    assert "'Tis" in cells and "'" in cells  # a quote before anything else needs no mark
    assert "'-b.jpg" in cells and "'=x.dcm" in cells and "'=group" in cells
    assert sorted(units_of(out.getvalue()), key=repr) == sorted(units, key=repr)


def test_a_hand_made_csv_cell_with_the_text_mark_reads_as_the_text() -> None:
    text = "ObjectUrl,Image title\ns3://b/a.jpg,'=1+1\ns3://b/b.jpg,'Tis\ns3://b/c.jpg,''quoted\n"
    assert [u.title for u in units_of(text)] == ["=1+1", "'Tis", "'quoted"]


def _csv_cells(line: str) -> list[str]:
    return next(csv.reader([line]))
