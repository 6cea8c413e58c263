"""The bulk item writer (staging table, then one INSERT ... SELECT per batch) on both dialects."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from cairn.db.repositories import _bulk
from cairn.db.schema import items
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Folder, User
from cairn.errors import AlreadyExists
from cairn.services.registry import Registry


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="bulk")


def _row(folder_id: int, number: int, stamp: datetime, *, copy_no: int = 0) -> dict[str, Any]:
    url = f"s3://bucket/bulk/{number:05d}.jpg"
    return {
        "folder_id": folder_id,
        "kind": "image",
        "title": f"bulk frame {number:05d}",
        "status": "ready",
        "object_url": url,
        "url_key": hashlib.sha256(url.encode()).hexdigest(),
        "copy_no": copy_no,
        "width": 640,
        "client_metadata": {"n": number, "tags": ["a", "b"]},
        "created_at": stamp,
        "edited_at": stamp,
    }


def test_rows_go_in_in_input_order_and_are_searchable(registry: Registry, admin: User, folder: Folder) -> None:
    stamp = datetime.now(UTC)
    rows = [_row(folder.id, n, stamp) for n in (7, 3, 9, 1)]
    with registry.db.write() as conn:
        added = _bulk.insert_items(conn, rows, skip_conflicts=False)
    assert [key for key, _ in added] == [r["url_key"] for r in rows]
    assert [item_id for _, item_id in added] == sorted(item_id for _, item_id in added)
    stored = registry.items.get(actor=admin, item_id=added[1][1])
    assert (stored.title, stored.client_metadata, stored.media.width) == (
        "bulk frame 00003",
        rows[1]["client_metadata"],
        640,
    )
    assert stored.created_at == stamp
    # the search index (SQLite's FTS5 trigger, PostgreSQL's trigram indexes) saw the rows
    found = registry.items.search(actor=admin, query=ItemQuery(text="frame 0000"))
    assert sorted(i.title for i in found.items) == [
        "bulk frame 00001",
        "bulk frame 00003",
        "bulk frame 00007",
        "bulk frame 00009",
    ]


def test_skip_conflicts_leaves_out_refused_rows_and_the_stage_is_emptied(registry: Registry, folder: Folder) -> None:
    stamp = datetime.now(UTC)
    with registry.db.write() as conn:
        _bulk.insert_items(conn, [_row(folder.id, 1, stamp)], skip_conflicts=True)
    rows = [_row(folder.id, 1, stamp), _row(folder.id, 2, stamp), _row(folder.id, 1, stamp, copy_no=1)]
    with registry.db.write() as conn:
        added = _bulk.insert_items(conn, rows, skip_conflicts=True)
        stage = _bulk._stage_name(list(rows[0]))
        left = conn.exec_driver_sql(f"SELECT count(*) FROM {stage}").scalar_one()
    assert [key for key, _ in added] == [rows[1]["url_key"], rows[2]["url_key"]]
    assert left == 0
    with registry.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(items)).scalar_one() == 3


def test_a_conflict_without_skipping_fails_and_writes_nothing(registry: Registry, folder: Folder) -> None:
    stamp = datetime.now(UTC)
    with registry.db.write() as conn:
        _bulk.insert_items(conn, [_row(folder.id, 1, stamp)], skip_conflicts=False)
    with pytest.raises(AlreadyExists), registry.db.write() as conn:  # the transaction maps the database's error
        _bulk.insert_items(conn, [_row(folder.id, 2, stamp), _row(folder.id, 1, stamp)], skip_conflicts=False)
    with registry.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(items)).scalar_one() == 1


def test_an_unknown_column_is_refused_before_anything_is_written(registry: Registry, folder: Folder) -> None:
    row = {**_row(folder.id, 1, datetime.now(UTC)), "colour": "red"}
    with pytest.raises(KeyError, match="colour"), registry.db.write() as conn:
        _bulk.insert_items(conn, [row], skip_conflicts=True)


def test_the_registration_path_never_gives_a_deleted_id_again(registry: Registry, folder: Folder) -> None:
    """The bulk path lets the database number the rows: a deleted newest id is not handed out again."""
    stamp = datetime.now(UTC)
    with registry.db.write() as conn:
        newest = _bulk.insert_items(conn, [_row(folder.id, 1, stamp), _row(folder.id, 2, stamp)], skip_conflicts=True)
        conn.execute(items.delete().where(items.c.id == newest[-1][1]))
    with registry.db.write() as conn:
        added = _bulk.insert_items(conn, [_row(folder.id, 3, stamp)], skip_conflicts=True)
    assert added[0][1] > newest[-1][1]


def test_client_metadata_is_stored_as_a_single_insert_stores_it(registry: Registry, folder: Folder) -> None:
    """The writer serializes JSON columns itself (one encoder per batch): what is stored is what ``items.insert()``
    stores, on both dialects, for text that needs escaping, nested values, numbers of every kind and an empty object."""
    stamp = datetime.now(UTC)
    metadata: list[dict[str, Any]] = [
        {"é": 'ü\u2028"q"\\', "nested": {"list": [1, 2.5, -0.0, True, None], "big": 10**18}, "e": 1e300},
        {},
        {"emoji": "\U0001f600", "float": 0.1, "neg": -7},
    ]
    bulk_rows = [_row(folder.id, n, stamp) | {"client_metadata": m} for n, m in enumerate(metadata)]
    single_rows = [_row(folder.id, 100 + n, stamp) | {"client_metadata": m} for n, m in enumerate(metadata)]
    with registry.db.write() as conn:
        added = _bulk.insert_items(conn, bulk_rows, skip_conflicts=False)
        single_ids = [
            conn.execute(items.insert().values(**row).returning(items.c.id)).scalar_one() for row in single_rows
        ]
    text = sa.cast(items.c.client_metadata, sa.Text)
    with registry.db.read() as conn:
        stored = dict(conn.execute(sa.select(items.c.id, text).where(items.c.folder_id == folder.id)).all())
        loaded = dict(
            conn.execute(sa.select(items.c.id, items.c.client_metadata).where(items.c.folder_id == folder.id)).all()
        )
    assert [stored[item_id] for _, item_id in added] == [stored[item_id] for item_id in single_ids]
    assert [loaded[item_id] for _, item_id in added] == [loaded[item_id] for item_id in single_ids]
    if registry.db.engine.dialect.name == "sqlite":  # PostgreSQL's jsonb normalizes (key order, 1e300, -0.0)
        assert [loaded[item_id] for _, item_id in added] == metadata
