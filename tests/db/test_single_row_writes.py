"""The rows a job's task writes one at a time (a result item, its dataset links, the record of its uploaded object),
each in one statement, on both dialects: what they write, and what they refuse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from cairn.db.repositories import Repos
from cairn.domain.records import Folder, User
from cairn.errors import AlreadyExists
from cairn.services.registry import Registry


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="single")


@contextmanager
def counted(registry: Registry) -> Iterator[Counter[str]]:
    """The statements run inside the block, by their first word (BEGINs left out)."""
    statements: Counter[str] = Counter()

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.startswith("BEGIN"):
            statements[statement.split(maxsplit=1)[0]] += 1

    event.listen(registry.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(registry.db.engine, "before_cursor_execute", count)


def _item(folder_id: int, name: str) -> dict[str, object]:
    stamp = datetime.now(UTC)
    return {"folder_id": folder_id, "kind": "video", "title": name, "managed_key": f"single/{name}",
            "created_at": stamp, "edited_at": stamp}  # fmt: skip


def test_one_item_is_one_insert_and_a_taken_place_is_refused(registry: Registry, admin: User, folder: Folder) -> None:
    with registry.db.write() as conn, counted(registry) as statements:
        (first,) = Repos(conn).items.insert_many([_item(folder.id, "a.mp4")])
    assert statements == Counter({"INSERT": 1}), statements
    assert registry.items.get(actor=admin, item_id=first).title == "a.mp4"
    with registry.db.write() as conn:
        (second,) = Repos(conn).items.insert_many([_item(folder.id, "b.mp4")])
    assert second > first
    taken = {**_item(folder.id, "c.mp4"), "object_url": "s3://b/x.mp4", "url_key": "k" * 64, "managed_key": None}
    with registry.db.write() as conn:
        Repos(conn).items.insert_many([taken])
    with pytest.raises(AlreadyExists), registry.db.write() as conn:
        Repos(conn).items.insert_many([taken])


def test_a_new_item_is_linked_to_the_plain_datasets_of_its_original(
    registry: Registry, admin: User, folder: Folder
) -> None:
    with registry.db.write() as conn:
        (original_id, new_id) = Repos(conn).items.insert_many([_item(folder.id, n) for n in ("o.mp4", "n.mp4")])
    plain = [registry.datasets.create(actor=admin, title=f"plain {n}") for n in range(2)]
    unrelated = registry.datasets.create(actor=admin, title="unrelated")
    synced = registry.datasets.create(actor=admin, title="synced", synced_folder_id=folder.id)
    for dataset in plain:
        registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[original_id])
    with registry.db.write() as conn, counted(registry) as statements:
        Repos(conn).datasets.link_as_plain(original_id, new_id, added_by=admin.id)
    assert statements == Counter({"INSERT": 1}), statements
    for dataset in [*plain, synced]:
        assert {i.id for i in registry.datasets.items(actor=admin, dataset_id=dataset.id).items} >= {new_id}
    assert registry.datasets.items(actor=admin, dataset_id=unrelated.id).items == []


def test_a_place_recorded_by_one_task_is_refused_to_another(registry: Registry) -> None:
    with registry.db.write() as conn, counted(registry) as statements:
        recorded = Repos(conn).result_objects.claim(job_id=1, seq=0, integration_id=None, key="results/a.mp4")
    assert statements == Counter({"INSERT": 1}), statements
    assert recorded is not None and (recorded.job_id, recorded.seq, recorded.key) == (1, 0, "results/a.mp4")
    with registry.db.write() as conn:
        repos = Repos(conn)
        assert repos.result_objects.claim(job_id=2, seq=3, integration_id=None, key="results/a.mp4") is None
        other = repos.result_objects.claim(job_id=2, seq=3, integration_id=None, key="results/b.mp4")
    assert other is not None and other.id != recorded.id
    with registry.db.read() as conn:
        assert [o.id for o in Repos(conn).result_objects.of_task(2, 3)] == [other.id]
