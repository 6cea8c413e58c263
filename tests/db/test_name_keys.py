"""Name keys (SQLite, 0008): whatever items are added, renamed and deleted, and however often their keys run out
of room and are spread again, every item keeps a key in name order, the FTS5 index follows, and search by name
returns what a plain sort of the matches gives, page after page."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cairn.db.repositories import Repos, name_keys
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Folder, User
from cairn.services.registry import Registry
from tests.conftest import check_name_keys

TITLES = st.text(alphabet="ab_", min_size=1, max_size=4).map(lambda t: f"{t}.jpg")  # many ties and near-ties
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(TITLES, min_size=1, max_size=12)),
        st.tuples(st.just("rename"), st.integers(min_value=0), TITLES),
        st.tuples(st.just("delete"), st.integers(min_value=0)),
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    if not registry.db.is_sqlite:
        pytest.skip("name keys are SQLite's")
    return registry.folders.create(actor=admin, name="keys")


@pytest.fixture(params=["roomy", "cramped"])
def room(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """With "cramped", keys run out of room after a step or two, so most changes relabel a window, often every key."""
    if request.param == "cramped":
        monkeypatch.setattr(name_keys, "HIGH", 1 << 12)
        monkeypatch.setattr(name_keys, "STEP", 2)
        monkeypatch.setattr(name_keys, "SPACING", 4)
    return str(request.param)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_keys_stay_in_name_order_and_search_follows(
    registry: Registry, admin: User, folder: Folder, room: str, operations: list[tuple[Any, ...]]
) -> None:
    for operation in operations:
        _apply(registry, folder, operation)
        check_name_keys(registry.db)
    for text in ("a_b", "_a", "bb.", "JPG"):
        assert _searched(registry, admin, text) == _sorted_matches(registry, text), text


def test_a_relabelled_window_moves_keys_without_a_clash(registry: Registry, folder: Folder, room: str) -> None:
    """Many items into one gap, one at a time, then a batch between each pair: relabels in both directions."""
    for n in range(30):
        _apply(registry, folder, ("add", [f"m_{n:02d}.jpg"]))
    _apply(registry, folder, ("add", [f"m_{n:02d}x.jpg" for n in range(30)] + ["a.jpg", "z.jpg"]))
    check_name_keys(registry.db)
    with registry.db.read() as conn:
        titles = list(conn.exec_driver_sql("SELECT title FROM items ORDER BY name_key").scalars())
    assert titles == sorted(titles) and len(titles) == 62


def _apply(registry: Registry, folder: Folder, operation: tuple[Any, ...]) -> None:
    with registry.db.write() as conn:
        repo = Repos(conn).items
        ids = list(conn.exec_driver_sql("SELECT id FROM items ORDER BY id").scalars())
        if operation[0] == "add":
            rows = [
                {"folder_id": folder.id, "kind": ItemKind.IMAGE.value, "title": t, "object_url": f"s3://b/{t}"}
                for t in operation[1]
            ]
            repo.insert_many(rows)
        elif operation[0] == "rename" and ids:
            repo.update(ids[operation[1] % len(ids)], title=operation[2])
        elif operation[0] == "delete" and ids:
            repo.delete([ids[operation[1] % len(ids)]])


def _searched(registry: Registry, actor: User, text: str) -> list[tuple[str, int]]:
    """Every page of a search by name, 3 items a page; backwards gives the same items reversed."""
    forwards = _pages(registry, actor, ItemQuery(text=text, limit=3))
    backwards = _pages(registry, actor, ItemQuery(text=text, limit=3, descending=True))
    assert backwards == forwards[::-1], text
    return forwards


def _pages(registry: Registry, actor: User, query: ItemQuery) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    while True:
        page = registry.items.search(actor=actor, query=query)
        found += [(i.title, i.id) for i in page.items]
        if page.next_cursor is None:
            return found
        query = replace(query, cursor=page.next_cursor)


def _sorted_matches(registry: Registry, text: str) -> list[tuple[str, int]]:
    with registry.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT title, id, object_url FROM items").all()
    return sorted((title, item_id) for title, item_id, url in rows if text.lower() in f"{title}\n{url}".lower())
