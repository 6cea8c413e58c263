"""A unit with supplied metadata is made into its item's row once, by the scan, and stored so in its task; other
units stay units; a payload of the previous version (units only) is still read."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest import ImageMetadata, Unit
from cairn.domain.unit_packing import pack_units, unpack_units
from cairn.services.registration import _spill, _Spool
from cairn.services.registration_rows import ROW_COLUMNS, trusted_row


def _image(n: int, *, media: bool) -> Unit:
    metadata = ImageMetadata(width=640, height=480, file_size=1000 + n, mime_type="image/jpeg") if media else None
    return Unit(ItemKind.IMAGE, f"  image {n} ", (f"s3://b/{n}.jpg",), {"n": n}, metadata, f"/images/{n}")


def test_supplied_metadata_becomes_the_row_and_the_rest_stays_units(tmp_path: Path) -> None:
    units = [_image(0, media=True), _image(1, media=False), _image(2, media=True)]
    with (tmp_path / "spool").open("w+b") as file:
        spool = _Spool(file, [])
        _spill(spool, units, 0, integration_id=7)
        offset, length, _, count = spool.chunks[0]
        file.seek(offset)
        packed = unpack_units(file.read(length))
    assert count == 3
    assert [position for position, _ in packed.units] == [1]
    assert packed.units[0][1] == units[1]
    assert [position for position, _ in packed.rows] == [0, 2]
    row = dict(zip(ROW_COLUMNS, packed.rows[0][1], strict=True))
    assert row["title"] == "image 0"  # checked and cleaned once, as the items table keeps it
    assert (row["integration_id"], row["object_url"], row["url_key"]) == (7, "s3://b/0.jpg", "s3://b/0.jpg")
    assert (row["status"], row["width"], row["file_size"], row["client_metadata"]) == ("ready", 640, 1000, {"n": 0})
    assert trusted_row(units[1], integration_id=7) is None


def test_a_payload_of_units_only_is_still_read() -> None:
    record = ["image", "t", ["s3://b/x.jpg"], None, None, "/images/0"]
    packed = unpack_units(zlib.compress(json.dumps([record]).encode()))
    assert packed.rows == []
    assert packed.units == [(0, Unit(ItemKind.IMAGE, "t", ("s3://b/x.jpg",), {}, None, "/images/0"))]
    again = unpack_units(pack_units(packed.units, [(1, ["a", 1])]))
    assert (again.units, again.rows) == (packed.units, [(1, ["a", 1])])
