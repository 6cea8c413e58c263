"""Duplicate keys in URL order (``domain/duplicate_keys.py``), and the unique index that refuses a second copy 0 of a
key in a folder, long keys included, on both dialects."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from cairn.db import migrate
from cairn.db.database import Database
from cairn.domain.duplicate_keys import PREFIX_CHARS, composite_key, url_key
from tests.conftest import throwaway_postgres

LONG = "s3://bucket/" + "d/" * 4000 + "end.jpg"  # ~8 KB: past any B-tree entry's size as it is


def test_keys_sort_as_their_urls_and_stay_bounded_and_exact() -> None:
    urls = [f"s3://bucket/data/{n // 1000:04d}/{n:07d}.jpg" for n in range(0, 50_000, 37)]
    assert sorted(urls, key=url_key) == sorted(urls)
    assert url_key(urls[0]) == urls[0]
    twins = [LONG + "a", LONG + "b"]  # the same first PREFIX_CHARS characters
    keys = [url_key(u) for u in twins]
    assert keys[0] != keys[1]
    assert all(len(k.encode()) <= 4 * PREFIX_CHARS + 65 for k in keys)
    assert all(k.startswith(LONG[:PREFIX_CHARS] + "#") for k in keys)
    assert url_key(keys[0]) != keys[0]  # a key is never another, shorter text's key
    assert composite_key(["a", "b"]) == url_key("a\nb") != composite_key(["b", "a"])


@contextlib.contextmanager
def _database(tmp_path: Path, dialect: str) -> Iterator[Database]:
    if dialect == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'keys.db'}")
        yield database
        database.dispose()
        return
    with throwaway_postgres("cairn_test_keys") as url:
        database = Database(url)
        yield database
        database.dispose()


def _add(conn: sa.Connection, folder_id: int, *, url: str | None, key: str, managed: str | None = None) -> int:
    stamp = datetime.now(UTC)
    statement = sa.text(
        "INSERT INTO items (folder_id, kind, title, status, object_url, url_key, copy_no, managed_key, "
        "client_metadata, created_at, edited_at) VALUES (:folder, :kind, 't', 'ready', :url, :key, 0, :managed, "
        "'{}', :stamp, :stamp) RETURNING id"
    )
    kind = "image" if url or managed else "image_group"
    values = {"folder": folder_id, "kind": kind, "url": url, "key": key, "managed": managed, "stamp": stamp}
    return int(conn.execute(statement, values).scalar_one())


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_index_refuses_a_second_copy_of_a_key_long_or_short(tmp_path: Path, dialect: str) -> None:
    with _database(tmp_path, dialect) as database:
        migrate.upgrade(database)
        stamp = datetime.now(UTC)
        with database.write() as conn:
            folder = conn.execute(
                sa.text(
                    "INSERT INTO folders (name, description, client_metadata, path, kind, created_at, edited_at) "
                    "VALUES ('f', '', '{}', '/', 'folder', :s, :s) RETURNING id"
                ),
                {"s": stamp},
            ).scalar_one()
            short = _add(conn, folder, url="s3://bucket/a.jpg", key=url_key("s3://bucket/a.jpg"))
            long = _add(conn, folder, url=LONG, key=url_key(LONG))
        with database.read() as conn:
            keys: dict[int, str] = dict(conn.execute(sa.text("SELECT id, url_key FROM items")).all())
        assert keys[short] == "s3://bucket/a.jpg"
        assert keys[long] == url_key(LONG)  # stored whole, past any declared length
        with database.write() as conn:  # the key of a URL already there is refused by the index
            again = conn.execute(
                sa.text(
                    "INSERT INTO items (folder_id, kind, title, status, object_url, url_key, copy_no, "
                    "client_metadata, created_at, edited_at) VALUES (:f, 'image', 't', 'ready', :u, :k, 0, '{}', "
                    ":s, :s) ON CONFLICT DO NOTHING RETURNING id"
                ),
                {"f": folder, "u": LONG, "k": url_key(LONG), "s": stamp},
            ).all()
        assert again == []
