"""The database's integrity errors reach the services as cairn errors (``AlreadyExists``, ``Conflict``), never as
SQLAlchemy's, and a savepoint lets a service try a write and go on after a refusal (both dialects)."""

from __future__ import annotations

import pytest

from cairn.db.repositories import Repos
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Folder, User
from cairn.errors import AlreadyExists, Conflict
from cairn.services.items import NewItem, item_row
from cairn.services.registry import Registry


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="integrity")


def _row(folder_id: int, url: str) -> dict[str, object]:
    return item_row(
        NewItem(kind=ItemKind.IMAGE, title=url.rsplit("/", 1)[-1], object_url=url), folder_id=folder_id, owner_id=None
    )


def _titles(registry: Registry, folder: Folder) -> list[str]:
    with registry.db.read() as conn:
        return sorted(
            item.title for item in Repos(conn).items.page(ItemQuery(folder_id=folder.id), visible_paths=None).items
        )


def test_an_item_key_taken_is_already_exists(registry: Registry, folder: Folder) -> None:
    with registry.db.write() as conn:
        Repos(conn).items.insert_many([_row(folder.id, "s3://b/a.jpg")])
    with pytest.raises(AlreadyExists, match="already in the folder"), registry.db.write() as conn:
        Repos(conn).items.insert_many([_row(folder.id, "s3://b/b.jpg"), _row(folder.id, "s3://b/a.jpg")])
    assert _titles(registry, folder) == ["a.jpg"]  # the whole transaction rolled back


def test_a_missing_folder_is_a_conflict_whatever_the_write(registry: Registry, folder: Folder) -> None:
    with registry.db.write() as conn:
        (item_id,) = Repos(conn).items.insert_many([_row(folder.id, "s3://b/a.jpg")])
    with pytest.raises(Conflict) as refused, registry.db.write() as conn:
        Repos(conn).items.move([item_id], 987_654)  # no repository mapping here: the transaction maps it
    assert "987654" not in refused.value.message and "items" not in refused.value.message
    with pytest.raises(Conflict), registry.db.write() as conn:
        Repos(conn).items.insert_many([_row(987_654, "s3://b/c.jpg")])


def test_a_savepoint_undoes_its_block_only_and_the_transaction_goes_on(registry: Registry, folder: Folder) -> None:
    with registry.db.write() as conn:
        repos = Repos(conn)
        repos.items.insert_many([_row(folder.id, "s3://b/a.jpg")])
        with pytest.raises(AlreadyExists), repos.savepoint():
            repos.items.insert_many([_row(folder.id, "s3://b/b.jpg")])
            repos.items.insert_many([_row(folder.id, "s3://b/a.jpg")])
        repos.items.insert_many([_row(folder.id, "s3://b/c.jpg")])  # usable after the refusal, on PostgreSQL too
    assert _titles(registry, folder) == ["a.jpg", "c.jpg"]
