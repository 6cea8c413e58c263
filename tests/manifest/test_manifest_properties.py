"""Property tests: valid manifests round-trip; mutated manifests only ever raise located ManifestErrors."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cairn.domain.manifest import (
    ManifestOptions,
    Unit,
    iter_units,
    validate_manifest,
    write_csv_manifest,
    write_json_manifest,
)
from cairn.domain.manifest.export import _SECTION_OF
from cairn.errors import ManifestError

from .strategies import csv_unit_lists, json_unit_lists, manifest_dict

# CAIRN_MANIFEST_EXAMPLES=2000 runs a long hunt by hand; the suite keeps it short.
EXAMPLES = int(os.environ.get("CAIRN_MANIFEST_EXAMPLES", "60"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes, fmt: Any = None) -> list[Unit]:
    validate_manifest(io.BytesIO(data), fmt=fmt, source="prop")
    return list(iter_units(io.BytesIO(data), fmt=fmt, source="prop"))


def json_order(units: list[Unit]) -> list[Unit]:
    sections = list(dict.fromkeys(_SECTION_OF[u.kind] for u in units))
    return sorted(units, key=lambda u: sections.index(_SECTION_OF[u.kind]))


def csv_order(units: list[Unit]) -> list[Unit]:
    """Single files as they come, then groups and series (gathered by title until the end of the file)."""

    def gathered(u: Unit) -> bool:
        return u.kind.is_composite and not (
            u.kind == "dicom_series" and len(u.urls) == 1 and u.title == u.url.rsplit("/", 1)[-1]
        )

    return [u for u in units if not gathered(u)] + [u for u in units if gathered(u)]


@PROPERTY
@given(units=json_unit_lists, skip=st.booleans())
def test_json_round_trip(units: list[Unit], skip: bool) -> None:
    out = io.BytesIO()
    write_json_manifest(units, out, options=ManifestOptions(skip_duplicate_urls=skip, upsert_metadata=skip))
    assert read(out.getvalue()) == json_order(units)
    assert validate_manifest(io.BytesIO(out.getvalue()), source="p").options.skip_duplicate_urls is skip


@PROPERTY
@given(units=csv_unit_lists())
def test_csv_round_trip(units: list[Unit]) -> None:
    out = io.BytesIO()
    write_csv_manifest(units, out)
    assert read(out.getvalue(), fmt="csv") == csv_order(units)
    rows = csv.reader(io.StringIO(out.getvalue().decode("utf-8"), newline=""))
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def assert_only_located_manifest_errors(data: bytes) -> None:
    """Both passes either succeed or raise ManifestError whose every problem is located and explained."""
    for run in (
        lambda: validate_manifest(io.BytesIO(data), source="mut"),
        lambda: list(iter_units(io.BytesIO(data), source="mut")),
    ):
        try:
            run()
        except ManifestError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.location.startswith(("/", "line ")), problem
                assert problem.message.strip(), problem


byte_mutations = st.sampled_from(["flip", "delete", "insert", "truncate"])


def mutate_bytes(data: bytes, how: str, position: int, payload: bytes) -> bytes:
    position %= max(len(data), 1)
    if how == "flip":
        return data[:position] + bytes([data[position] ^ (payload[0] if payload else 0xFF)]) + data[position + 1 :]
    if how == "delete":
        return data[:position] + data[position + 1 + len(payload) :]
    if how == "insert":
        return data[:position] + payload + data[position:]
    return data[:position]


@PROPERTY
@given(units=json_unit_lists, how=byte_mutations, position=st.integers(0, 10**6), payload=st.binary(max_size=4))
def test_json_byte_mutations_raise_only_located_errors(
    units: list[Unit], how: str, position: int, payload: bytes
) -> None:
    out = io.BytesIO()
    write_json_manifest(units, out, options=ManifestOptions())
    assert_only_located_manifest_errors(mutate_bytes(out.getvalue(), how, position, payload))


@PROPERTY
@given(units=csv_unit_lists(), how=byte_mutations, position=st.integers(0, 10**6), payload=st.binary(max_size=4))
def test_csv_byte_mutations_raise_only_located_errors(
    units: list[Unit], how: str, position: int, payload: bytes
) -> None:
    out = io.BytesIO()
    write_csv_manifest(units, out)
    assert_only_located_manifest_errors(mutate_bytes(out.getvalue(), how, position, payload))


_wrong_values = st.sampled_from([None, True, 0, -1, 1.5, "", " x ", [], {}, [1, "a"], {"k": None}, "s3://b/a b"])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


@PROPERTY
@given(units=json_unit_lists, data=st.data())
def test_json_structural_mutations_raise_only_located_errors(units: list[Unit], data: st.DataObject) -> None:
    doc = manifest_dict(units)
    doc["skip_duplicate_urls"] = False
    path = data.draw(st.sampled_from(_paths(doc)))
    parent: Any = doc
    for step in path[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()):
        del parent[path[-1]]  # a deleted key or entry
    else:
        parent[path[-1]] = data.draw(_wrong_values)  # a wrong type or value
    assert_only_located_manifest_errors(json.dumps(doc).encode())
