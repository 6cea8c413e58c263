"""Search by name from what is rebuilt in the background (SQLite: the name-ordered copy of the search index, 0008;
PostgreSQL: where each trigram first and last appears in name order per kind, 0010): whatever is added, renamed,
moved, deleted and given another kind before, during and after a build, search by name, with or without a kind,
returns what a plain sort of the matches gives, page after page."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cairn.db import name_order, trigram_spans
from cairn.db.repositories import Repos, item_pages
from cairn.db.schema import items
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Folder, User
from cairn.services.items import NewItem
from cairn.services.registry import Registry

TITLES = st.text(alphabet="ab_", min_size=1, max_size=4).map(lambda t: f"{t}.jpg")  # many ties and near-ties
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(TITLES, min_size=1, max_size=12)),
        st.tuples(st.just("rename"), st.integers(min_value=0), TITLES),
        st.tuples(st.just("move"), st.integers(min_value=0)),
        st.tuples(st.just("delete"), st.integers(min_value=0)),
        st.tuples(st.just("change kind"), st.integers(min_value=0)),
        st.tuples(st.just("build")),
    ),
    min_size=1,
    max_size=10,
)
TEXTS = ("a_b", "_a", "bb.", "JPG", "aba", "ab.jp")  # the last three have trigrams (PostgreSQL bound)


@pytest.fixture
def folders(registry: Registry, admin: User, monkeypatch: pytest.MonkeyPatch) -> tuple[Folder, Folder]:
    monkeypatch.setattr(item_pages, "FEW_TEXT_MATCHES", -1)  # never fetch-and-sort: the name order when it can
    monkeypatch.setattr(name_order, "BATCH", 3)  # builds of several batches
    return registry.folders.create(actor=admin, name="one"), registry.folders.create(actor=admin, name="two")


@pytest.fixture
def sqlite_folders(registry: Registry, folders: tuple[Folder, Folder]) -> tuple[Folder, Folder]:
    if not registry.db.is_sqlite:
        pytest.skip("the name-ordered index is SQLite's")
    return folders


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_search_by_name_is_exact_whatever_changed_since_the_build(
    registry: Registry, admin: User, folders: tuple[Folder, Folder], operations: list[tuple[Any, ...]]
) -> None:
    for operation in operations:
        _apply(registry, folders, operation)
    for text in TEXTS:
        assert _searched(registry, admin, text) == _sorted_matches(registry, text), text
        videos = _searched(registry, admin, text, kind=ItemKind.VIDEO)
        assert videos == _sorted_matches(registry, text, kind=ItemKind.VIDEO), text


def test_a_change_made_during_a_build_is_found_after_it(
    registry: Registry, admin: User, sqlite_folders: tuple[Folder, Folder]
) -> None:
    """The build copies a snapshot taken when it started; what changes meanwhile stays among the changes that a
    search merges in, also once the new copy is live."""
    _apply(registry, sqlite_folders, ("add", [f"b_{n}.jpg" for n in range(10)]))
    during = iter([("add", ["a_new.jpg"]), ("rename", 3, "a_renamed.jpg"), ("delete", 5), ("add", [])])
    result = name_order.rebuild(registry.db, between_batches=lambda: _apply(registry, sqlite_folders, next(during)))
    assert result is not None and result.ranked == 10
    with registry.db.read() as conn:
        assert name_order.state(conn).live == result.live
        assert not name_order.changes_at_most(conn, 2)  # the three changes made during the build
    assert _searched(registry, admin, "_") == _sorted_matches(registry, "_")
    assert [title for title, _ in _searched(registry, admin, "a_")] == ["a_new.jpg", "a_renamed.jpg"]
    assert name_order.rebuild(registry.db) is not None
    with registry.db.read() as conn:
        assert name_order.changes_at_most(conn, 0)


def test_one_build_at_a_time_and_a_dead_one_is_taken_over(
    registry: Registry, sqlite_folders: tuple[Folder, Folder]
) -> None:
    _apply(registry, sqlite_folders, ("add", ["x.jpg"]))
    with registry.db.write() as conn:
        conn.exec_driver_sql("UPDATE name_order_state SET building_since = ? WHERE id = 1", (name_order._now(),))
    assert name_order.rebuild(registry.db) is None  # another build holds the mark
    with registry.db.write() as conn:
        conn.exec_driver_sql("UPDATE name_order_state SET building_since = '2026-01-01T00:00:00+00:00'")
    result = name_order.rebuild(registry.db)  # a mark older than STALE_BUILD: that build died
    assert result is not None and result.ranked == 1


def test_a_failed_build_leaves_the_live_copy_and_the_mark_free(
    registry: Registry, admin: User, sqlite_folders: tuple[Folder, Folder]
) -> None:
    _apply(registry, sqlite_folders, ("add", ["a_1.jpg", "a_2.jpg", "a_3.jpg", "a_4.jpg"]))
    first = name_order.rebuild(registry.db)
    assert first is not None

    def fail() -> None:
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        name_order.rebuild(registry.db, between_batches=fail)
    with registry.db.read() as conn:
        current = name_order.state(conn)
    assert current.live == first.live and current.building_since is None
    assert _searched(registry, admin, "a_") == _sorted_matches(registry, "a_")


def _apply(registry: Registry, folders: tuple[Folder, Folder], operation: tuple[Any, ...]) -> None:
    if operation[0] == "build":
        built = name_order.rebuild(registry.db) if registry.db.is_sqlite else trigram_spans.rebuild(registry.db)
        assert built is not None
        return
    with registry.db.write() as conn:
        repo = Repos(conn).items
        ids = list(conn.exec_driver_sql("SELECT id FROM items ORDER BY id").scalars())
        if operation[0] == "add" and operation[1]:
            rows = [
                {"folder_id": folders[0].id, "kind": _kind(t).value, "title": t, "object_url": f"s3://b/{t}"}
                for t in operation[1]
            ]
            repo.insert_many(rows)
        elif operation[0] == "rename" and ids:
            repo.update(ids[operation[1] % len(ids)], title=operation[2])
        elif operation[0] == "move" and ids:
            repo.move([ids[operation[1] % len(ids)]], folders[1].id)
        elif operation[0] == "delete" and ids:
            repo.delete([ids[operation[1] % len(ids)]])
        elif operation[0] == "change kind" and ids:  # no service does this yet; the search must still be exact
            changed = sa.case((items.c.kind == "image", "video"), else_="image")
            conn.execute(sa.update(items).where(items.c.id == ids[operation[1] % len(ids)]).values(kind=changed))


def _kind(title: str) -> ItemKind:
    return ItemKind.VIDEO if "b" in title else ItemKind.IMAGE


def _searched(registry: Registry, actor: User, text: str, *, kind: ItemKind | None = None) -> list[tuple[str, int]]:
    """Every page of a search by name, 3 items a page; backwards gives the same items reversed."""
    kinds = frozenset({kind}) if kind else frozenset()
    forwards = _pages(registry, actor, ItemQuery(text=text, kinds=kinds, limit=3))
    backwards = _pages(registry, actor, ItemQuery(text=text, kinds=kinds, limit=3, descending=True))
    assert backwards == forwards[::-1], text
    return forwards


def _pages(registry: Registry, actor: User, query: ItemQuery) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for _ in range(200):  # pages of 3 items: more than any example holds
        page = registry.items.search(actor=actor, query=query)
        found += [(i.title, i.id) for i in page.items]
        if page.next_cursor is None:
            return found
        query = replace(query, cursor=page.next_cursor)
    raise AssertionError(f"paging {query.text!r} did not end")


def _sorted_matches(registry: Registry, text: str, *, kind: ItemKind | None = None) -> list[tuple[str, int]]:
    with registry.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT title, id, object_url, kind FROM items").all()
    return sorted(
        (title, item_id)
        for title, item_id, url, item_kind in rows
        if text.lower() in f"{title}\n{url}".lower() and kind in (None, ItemKind(item_kind))
    )


def test_housekeeping_rebuilds_once_changes_have_stopped(registry: Registry, admin: User) -> None:
    """``keep_search_order`` (run every 30 s by the workers) waits until no item changed since its last look, so
    a registration in full flow is not rebuilt after every chunk; then it rebuilds once, and not again."""
    folder = registry.folders.create(actor=admin, name="f")
    registry.items.add(actor=admin, folder_id=folder.id, items=[_new("a.jpg"), _new("b.jpg")])
    assert registry.items.keep_search_order() is None  # first look: changes may still be coming
    assert registry.items.keep_search_order() is not None
    assert registry.items.keep_search_order() is None  # nothing changed since
    registry.items.add(actor=admin, folder_id=folder.id, items=[_new("c.jpg")])
    assert registry.items.keep_search_order() is None  # changed since the last look
    assert registry.items.keep_search_order() is not None
    found = registry.items.search(actor=admin, query=ItemQuery(text="c.jpg"))
    assert [i.title for i in found.items] == ["c.jpg"]


def _new(title: str) -> NewItem:
    return NewItem(kind=ItemKind.IMAGE, title=title, object_url=f"s3://b/{title}")


def test_a_postgresql_build_vacuums_the_changes_it_forgets(registry: Registry, admin: User) -> None:
    """Every search counts the recorded changes; those a build forgets would stay dead rows until autovacuum came
    by (10 ms more a search with 1M of them), so the build vacuums the table itself."""
    if registry.db.is_sqlite:
        pytest.skip("SQLite leaves no dead rows")
    folder = registry.folders.create(actor=admin, name="f")
    registry.items.add(actor=admin, folder_id=folder.id, items=[_new(f"{n}.jpg") for n in range(50)])
    assert trigram_spans.rebuild(registry.db) is not None
    with registry.db.read() as conn:
        # Vacuumed: its dead rows are gone, and with them its pages (the statistics' dead-row count may lag).
        vacuumed = conn.exec_driver_sql(
            "SELECT last_vacuum IS NOT NULL AND pg_relation_size('search_changes') = 0 FROM pg_stat_user_tables "
            "WHERE relname = 'search_changes'"
        ).scalar_one()
        assert conn.exec_driver_sql("SELECT count(*) FROM search_changes").scalar_one() == 0
    assert vacuumed
