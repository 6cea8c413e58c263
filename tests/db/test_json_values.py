"""PostgreSQL: JSON values come back as ``json.loads`` would read them (the engine decodes them its own, cheaper way,
``cairn.db.database._json_loads``)."""

from __future__ import annotations

import json

import pytest

from cairn.services.registry import Registry

VALUES = ['{"split": "val", "n": [1, 2.5, null, true]}', '"caf\\u00e9 \\u2603"', "[]", "{}", "null", "0", '""']


@pytest.mark.parametrize("cast", ["jsonb", "json"])
def test_postgresql_json_values_read_as_json_loads_reads_them(registry: Registry, cast: str) -> None:
    if registry.db.is_sqlite:
        pytest.skip("PostgreSQL's JSON types (SQLite's JSON is text decoded by SQLAlchemy)")
    with registry.db.read() as conn:
        for text in [*VALUES, ' \n {"spaced" : [ 1 ] } ']:  # a json (not jsonb) value keeps the spaces it was given
            found = conn.exec_driver_sql(f"SELECT CAST(%(text)s AS {cast})", {"text": text}).scalar_one()
            assert found == json.loads(text), (cast, text)
